"""One read policy behind every door: every GET route of the OpenAPI schema, every dashboard
page and every admin page, walked as each role, never shows what that role may not read.

Canary objects carry marker strings in their names and messages: a restricted report and a
restricted workflow of one manager, an audit entry, and the audit trail itself inside an
audit_trail report. A walker who may not read one of them must not meet its marker in any
body (JSON, HTML or a downloaded file).
"""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from audit.services import record_event
from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import FindingFactory, RuleFactory, UserFactory, record
from reports import services as report_services
from reports.generation import generate_report
from workflows import services as workflow_services
from workflows.tests.factories import WorkflowTemplateFactory

pytestmark = pytest.mark.django_db

REPORT_MARK = "READPOLICY-report-8e1f"
WORKFLOW_MARK = "READPOLICY-workflow-52ac"
AUDIT_MARK = "READPOLICY-audit-c07d"

# marker -> the roles that may read it (the owner and superusers besides).
READERS = {
    REPORT_MARK: {COMPLIANCE_ADMIN},
    WORKFLOW_MARK: {COMPLIANCE_ADMIN},
    AUDIT_MARK: {COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR},
}
AUDIT_READERS = READERS[AUDIT_MARK]
# A walker's role; "other manager" holds the owner's role without being the owner.
WALKERS = {VIEWER: VIEWER, AUDITOR: AUDITOR, "other manager": COMPLIANCE_MANAGER}


def _generate(report):
    task_id = uuid.uuid4().hex
    report.transition_to("generating")
    report.task_id = task_id
    report.save()
    assert generate_report(report_id=report.pk, task_id=task_id) == "completed"


@pytest.fixture
def canaries(tmp_path):
    with override_settings(REPORTS_STORAGE_DIR=tmp_path / "reports"):
        owner = UserFactory(username="canary-owner", roles=[COMPLIANCE_MANAGER], is_staff=True)
        rule = RuleFactory(name=f"Rule with a finding {uuid.uuid4().hex[:6]}")
        finding = FindingFactory(rule=rule)
        record(rule, finding.data_source, "failed")
        record_event(action=AUDIT_MARK, message=f"{AUDIT_MARK}: what only readers of the audit log read")
        restricted = report_services.create_report(
            created_by=owner,
            name=f"{REPORT_MARK} board pack",
            report_type="executive_summary",
            file_format="json",
            access_level="restricted",
        )
        _generate(restricted)
        # An audit_trail report holds audit entries: below confidential it is refused.
        with pytest.raises(ValidationError) as refused:
            report_services.create_report(
                created_by=owner,
                name="Audit trail",
                report_type="audit_trail",
                file_format="json",
                access_level="public",
            )
        assert "access_level" in refused.value.message_dict
        trail = report_services.create_report(
            created_by=owner,
            name="Audit trail",
            report_type="audit_trail",
            file_format="json",
            access_level="confidential",
        )
        _generate(trail)
        template = WorkflowTemplateFactory()
        workflow = workflow_services.create_workflow(
            data={
                "name": f"{WORKFLOW_MARK} incident",
                "template": template,
                "workflow_type": template.workflow_type,
                "access_level": "restricted",
            },
            actor=owner,
        )
        yield {"owner": owner, "rule": rule, "finding": finding, "reports": [restricted, trail], "workflow": workflow}


def _walker(role):
    user = UserFactory(username=f"walker-{role}".replace(" ", "-").lower(), roles=[WALKERS[role]], is_staff=True)
    api = APIClient()
    api.force_authenticate(user)
    pages = Client()
    pages.force_login(user)
    return user, api, pages


def _forbidden_marks(role, *, audit_door):
    """The markers `role` must not meet at a door. The audit trail is one policy of its own:
    whoever may read it reads all of it, entries about restricted objects included (their
    names, never their secrets), so audit doors show object names to audit readers."""
    held = WALKERS[role]
    if audit_door and held in AUDIT_READERS:
        return []
    return [mark for mark, readers in READERS.items() if held not in readers]


def _is_audit_door(url, trail):
    return (
        url.startswith(("/api/v1/audit-logs/", "/admin/audit/"))
        or url.endswith("/history/")
        or (url.startswith(f"/api/v1/reports/{trail.pk}/") and url.endswith("download/"))
    )


def _schema_get_paths():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, item in schema["paths"].items() if "get" in item)


def _fill(path, ids):
    """Concrete URLs for a schema path: every candidate id for its one parameter."""
    names = re.findall(r"{([^}]+)}", path)
    if not names:
        return [path]
    if len(names) > 1:  # /workflows/{id}/steps/{order}/...: the first step of each workflow
        return [re.sub(r"{[^}]+}", str(value), path, count=1).replace(f"{{{names[1]}}}", "1") for value in ids]
    return [path.replace(f"{{{names[0]}}}", str(value)) for value in ids]


def _admin_urls(canaries):
    from django.contrib import admin

    urls = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(f"/admin/{info[0]}/{info[1]}/")
        for obj in model_admin.model._default_manager.all()[:20]:
            urls.append(f"/admin/{info[0]}/{info[1]}/{obj.pk}/change/")
    return urls


def _dashboard_urls(canaries):
    rule = canaries["rule"]
    return [
        "/dashboard/",
        "/dashboard/findings/",
        f"/dashboard/rules/{rule.pk}/",
        f"/dashboard/frameworks/{rule.framework.code}/",
    ]


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


AUDIT_CARD = re.compile(r'<section[^>]*id="audit-activity".*?</section>', re.S)


def _outside_audit_cards(role, body):
    """A page's audit-activity card is an audit door inside it: for audit readers, check the
    rest of the page as an ordinary door."""
    return AUDIT_CARD.sub("", body) if WALKERS[role] in AUDIT_READERS else body


@pytest.mark.parametrize("role", WALKERS)
def test_no_door_shows_what_the_role_may_not_read(canaries, role):
    _user, api, pages = _walker(role)
    trail = canaries["reports"][1]
    ids = [
        *sorted(
            {obj.pk for obj in (*canaries["reports"], canaries["workflow"], canaries["rule"], canaries["finding"])}
        ),
        canaries["rule"].framework.code,
    ]
    seen, leaks = 0, []
    for path in _schema_get_paths():
        for url in _fill(path, ids):
            response = api.get(url)
            assert response.status_code < 500, (url, response.status_code)
            seen += 1
            body = _body(response)
            leaks += [
                (url, mark) for mark in _forbidden_marks(role, audit_door=_is_audit_door(url, trail)) if mark in body
            ]
    for url in ("/dashboard/", "/admin/", "/admin/reports/report/", "/admin/workflows/workflow/"):
        assert pages.get(url).status_code == 200, url  # signed in for real: the page walk is not vacuous
    for url in (*_dashboard_urls(canaries), *_admin_urls(canaries)):
        response = pages.get(url)
        assert response.status_code < 500, (url, response.status_code)
        seen += 1
        body = _outside_audit_cards(role, _body(response))
        leaks += [(url, mark) for mark in _forbidden_marks(role, audit_door=_is_audit_door(url, trail)) if mark in body]
    assert seen > 150, seen
    assert not leaks, f"{role} read what it may not: {leaks}"


def test_the_walk_would_see_a_leak(canaries):
    """The markers do reach the bodies of those who may read them (the walk can fail)."""
    owner_api = APIClient()
    owner_api.force_authenticate(canaries["owner"])
    restricted = canaries["reports"][0]
    assert REPORT_MARK in _body(owner_api.get(f"/api/v1/reports/{restricted.pk}/"))
    trail = canaries["reports"][1]
    assert AUDIT_MARK in _body(owner_api.get(f"/api/v1/reports/{trail.pk}/download/"))
    assert WORKFLOW_MARK in _body(owner_api.get(f"/api/v1/workflows/{canaries['workflow'].pk}/"))
