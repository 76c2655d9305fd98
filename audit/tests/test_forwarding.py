"""OCSF events (validated against the trimmed 1.3.0 schema) and their delivery over syslog to a
real asyncio collector, over TLS with certificate verification and over plain TCP."""

import json
import re
import ssl

import pytest
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.test import RequestFactory

from audit import forwarding, ocsf
from audit.context import audit_context
from audit.models import AuditForwardCursor, AuditLog
from audit.services import record_event
from compliance.tests.factories import DataSourceFactory, FindingFactory, FrameworkFactory, RuleFactory, UserFactory

from .collector import Collector, make_pki

pytestmark = pytest.mark.django_db
# RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (?P<host>\S+) compliance-platform - "
    rb"(?P<msgid>\d{4}) \[audit@32473 seq=\"(?P<seq>\d+)\" entry_hash=\"[0-9a-f]{64}\" ocsf_version=\"1\.3\.0\"\] "
    rb"(?P<msg>\{.*\})$",
    re.S,
)


def events_of(entries):
    rows, _ = forwarding.pending(0, 10_000)
    wanted = {e.pk for e in entries}
    return [ocsf.event_for(row) for row in rows if row["id"] in wanted]


def test_model_changes_are_api_activity_with_crud_activities(sealed):
    with audit_context(request_id="req-ocsf-1", ip_address="192.0.2.7", user_agent="pytest-agent"):
        framework = FrameworkFactory(code="ocsf1")
        framework.name = "Renamed"
        framework.save()
        framework.delete()
        other = record_event(action="audit_export", message="exported")
    sealed()
    entries = AuditLog.objects.filter(request_id="req-ocsf-1").order_by("id")
    events = events_of(entries)
    assert [(e["class_uid"], e["activity_id"], e["type_uid"]) for e in events] == [
        (6003, 1, 600301),
        (6003, 3, 600303),
        (6003, 4, 600304),
        (6003, 99, 600399),
    ]
    for event in events:
        assert ocsf.validation_errors(event) == []
        assert event["metadata"]["correlation_uid"] == "req-ocsf-1" and event["metadata"]["version"] == "1.3.0"
        assert event["src_endpoint"] == {"ip": "192.0.2.7"}
        assert event["http_request"] == {"user_agent": "pytest-agent"}
    assert events[0]["resources"][0]["type"] == "compliance.framework"
    assert events[3]["api"]["operation"] == "audit_export" and events[3]["metadata"]["uid"] == str(other.pk)


def test_logins_are_authentication(sealed):
    user = UserFactory(username="ocsf-login")
    request = RequestFactory().post("/admin/login/")
    request.session = type("S", (), {"session_key": None, "cycle_key": lambda self: None})()
    user_logged_in.send(sender=type(user), request=request, user=user)
    user_login_failed.send(sender=__name__, credentials={"username": "ocsf-login"}, request=request)
    sealed()
    entries = AuditLog.objects.filter(action__in=["login", "login_failed"]).order_by("id")
    events = events_of(entries)
    assert [(e["class_uid"], e["activity_id"], e["status"]) for e in events] == [
        (3002, 1, "Success"),
        (3002, 1, "Failure"),
    ]
    assert events[0]["user"]["name"] == "ocsf-login"
    assert all(ocsf.validation_errors(e) == [] for e in events)


def test_findings_are_compliance_findings(sealed):
    finding = FindingFactory(
        rule=RuleFactory(framework=FrameworkFactory(code="ocsf2", name="SOC 2")), data_source=DataSourceFactory()
    )
    record_event(action="create", instance=finding, changes={"status": [None, "open"]})
    finding.status = "resolved"
    finding.save()
    sealed()
    entries = AuditLog.objects.filter(content_type__model="finding", object_id=str(finding.pk)).order_by("id")
    events = events_of(entries)
    assert [(e["class_uid"], e["activity_id"]) for e in events] == [(2003, 1), (2003, 3)]
    assert events[-1]["compliance"]["status"] == "Pass" and events[-1]["compliance"]["standards"] == ["SOC 2"]
    assert events[-1]["finding_info"]["uid"] == str(finding.pk)
    assert all(ocsf.validation_errors(e) == [] for e in events)


def test_the_schema_refuses_what_ocsf_refuses():
    assert ocsf.validation_errors({"class_uid": 6003}) != []
    event = {
        "class_uid": 6003, "category_uid": 6, "activity_id": 1, "type_uid": 600301, "time": 1, "severity_id": 1,
        "metadata": {"version": "1.3.0", "product": {"vendor_name": "x"}}, "actor": {"user": {"name": "a"}},
        "src_endpoint": {"ip": "192.0.2.1"},
    }  # fmt: skip
    assert any("api" in error for error in ocsf.validation_errors(event))
    assert ocsf.validation_errors({**event, "api": {"operation": "create"}}) == []
    assert ocsf.validation_errors({**event, "api": {"operation": "x"}, "type_uid": 600305}) != []


def _configure(settings, collector, *, ca_file=None, tls=True):
    settings.AUDIT_SYSLOG_HOST = "127.0.0.1"
    settings.AUDIT_SYSLOG_PORT = collector.port
    settings.AUDIT_SYSLOG_TLS = tls
    settings.AUDIT_SYSLOG_CA_FILE = ca_file
    settings.AUDIT_SYSLOG_HOSTNAME = "compliance-test"


def _record(n, sealed):
    with audit_context(request_id="req-syslog"):
        for i in range(n):
            record_event(action="custom_event", message=f"syslog {i}", impact_level="high" if i == 0 else "low")
    sealed()


def _parsed(collector):
    out = []
    for message in collector.messages:
        match = RFC5424.match(message)
        assert match, message[:200]
        out.append(match)
    return out


def test_every_entry_reaches_a_tls_collector_in_order_once(settings, sealed, tmp_path):
    context, ca_file = make_pki(tmp_path)
    _record(7, sealed)
    total = AuditLog.objects.filter(link__isnull=False).count()
    with Collector(ssl_context=context) as collector:
        _configure(settings, collector, ca_file=ca_file)
        assert forwarding.forward_syslog() == total
        assert forwarding.forward_syslog() == 0  # nothing new: nothing sent again
        parsed = _parsed(collector)
    seqs = [int(m["seq"]) for m in parsed]
    assert seqs == list(range(1, total + 1))
    assert AuditForwardCursor.objects.get(name="syslog").last_seq == total
    mine = [m for m in parsed if json.loads(m["msg"])["message"].startswith("syslog ")]
    assert len(mine) == 7
    assert int(mine[0]["pri"]) == 13 * 8 + 4 and int(mine[1]["pri"]) == 13 * 8 + 6  # log audit; warning, info
    for match in mine:
        event = json.loads(match["msg"])
        assert match["msgid"] == b"6003" and ocsf.validation_errors(event) == []
        assert event["metadata"]["correlation_uid"] == "req-syslog" and match["host"] == b"compliance-test"


def test_an_unverified_certificate_sends_nothing(settings, sealed, tmp_path):
    context, _ = make_pki(tmp_path)
    (tmp_path / "other").mkdir()
    _, other_ca = make_pki(tmp_path / "other")  # a CA that did not sign the collector's certificate
    _record(2, sealed)
    with Collector(ssl_context=context) as collector:
        _configure(settings, collector, ca_file=other_ca)
        with pytest.raises(ssl.SSLCertVerificationError):
            forwarding.forward_syslog()
        assert collector.messages == []
    cursor = AuditForwardCursor.objects.get(name="syslog")
    assert cursor.last_seq == 0 and "certificate verify failed" in cursor.last_error


def test_plain_tcp_with_octet_counting_and_a_collector_that_was_down(settings, sealed):
    _record(3, sealed)
    with Collector() as collector:
        port = collector.port
    settings.AUDIT_SYSLOG_HOST, settings.AUDIT_SYSLOG_PORT, settings.AUDIT_SYSLOG_TLS = "127.0.0.1", port, False
    with pytest.raises(ConnectionRefusedError):  # the collector is down: nothing is lost
        forwarding.forward_syslog()
    assert AuditForwardCursor.objects.get(name="syslog").last_seq == 0
    _record(2, sealed)
    with Collector() as collector:
        _configure(settings, collector, tls=False)
        sent = forwarding.forward_syslog()
        parsed = _parsed(collector)
    assert sent == len(parsed) and [int(m["seq"]) for m in parsed] == list(range(1, sent + 1))
    assert sum(json.loads(m["msg"])["message"].startswith("syslog ") for m in parsed) == 5


def test_no_collector_configured_is_a_no_op(settings, sealed):
    settings.AUDIT_SYSLOG_HOST = None
    _record(1, sealed)
    assert forwarding.forward_syslog() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_entry_is_never_sent(settings):
    class Abort(Exception):
        pass

    record_event(action="custom_event", message="syslog kept 1")
    with pytest.raises(Abort), transaction.atomic():
        record_event(action="custom_event", message="syslog rolled back")
        raise Abort
    record_event(action="custom_event", message="syslog kept 2")
    with Collector() as collector:
        _configure(settings, collector, tls=False)
        forwarding.forward_syslog()
        messages = [json.loads(m["msg"])["message"] for m in _parsed(collector)]
    assert [m for m in messages if m.startswith("syslog ")] == ["syslog kept 1", "syslog kept 2"]
