"""Audit entries as OCSF 1.3.0 events (https://schema.ocsf.io/1.3.0/), for SIEMs.

- every entry: API Activity (class 6003), activity create 1, read 2, update 3, delete 4,
  anything else Other 99; actor, src_endpoint (IP), http_request (user agent), the object
  as a resource, and `metadata.correlation_uid` = the request id;
- sign-ins and sign-outs: Authentication (class 3002), logon 1 / logoff 2, failures with
  status Failure;
- entries about a type an app registers a mapper for (compliance registers findings):
  what the mapper returns, e.g. Compliance Finding (class 2003).

`validate(event)` checks an event against the trimmed OCSF 1.3.0 schema shipped in
audit/ocsf_schema/ (the classes above, their required attributes and enumerations).
"""

import json
from functools import cache
from pathlib import Path

VERSION = "1.3.0"
SCHEMA_PATH = Path(__file__).with_name("ocsf_schema") / "ocsf-1.3.0-trimmed.schema.json"
PRODUCT = {"name": "Compliance Platform", "vendor_name": "Compliance Platform", "feature": {"name": "audit"}}

API_ACTIVITY = 6003
AUTHENTICATION = 3002
COMPLIANCE_FINDING = 2003
_CATEGORY = {API_ACTIVITY: 6, AUTHENTICATION: 3, COMPLIANCE_FINDING: 2}
_CLASS_NAME = {API_ACTIVITY: "API Activity", AUTHENTICATION: "Authentication", COMPLIANCE_FINDING: "Compliance Finding"}
_CATEGORY_NAME = {6: "Application Activity", 3: "Identity & Access Management", 2: "Findings"}
_API_ACTIVITY = {"create": (1, "Create"), "read": (2, "Read"), "update": (3, "Update"), "delete": (4, "Delete")}
# impact level -> (severity_id, severity)
SEVERITY = {"low": (1, "Informational"), "medium": (3, "Medium"), "high": (4, "High"), "critical": (5, "Critical")}
_AUTH = {
    "login": (1, "Logon", 1, "Success"),
    "logout": (2, "Logoff", 1, "Success"),
    "login_failed": (1, "Logon", 2, "Failure"),
    "login_locked_out": (1, "Logon", 2, "Failure"),
}

_mappers = {}


def register_mapper(content_type_label, mapper):
    """`mapper(entry, base)` returns the OCSF event for entries about that type ("app_label.model").

    `base` holds the attributes every event carries (time, metadata, severity, actor...);
    the mapper adds its class's. Registered by the app that owns the type (audit knows none).
    """
    _mappers[content_type_label] = mapper


def _millis(timestamp):
    return int(timestamp.timestamp() * 1000)


def base_attributes(entry, class_uid, activity_id, activity_name):
    """The attributes of OCSF's base event, and the actor and source, for one entry (a dict)."""
    severity_id, severity = SEVERITY.get(entry["impact_level"], (0, "Unknown"))
    event = {
        "class_uid": class_uid,
        "class_name": _CLASS_NAME.get(class_uid, ""),
        "category_uid": _CATEGORY[class_uid],
        "category_name": _CATEGORY_NAME[_CATEGORY[class_uid]],
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": class_uid * 100 + activity_id,
        "time": _millis(entry["timestamp"]),
        "severity_id": severity_id,
        "severity": severity,
        "message": entry["message"] or f"{entry['action']} {entry['object_repr']}".strip(),
        "metadata": {
            "version": VERSION,
            "product": PRODUCT,
            "uid": str(entry["id"]),
            "log_name": "audit",
            "sequence": entry["seq"],
            "original_time": entry["timestamp"].isoformat(),
        },
        "actor": {"user": _user(entry)},
        "src_endpoint": {"ip": entry["ip_address"]} if entry["ip_address"] else {"name": entry["source"]},
        "unmapped": {"action": entry["action"], "source": entry["source"], "entry_hash": entry.get("entry_hash", "")},
    }
    if entry["request_id"]:
        event["metadata"]["correlation_uid"] = entry["request_id"]
    if entry["user_agent"]:
        event["http_request"] = {"user_agent": entry["user_agent"]}
    if entry["session_hash"]:
        event["actor"]["session"] = {"uid": entry["session_hash"]}
    return event


def _user(entry):
    user = {"name": entry["actor_username"] or "anonymous"}
    if entry["actor_id"] is not None:
        user["uid"] = str(entry["actor_id"])
    return user


def _api_activity(entry):
    activity_id, name = _API_ACTIVITY.get(entry["action"], (99, "Other"))
    event = base_attributes(entry, API_ACTIVITY, activity_id, name)
    event["api"] = {"operation": entry["action"], "service": {"name": "compliance-platform"}}
    if entry["request_id"]:
        event["api"]["request"] = {"uid": entry["request_id"]}
    if entry.get("content_type"):
        resource = {"type": entry["content_type"], "uid": entry["object_id"], "name": entry["object_repr"]}
        if entry["changes"]:
            resource["data"] = entry["changes"]
        event["resources"] = [resource]
    return event


def _authentication(entry):
    activity_id, name, status_id, status = _AUTH[entry["action"]]
    event = base_attributes(entry, AUTHENTICATION, activity_id, name)
    event["user"] = event["actor"]["user"]
    event["status_id"], event["status"] = status_id, status
    event["dst_endpoint"] = {"svc_name": "compliance-platform"}
    return event


def event_for(entry):
    """The OCSF event for one audit entry: a dict of its fields, with `seq` and `content_type` ("app.model")."""
    if entry["action"] in _AUTH:
        return _authentication(entry)
    mapper = _mappers.get(entry.get("content_type"))
    if mapper is not None:
        event = mapper(entry, base_attributes)
        if event is not None:
            return event
    return _api_activity(entry)


def dumps(event):
    """Compact ASCII JSON of an event (a syslog MSG, a webhook body)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


@cache
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema)


def validation_errors(event):
    """Messages of what in `event` the trimmed OCSF 1.3.0 schema refuses (empty: valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(event)'}: {e.message}" for e in _validator().iter_errors(event)]
