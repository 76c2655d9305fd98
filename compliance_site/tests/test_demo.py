"""seed_compliance --demo: a realistic, deterministic, idempotent demo organisation."""

import random
from datetime import UTC, datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from compliance.choices import EvaluationStatus, FindingStatus
from compliance.models import ComplianceRule, DataSource, Finding, LatestEvaluation, RuleEvaluation
from compliance_site.demo.catalog import DATA_SOURCES
from compliance_site.demo.history import DAYS, Pair, history_batches, make_pairs

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_compliance", "--demo", *args, stdout=out)
    return out.getvalue()


def _snapshot():
    from compliance.models import Evidence
    from engagements.models import Engagement
    from integrations.models import Integration
    from reports.models import Report
    from workflows.models import Workflow

    return {
        "sources": DataSource.objects.count(),
        "rules": ComplianceRule.objects.count(),
        "evaluations": RuleEvaluation.objects.count(),
        "findings": Finding.objects.count(),
        "latest": LatestEvaluation.objects.count(),
        "workflows": Workflow.objects.count(),
        "integrations": Integration.objects.count(),
        "reports": Report.objects.count(),
        "engagements": Engagement.objects.count(),
        "evidence": Evidence.objects.count(),
    }


def test_demo_organisation_is_realistic_and_a_second_run_adds_nothing():
    output = seed("--seed", "7")
    first = _snapshot()

    assert first["sources"] == len(DATA_SOURCES) + 1 == 26  # the demo system's own, for its KSI validations
    # The rules evaluated in the history, beside one rule per Key Security Indicator.
    assert 110 <= ComplianceRule.objects.filter(ksi_indicator__isnull=True).count() <= 130
    assert not ComplianceRule.objects.filter(controls=None).exists()
    assert 10_000 <= first["evaluations"] <= 25_000
    assert "evaluations" in output and "Done in" in output

    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    times = RuleEvaluation.objects.filter(source="demo").aggregate(first=Max("evaluated_at"))
    assert times["first"] < midnight
    assert not RuleEvaluation.objects.exclude(source__in=["demo", "ksi"]).exists()
    assert RuleEvaluation.objects.filter(evaluated_at__lt=midnight - timezone.timedelta(days=DAYS - 2)).exists()

    # The ingest service kept LatestEvaluation exactly at the newest evaluation of each pair.
    newest = {
        (r["rule"], r["data_source"]): r["at"]
        for r in RuleEvaluation.objects.values("rule", "data_source").annotate(at=Max("evaluated_at"))
    }
    assert {(le.rule_id, le.data_source_id): le.evaluated_at for le in LatestEvaluation.objects.all()} == newest

    statuses = set(Finding.objects.values_list("status", flat=True))
    assert {
        FindingStatus.OPEN,
        FindingStatus.RESOLVED,
        FindingStatus.IN_PROGRESS,
        FindingStatus.RISK_ACCEPTED,
    } <= statuses
    assert Finding.objects.filter(recurrence_count__gt=0).exists()  # regressions reopen findings
    # A regression that is still going on today.
    endpoint = LatestEvaluation.objects.get(
        rule__name="Endpoint protection running", rule__framework__code="soc2", data_source__name="windows-fleet"
    )
    assert endpoint.status == EvaluationStatus.FAILED
    assert Finding.objects.get(rule=endpoint.rule, data_source=endpoint.data_source).is_active

    from integrations.models import Integration
    from workflows.models import Workflow

    assert {"draft", "active", "paused", "completed"} <= set(Workflow.objects.values_list("status", flat=True))
    assert first["integrations"] == 5
    for integration in Integration.objects.all():
        assert integration.status == "configured" and integration.sync_frequency_minutes == 0
    assert first["reports"] == 3
    from engagements.models import Engagement

    engagement = Engagement.objects.get()
    assert engagement.status == "fieldwork" and engagement.populations.count() == 2
    assert engagement.samples.exists() and engagement.requests.filter(status="open").count() == 3
    assert first["evidence"] == 3

    from systems.models import System
    from systems.oscal.poam import export_poam
    from systems.oscal.ssp import export_ssp

    system = System.objects.get(name="Demo cloud platform")
    assert system.requirements.count() == 287 and system.components.count() == 4
    assert system.components.get(title="Windows fleet").rules.exists()
    # Its KSI page has something to show: most indicators pass, some failed or are late.
    from systems.ksi import indicator_state

    states = [indicator_state(i)[1] for i in system.indicators.prefetch_related("validations")]
    assert len(states) > 20 and states.count("") > len(states) / 2
    assert any("failed" in s for s in states) and any("older than" in s for s in states)
    assert Finding.objects.filter(rule__ksi_indicator__system=system, status="open").count() == len(
        states
    ) - states.count("")
    ssp = export_ssp(system=system)["system-security-plan"]
    assert len(ssp["control-implementation"]["implemented-requirements"]) == 287
    assert any(
        item["title"] != "No open findings"
        for item in export_poam(system=system)["plan-of-action-and-milestones"]["poam-items"]
    )

    again = seed("--seed", "7")
    assert _snapshot() == first
    assert "created: 0" in again and "evaluation history already present" in again


def _pairs(seed_value):
    rng = random.Random(seed_value)
    rules = [
        (SimpleNamespace(pk=pk, rule_type=kind), theme, ["server"])
        for pk, kind, theme in (
            (1, "automated", "Endpoint protection running"),
            (2, "manual", "Quarterly access review completed"),
            (3, "configuration", "Encryption at rest enabled"),
        )
    ]
    sources = {
        "server": [
            SimpleNamespace(pk=i, name=name)
            for i, name in ((10, "windows-fleet"), (11, "k8s-prod-cluster"), (12, "mysql-legacy-crm"))
        ]
    }
    return rng, make_pairs(rules, sources, rng, per_rule=3)


def _history(seed_value):
    rng, pairs = _pairs(seed_value)
    midnight = datetime(2026, 6, 1, tzinfo=UTC)
    return [row for _, batch in history_batches(pairs=pairs, rng=rng, midnight=midnight) for row in batch]


def test_history_is_deterministic_for_a_seed_and_differs_between_seeds():
    assert _history(3) == _history(3)
    assert _history(3) != _history(4)


def test_history_cadence_and_regressions():
    rows = _history(3)
    automated = [r for r in rows if r["rule"] == 1 and r["data_source"] == 11]
    manual = [r for r in rows if r["rule"] == 2 and r["data_source"] == 11]
    assert 55 <= len(automated) <= 61  # every third day over 180 days
    assert 6 <= len(manual) <= 7  # monthly
    # The windows-fleet endpoint regression runs from day 168 to today.
    late = [r for r in rows if r["rule"] == 1 and r["data_source"] == 10 and r["details"]["day"] >= 168]
    assert late and all(r["status"] == "failed" for r in late)
    assert all(r["evaluated_at"] < "2026-06-01" for r in rows)


def test_pair_failures_persist_then_get_fixed():
    rng = random.Random(1)
    pair = Pair(
        rule_id=1, source_id=1, theme="x", source_name="y", rule_type="automated", reliability=0.5, not_applicable=False
    )
    from compliance_site.demo.history import _status

    statuses = [_status(pair, day, rng) for day in range(0, 180, 3)]
    assert "failed" in statuses and "passed" in statuses
