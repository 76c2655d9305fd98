"""The shape of ingest's writes: what it costs PostgreSQL per row, asserted (not timed)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from common.exceptions import ConflictError
from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import ComplianceRule, Finding, LatestEvaluation, RuleEvaluation

from .factories import DataSourceFactory, RuleFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's write paths")


def _rows(rules, sources, at, status="passed"):
    rows, bad = validate_evaluation_rows(
        [
            {"rule": rule.pk, "data_source": source.pk, "status": status, "evaluated_at": at.isoformat()}
            for rule in rules
            for source in sources
        ]
    )
    assert not bad
    return rows


def _updates(table):
    """(updates, HOT updates) of `table` in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()


@postgresql_only
def test_moving_the_latest_state_on_writes_no_index_entry():
    """A pair evaluated again with the same status updates its LatestEvaluation row and its
    rollups in place (HOT): no indexed column changes. An index on a column ingest moves
    (the evaluation id, the counts) would make every one of these updates write index
    entries again."""
    rules, sources = [RuleFactory() for _ in range(4)], [DataSourceFactory() for _ in range(5)]
    start = timezone.now() - timedelta(hours=2)
    record_evaluations(rows=_rows(rules, sources, start))
    tables = ("compliance_latestevaluation", "compliance_evaluationrollup")
    before = {table: _updates(table) for table in tables}
    record_evaluations(rows=_rows(rules, sources, start + timedelta(minutes=1)))
    latest, rollups = (
        [now - then for now, then in zip(_updates(table), before[table], strict=True)] for table in tables
    )
    assert latest == [20, 20]
    assert rollups[0] > 0 and rollups[1] == rollups[0]


@postgresql_only
def test_evaluations_carry_no_per_row_constraint_checks():
    """Every partition, the first (legacy) one included: a foreign key there checked each
    row at commit, 110 ms a 10,000-row batch, for what one lock per rule does (ingest)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = 'compliance_ruleevaluation'::regclass "
            "UNION SELECT 'compliance_ruleevaluation'::regclass)"
        )
        assert cursor.fetchall() == []


def test_a_rule_deleted_after_validation_saves_nothing():
    rule, other, source = RuleFactory(), RuleFactory(), DataSourceFactory()
    rows = _rows([rule, other], [source], timezone.now() - timedelta(minutes=5), status="failed")
    ComplianceRule.objects.filter(pk=rule.pk).delete()
    with pytest.raises(ConflictError, match=f"rule {rule.pk}"):
        record_evaluations(rows=rows)
    assert not RuleEvaluation.objects.exists()
    assert not Finding.objects.exists()
    assert not LatestEvaluation.objects.exists()


def test_a_batch_reads_only_the_findings_it_can_change():
    """A passing pair reads its finding only if a pass would resolve it; a failing pair
    reads its finding whatever the state (it updates or reopens it). The answer is the
    same either way: the states a pass leaves alone come out as they went in."""
    from compliance.evaluations.ingest import _findings

    sources = [DataSourceFactory()]
    rules = {state: RuleFactory() for state in ("open", "in_progress", "risk_accepted", "resolved", "false_positive")}
    failing_rule = RuleFactory()
    start = timezone.now() - timedelta(hours=3)
    record_evaluations(rows=_rows([*rules.values(), failing_rule], sources, start, status="failed"))
    for state, rule in rules.items():
        Finding.objects.filter(rule=rule).update(status=state)
    Finding.objects.filter(rule=failing_rule).update(status="resolved")

    passing = _rows(list(rules.values()), sources, start + timedelta(hours=1))
    failing = _rows([failing_rule], sources, start + timedelta(hours=1), status="failed")
    fresh = {(row.rule_id, row.data_source_id): [row] for row in passing + failing}
    read = {rule_id for rule_id, _ in _findings(fresh)}
    assert read == {rules["open"].pk, rules["in_progress"].pk, rules["risk_accepted"].pk, failing_rule.pk}

    result = record_evaluations(rows=passing + failing)
    assert len(result.resolved) == 3 and len(result.reopened) == 1
    states = dict(Finding.objects.values_list("rule_id", "status"))
    assert states == {
        **{rules[state].pk: "resolved" for state in ("open", "in_progress", "risk_accepted", "resolved")},
        rules["false_positive"].pk: "false_positive",
        failing_rule.pk: "open",
    }
