"""The auditor's workspace through the API: engagement, frozen populations, reproducible
samples, the PBC list, sign-offs, the export checked by the standard-library verifier."""

import hashlib
import io
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from compliance.evidence import services as evidence_services
from compliance.models import Finding
from compliance.tests.factories import (
    ControlFactory,
    DataSourceFactory,
    FrameworkFactory,
    RuleFactory,
    UserFactory,
    record,
)
from conftest import token_for
from engagements.models import Population, Sample

from .factories import EngagementFactory

pytestmark = pytest.mark.django_db
VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_engagement_export.py"


@pytest.fixture
def world(client_as):
    framework = FrameworkFactory(code="soc2")
    control = ControlFactory(framework=framework, ref_id="CC6.1")
    rule = RuleFactory(framework=framework, controls=[control])
    source = DataSourceFactory()
    for days in range(1, 13):
        record(rule, source, "passed" if days % 4 else "failed", at=timezone.now() - timedelta(days=days))
    record(rule, source, "passed", at=timezone.now() - timedelta(days=400))  # before the period
    auditor, manager = client_as(AUDITOR), client_as(COMPLIANCE_MANAGER)
    engagement = EngagementFactory(framework=framework, auditors=[auditor.user])
    return {
        "framework": framework,
        "control": control,
        "rule": rule,
        "source": source,
        "auditor": auditor,
        "manager": manager,
        "engagement": engagement,
        "url": f"/api/v1/engagements/{engagement.pk}",
    }


def test_create_engagement_and_bad_input(world):
    manager, auditor = world["manager"], world["auditor"]
    body = {
        "name": "ISO surveillance 2026",
        "framework": "soc2",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "auditors": [auditor.user.pk],
        "controls": [world["control"].pk],
    }
    created = manager.post("/api/v1/engagements/", body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "planning"
    bad = {
        "period_end": ({**body, "period_end": "2025-12-31"}, "period_end"),
        "auditors": ({**body, "auditors": [manager.user.pk]}, "auditors"),  # not an Auditor
        "framework": ({**body, "framework": "nope"}, "framework"),
        "period_start": ({**body, "period_start": 20260101}, "period_start"),
        "controls": ({**body, "controls": [ControlFactory().pk]}, "controls"),  # another framework
    }
    for data, field in bad.values():
        response = manager.post("/api/v1/engagements/", data)
        assert response.status_code == 400 and field in response.json(), (field, response.content)
    assert auditor.post("/api/v1/engagements/", body).status_code == 403
    malformed = manager.generic("POST", "/api/v1/engagements/", "{", content_type="application/json")
    assert malformed.status_code == 400


def test_auditors_see_the_engagements_they_are_on(world, client_as):
    other = UserFactory(username="other-auditor", roles=[AUDITOR])
    EngagementFactory(framework=world["framework"], auditors=[other])
    mine = world["auditor"].get("/api/v1/engagements/").json()
    assert [row["id"] for row in mine["results"]] == [world["engagement"].pk]
    assert world["manager"].get("/api/v1/engagements/").json()["count"] == 2
    assert client_as(VIEWER).get("/api/v1/engagements/").status_code == 403


def test_freeze_sample_and_redraw(world):
    auditor, url, control = world["auditor"], world["url"], world["control"]
    frozen = auditor.post(f"{url}/populations/", {"control": control.pk})
    assert frozen.status_code == 201, frozen.content
    population = frozen.json()
    assert population["size"] == 12 and population["members"] == sorted(population["members"])
    text = "\n".join(map(str, population["members"]))
    assert population["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    # Later evaluations do not change what was frozen.
    record(world["rule"], world["source"], "passed", at=timezone.now() - timedelta(hours=1))
    assert Population.objects.get(pk=population["id"]).size == 12

    drawn = auditor.post(f"{url}/samples/", {"population": population["id"], "size": 5}).json()
    assert len(drawn["members"]) == 5 and drawn["seed"]
    again = auditor.post(f"{url}/samples/", {"population": population["id"], "size": 5, "seed": drawn["seed"]})
    assert again.status_code == 201 and again.json()["members"] == drawn["members"]
    by_frequency = auditor.post(f"{url}/samples/", {"population": population["id"], "frequency": "weekly"})
    assert by_frequency.status_code == 201 and by_frequency.json()["size"] == 5

    too_big = auditor.post(f"{url}/samples/", {"population": population["id"], "size": 13})
    assert too_big.status_code == 400 and "size" in too_big.json()
    assert auditor.post(f"{url}/samples/", {"population": 999999, "size": 1}).status_code == 400
    assert auditor.post(f"{url}/samples/", {"population": population["id"]}).status_code == 400
    assert auditor.post(f"{url}/samples/", {"population": population["id"], "frequency": "hourly"}).status_code == 400
    assert auditor.post(f"{url}/populations/", {"control": ControlFactory().pk}).status_code == 400  # out of scope
    assert auditor.post(f"{url}/populations/", {"control": "CC6.1"}).status_code == 400
    assert Sample.objects.count() == 3
    assert AuditLog.objects.filter(action="sample_drawn").count() == 3
    assert AuditLog.objects.filter(action="population_frozen").count() == 1
    # A manager may read the engagement but only its auditors draw.
    assert world["manager"].post(f"{url}/samples/", {"population": population["id"], "size": 1}).status_code == 403
    window = auditor.get(f"{url}/populations/{population['id']}/?offset=10&limit=5").json()
    assert window["members"] == population["members"][10:] and window["members_next_offset"] is None
    assert auditor.get(f"{url}/populations/{population['id']}/?limit=0").status_code == 400


def test_requests_answers_decisions_and_sign_off(world, client_as):
    auditor, manager, url, control = world["auditor"], world["manager"], world["url"], world["control"]
    engagement = world["engagement"]
    due = (timezone.now() + timedelta(days=7)).isoformat()
    ask = {"control": control.pk, "title": "Access review evidence", "due_at": due, "assignee": manager.user.pk}
    viewer = client_as(VIEWER)
    no_access = auditor.post(f"{url}/requests/", {**ask, "assignee": viewer.user.pk})
    assert no_access.status_code == 400 and "assignee" in no_access.json()
    assert auditor.post(f"{url}/requests/", {**ask, "due_at": "soon"}).status_code == 400
    assert auditor.post(f"{url}/requests/", {**ask, "assignee": 999999}).status_code == 400
    created = auditor.post(f"{url}/requests/", ask)
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]

    outside = evidence_services.add_evidence(
        data={
            "covers_from": engagement.period_start - timedelta(days=400),
            "covers_to": engagement.period_start - timedelta(days=300),
        },
        record={"old": True},
        actor=manager.user,
    )
    inside = evidence_services.add_evidence(
        data={"covers_from": engagement.period_start, "covers_to": engagement.period_end, "controls": [control.pk]},
        record={"reviewed": ["ada", "grace"]},
        actor=manager.user,
    )
    answer_url = f"{url}/requests/{request_id}/answer/"
    refused = manager.post(answer_url, {"evidence": [outside.pk]})
    assert refused.status_code == 400 and "evidence" in refused.json()
    assert manager.post(answer_url, {"evidence": []}).status_code == 400
    assert manager.post(answer_url, {"evidence": ["x"]}).status_code == 400
    assert auditor.post(answer_url, {"evidence": [inside.pk]}).status_code == 403  # not the assignee
    answered = manager.post(answer_url, {"evidence": [inside.pk]})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert auditor.post(f"{url}/requests/{request_id}/reject/", {}).status_code == 400  # a rejection says why
    accepted = auditor.post(f"{url}/requests/{request_id}/accept/", {"comment": "Complete."})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert auditor.post(f"{url}/requests/{request_id}/accept/", {}).status_code == 409
    assert auditor.post(f"{url}/requests/999999/accept/", {}).status_code == 404

    # Evidence an engagement refers to cannot be deleted.
    assert manager.delete(f"/api/v1/evidence/{inside.pk}/").status_code == 409

    signed = auditor.post(
        f"{url}/sign-offs/",
        {
            "control": control.pk,
            "result": "exception",
            "note": "Two leavers kept access.",
            "rule": world["rule"].pk,
            "data_source": world["source"].pk,
        },
    )
    assert signed.status_code == 201, signed.content
    finding = Finding.objects.get(pk=signed.json()["finding"])
    assert finding.status == "open" and "Audit exception" in finding.title
    assert auditor.post(f"{url}/sign-offs/", {"control": control.pk, "result": "exception"}).status_code == 400
    assert auditor.post(f"{url}/sign-offs/", {"control": control.pk, "result": "great"}).status_code == 400
    progress = auditor.get(f"{url}/progress/").json()
    assert progress["controls_tested"] == 1 and progress["exceptions"] == 1 and progress["requests"]["accepted"] == 1


def test_export_is_verified_by_the_standard_library_script(world, tmp_path):
    auditor, manager, url, control = world["auditor"], world["manager"], world["url"], world["control"]
    population = auditor.post(f"{url}/populations/", {"control": control.pk}).json()
    auditor.post(f"{url}/samples/", {"population": population["id"], "size": 3})
    due = (timezone.now() + timedelta(days=7)).isoformat()
    request_id = auditor.post(
        f"{url}/requests/", {"control": control.pk, "title": "Roster", "due_at": due, "assignee": manager.user.pk}
    ).json()["id"]
    item = evidence_services.add_evidence(data={"controls": [control.pk]}, record={"a": 1}, actor=manager.user)
    manager.post(f"{url}/requests/{request_id}/answer/", {"evidence": [item.pk]})
    auditor.post(f"{url}/sign-offs/", {"control": control.pk, "result": "effective", "note": "Tested 3."})

    response = auditor.get(f"{url}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    path = tmp_path / "export.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
    assert {"manifest.json", "audit-trail.json", f"populations/{population['id']}.txt"} <= names
    assert any(name.startswith(f"evidence/{item.pk}/") for name in names)
    ok = subprocess.run([sys.executable, "-I", str(VERIFIER), str(path)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("OK "), ok.stderr

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.startswith("populations/"):
                content = content.replace(b"\n", b"\n9", 1) if b"\n" in content else content + b"1"
            target.writestr(name, content)
    bad = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(tampered)], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1 and "FAILED" in bad.stderr
    assert world["manager"].get(f"{url}/export/").status_code == 403  # only the engagement's auditors
    assert AuditLog.objects.filter(action="engagement_exported").count() == 1


def test_anonymous_and_unknown(world):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/engagements/").status_code == 401
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {token_for(UserFactory(username='x-aud', roles=[AUDITOR]))}")
    assert outsider.get(world["url"] + "/").status_code == 404  # not on it: it does not exist for them
    assert world["manager"].get("/api/v1/engagements/999999/populations/").status_code == 404


def test_overdue_requests_notify_the_assignee_and_escalate_once(world):
    from engagements.escalation import notify_overdue_requests
    from workflows.models import Notification

    auditor, manager, url, control = world["auditor"], world["manager"], world["url"], world["control"]
    past = (timezone.now() - timedelta(hours=3)).isoformat()
    auditor.post(
        f"{url}/requests/", {"control": control.pk, "title": "Late", "due_at": past, "assignee": manager.user.pk}
    )
    future = (timezone.now() + timedelta(days=3)).isoformat()
    auditor.post(
        f"{url}/requests/", {"control": control.pk, "title": "Fine", "due_at": future, "assignee": manager.user.pk}
    )
    listed = auditor.get(f"{url}/requests/").json()["results"]
    assert [row["overdue"] for row in listed] == [True, False]
    assert notify_overdue_requests() == 1
    assert Notification.objects.get(verb="overdue").recipient == manager.user
    assert Notification.objects.get(verb="escalated").recipient == auditor.user
    assert notify_overdue_requests() == 0
    assert AuditLog.objects.filter(action="request_overdue").count() == 1


def test_populations_of_audit_entries_and_workflow_runs(world):
    from workflows.models import Workflow
    from workflows.tests.factories import WorkflowFactory

    auditor, url, control = world["auditor"], world["url"], world["control"]
    runs = [WorkflowFactory(workflow_type="approval"), WorkflowFactory(workflow_type="approval"), WorkflowFactory()]
    Workflow.objects.filter(pk__in=[w.pk for w in runs]).update(started_at=timezone.now() - timedelta(days=2))
    WorkflowFactory(workflow_type="approval")  # never started: not a run
    frozen = auditor.post(
        f"{url}/populations/", {"control": control.pk, "kind": "workflow_runs", "actions": ["approval"]}
    )
    assert frozen.status_code == 201, frozen.content
    assert frozen.json()["members"] == sorted(w.pk for w in runs[:2])
    entries = auditor.post(
        f"{url}/populations/", {"control": control.pk, "kind": "audit_entries", "actions": ["create"]}
    )
    assert entries.status_code == 201 and entries.json()["size"] > 0
    assert auditor.post(f"{url}/populations/", {"control": control.pk, "kind": "tickets"}).status_code == 400


def test_the_export_holds_only_this_engagements_trail(world, client_as):
    import json

    auditor, url, control = world["auditor"], world["url"], world["control"]
    other = EngagementFactory(framework=world["framework"], auditors=[auditor.user])
    auditor.post(f"/api/v1/engagements/{other.pk}/populations/", {"control": control.pk})
    mine = auditor.post(f"{url}/populations/", {"control": control.pk}).json()
    data = b"".join(auditor.get(f"{url}/export/").streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        trail = json.loads(archive.read("audit-trail.json"))
    frozen = [row for row in trail if row["action"] == "population_frozen"]
    assert [row["object_id"] for row in frozen] == [str(mine["id"])]
