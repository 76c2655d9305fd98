"""FedRAMP 20x persistent validation: cycles per impact level, late validations open one finding."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from compliance.models import Finding, LatestEvaluation
from compliance.seed.content import seed_framework
from compliance.seed.frameworks import fedramp_ksi
from compliance.seed.tally import Tally
from systems import ksi
from systems.models import KsiIndicator
from systems.tasks import check_ksi_validations
from systems.tests.factories import make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def ksi_framework(db):
    fields, specs, extras = fedramp_ksi.load()
    return seed_framework(fields=fields, specs=specs, tally=Tally(), log=lambda line: None, extra_fields=extras)


@pytest.fixture
def system(ksi_framework):
    system = make_system()
    assert ksi.enable_ksi(system=system) == 60
    assert ksi.enable_ksi(system=system) == 0  # idempotent
    return system


def indicator(system, ref_id="KSI-CMT-LMC"):
    return KsiIndicator.objects.select_related("system", "control").get(system=system, control__ref_id=ref_id)


def test_modes_are_read_from_the_statements():
    assert ksi.default_mode("Log and monitor modifications.") == "machine"
    assert ksi.default_mode("Persistently review the effectiveness of documented procedures.") == "people"
    assert ksi.default_mode("Maintain a plan and automatically monitor it.") == "both"


def test_cycles_follow_the_impact_level(system):
    assert ksi.cycle_hours(system, "machine") == 72
    system.impact_level = "low"
    assert ksi.cycle_hours(system, "machine") == 168
    assert ksi.cycle_hours(system, "people") == 92 * 24


def test_a_validation_overdue_by_its_cycle_opens_exactly_one_finding(system):
    """A passing validation that ages past its cycle: the periodic check fails it, once."""
    lmc = indicator(system)
    lmc.mode = "machine"
    lmc.save()
    now = timezone.now()
    ksi.record_validation(indicator=lmc, kind="machine", passed=True, validated_at=now - timedelta(hours=71))
    assert not Finding.objects.filter(rule=lmc.rule).exists()
    later = now + timedelta(hours=2)
    overdue = ksi.check_overdue(now=later)
    assert lmc.pk in overdue
    assert Finding.objects.filter(rule=lmc.rule, status="open").count() == 1
    assert ksi.check_overdue(now=later + timedelta(hours=1)) == []
    assert Finding.objects.filter(rule=lmc.rule).count() == 1
    assert AuditLog.objects.filter(action="ksi_validation_overdue").count() == len(overdue)


def test_a_late_validation_is_failing_and_a_new_one_resolves_it(system):
    lmc = indicator(system)
    lmc.mode = "machine"
    lmc.save()
    now = timezone.now()
    ksi.record_validation(indicator=lmc, kind="machine", passed=True, validated_at=now - timedelta(hours=73))
    # 73 hours old: past the 72-hour Moderate cycle. record_validation judged it at once (failing,
    # no finding opened by the check yet); an hour earlier it was passing.
    assert ksi.indicator_state(indicator(system), now=now - timedelta(hours=2))[0] == "passing"
    assert ksi.indicator_state(indicator(system), now=now)[0] == "failing"
    assert Finding.objects.filter(rule=lmc.rule).count() == 1
    assert lmc.pk not in ksi.check_overdue(now=now)  # its latest evaluation already failed: no second one
    assert Finding.objects.filter(rule=lmc.rule).count() == 1
    finding = Finding.objects.get(rule=lmc.rule)
    assert finding.status == "open" and finding.severity == "high"
    assert finding.data_source == system.data_source
    ksi.record_validation(indicator=indicator(system), kind="machine", passed=True)
    finding.refresh_from_db()
    assert finding.status == "resolved"


def test_a_run_reported_late_still_moves_the_indicator(system):
    """Both kinds needed: the machine run alone fails the indicator; the people run, reported
    with an earlier validated_at, makes it pass and resolves the finding all the same."""
    both = indicator(system)
    both.mode = "both"
    both.save()
    now = timezone.now()
    ksi.record_validation(indicator=both, kind="machine", passed=True, validated_at=now - timedelta(hours=1))
    assert Finding.objects.get(rule=both.rule).status == "open"
    earlier = now - timedelta(hours=5)
    ksi.record_validation(indicator=indicator(system), kind="people", passed=True, validated_at=earlier)
    assert Finding.objects.get(rule=both.rule).status == "resolved"
    assert LatestEvaluation.objects.get(rule=both.rule).status == "passed"


def test_a_failed_validation_opens_the_finding_at_once(system):
    lmc = indicator(system)
    ksi.record_validation(indicator=lmc, kind=lmc.kinds[0], passed=False)
    assert Finding.objects.get(rule=lmc.rule).status == "open"


def test_the_periodic_task_runs_the_check(system):
    result = check_ksi_validations.apply().get()
    assert len(result) == 60  # nothing validated yet: every indicator is failing
    assert Finding.objects.filter(data_source=system.data_source).count() == 60
    assert check_ksi_validations.apply().get() == []


def test_summary_carries_a_sha256_of_its_content(system):
    lmc = indicator(system)
    ksi.record_validation(indicator=lmc, kind=lmc.kinds[0], passed=True)
    summary = ksi.ksi_summary(system=system)
    content = {k: v for k, v in summary.items() if k not in ("sha256", "manifest")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert summary["sha256"] == hashlib.sha256(canonical).hexdigest() == summary["manifest"]["sha256"]
    rows = {row["id"]: row for row in summary["indicators"]}
    assert len(rows) == 60
    assert rows["KSI-CMT-LMC"]["last_validated_at"] is not None
    assert rows["KSI-CMT-LMC"]["cycle_hours"] in (72, 92 * 24)


def test_api_summary_and_validations(client_as, system):
    reader = client_as(AUDITOR)
    summary = reader.get(f"/api/v1/systems/{system.pk}/ksi-summary/")
    assert summary.status_code == 200
    body = summary.json()
    assert {"id", "status", "last_validated_at", "cycle_hours"} <= set(body["indicators"][0]) and body["sha256"]
    manager = client_as(COMPLIANCE_MANAGER)
    url = f"/api/v1/systems/{system.pk}/ksi-validations/"
    created = manager.post(url, {"indicator": "KSI-CMT-LMC", "kind": "machine", "passed": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["indicator"] == "KSI-CMT-LMC"
    for bad, field in (
        ({"indicator": "KSI-NOPE", "kind": "machine", "passed": True}, "indicator"),
        ({"indicator": "KSI-CMT-LMC", "kind": "robot", "passed": True}, "kind"),
        ({"indicator": "KSI-CMT-LMC", "kind": "machine", "passed": "maybe"}, "passed"),
        (
            {"indicator": "KSI-CMT-LMC", "kind": "machine", "passed": True, "validated_at": "2999-01-01T00:00:00Z"},
            "validated_at",
        ),
        ({"indicator": ["x"], "kind": "machine", "passed": True}, "indicator"),
    ):
        response = manager.post(url, bad, format="json")
        assert response.status_code == 400 and field in response.json(), (bad, response.content)
    assert manager.post(url, "{", content_type="application/json").status_code == 400
    assert (
        client_as(VIEWER).post(url, {"indicator": "KSI-CMT-LMC", "kind": "machine", "passed": True}).status_code == 403
    )
    assert reader.get("/api/v1/systems/999999/ksi-summary/").status_code == 404
