"""Raw evaluations past retention leave a whole partition at a time, and only once their
rollups and status history verify; afterwards every answer about those dates is the same."""

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.utils import timezone

from common import partitions
from compliance.analytics import regressions, score_as_of, trend
from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import EvaluationRollup, Finding, RollupDimension, RuleEvaluation, StatusChange
from compliance.oscal.assessment_results import export_assessment_results
from compliance_site.tasks import drop_expired_partitions

from .factories import DataSourceFactory, FrameworkFactory, RuleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]
TABLE = RuleEvaluation._meta.db_table
STATUSES = ("passed", "failed", "failed", "error", "not_applicable")


def month_start(at):
    return datetime(at.year, at.month, 1, tzinfo=UTC)


@pytest.fixture
def history():
    """Three old months of evaluations (in their own partitions) and a recent month, some
    pairs silent ever since the oldest month; ingested out of order."""
    framework = FrameworkFactory()
    rules = [RuleFactory(framework=framework) for _ in range(4)]
    sources = [DataSourceFactory() for _ in range(4)]
    now = timezone.now()
    oldest = month_start(now - timedelta(days=480))
    randomizer = random.Random(22)
    raw = []
    for month in range(3):
        start = oldest + timedelta(days=31 * month)
        for day in range(0, 28, 3):
            for rule in rules:
                for source in sources:
                    if month > 0 and source == sources[0]:
                        continue  # sources[0] falls silent after the oldest month
                    at = start + timedelta(days=day, hours=randomizer.randrange(24))
                    raw.append(_raw(rule, source, randomizer.choice(STATUSES), at, randomizer))
    recent = now - timedelta(days=10)
    raw += [
        _raw(rule, source, randomizer.choice(STATUSES), recent, randomizer) for rule in rules for source in sources[1:]
    ]
    randomizer.shuffle(raw)
    for i in range(0, len(raw), 150):
        rows, errors = validate_evaluation_rows(raw[i : i + 150])
        assert not errors
        record_evaluations(rows=rows)
    return framework, oldest


def _raw(rule, source, status, at, randomizer):
    score = None if status == "not_applicable" else randomizer.choice([0, 37.5, 100])
    return {
        "rule": rule.pk,
        "data_source": source.pk,
        "status": status,
        "score": score,
        "evaluated_at": at.isoformat(),
    }


def answers(framework, oldest):
    dates = [oldest + timedelta(days=d) for d in (0, 5, 20, 40, 70, 100)] + [timezone.now().date()]
    results = export_assessment_results(framework=framework)["assessment-results"]["results"][0]
    return {
        "scores": [score_as_of(when) for when in dates],
        "framework_scores": [score_as_of(when, framework=framework) for when in dates],
        "regressions": [regressions(a, b) for a, b in pairwise(dates)],
        "trend": trend(days=730),
        "framework_trend": trend(days=730, framework=framework),
        # The OSCAL result of the framework, less what is new on each export (uuids, times).
        "oscal": {
            key: results.get(key)
            for key in ("observations", "findings", "props", "start", "local-definitions", "reviewed-controls")
        },
    }


def test_dropping_an_expired_partition_keeps_every_answer(history, settings):
    framework, oldest = history
    before = answers(framework, oldest)
    evaluations_before = RuleEvaluation.objects.count()
    in_oldest = RuleEvaluation.objects.filter(evaluated_at__lt=partitions.next_start(oldest)).count()
    assert in_oldest and Finding.objects.filter(last_evaluation__isnull=False).exists()
    # Retention reaches the oldest month only.
    settings.EVALUATION_RETENTION_DAYS = (timezone.now() - partitions.next_start(oldest)).days
    report = drop_expired_partitions()
    assert report == {TABLE: {"dropped": [partitions.partition_name(TABLE, oldest)], "blocked": {}}}
    assert RuleEvaluation.objects.count() == evaluations_before - in_oldest
    assert not RuleEvaluation.objects.filter(evaluated_at__lt=partitions.next_start(oldest)).exists()
    # The status history is kept: it is what answers for the dropped rows.
    assert StatusChange.objects.filter(evaluated_at__lt=partitions.next_start(oldest)).exists()
    # No finding names a dropped evaluation.
    live_ids = set(RuleEvaluation.objects.values_list("pk", flat=True))
    named = set(Finding.objects.exclude(last_evaluation=None).values_list("last_evaluation_id", flat=True))
    assert named <= live_ids
    assert answers(framework, oldest) == before
    assert drop_expired_partitions() == {}  # nothing more past retention


def test_nothing_can_be_recorded_where_raw_rows_were_dropped(history, settings, client_as):
    """The status history of a dropped month stands for rows that are gone: a late arrival
    there could not find its stored neighbours (before the horizon, it wrote a change the
    history already held: a duplicate key). So the horizon moves with each drop, and a row
    before it is a 400 naming the row; the history stays as it was."""
    from common.exceptions import ConflictError
    from common.roles import COMPLIANCE_MANAGER
    from compliance.evaluations.retention import horizon

    _, oldest = history
    assert horizon() is None
    settings.EVALUATION_RETENTION_DAYS = (timezone.now() - partitions.next_start(oldest)).days
    drop_expired_partitions()
    cut = partitions.next_start(oldest)
    assert horizon() == cut
    rule, source = RuleEvaluation.objects.values_list("rule_id", "data_source_id").first()
    changes = set(StatusChange.objects.values_list("pk", "old_status", "new_status"))
    late = {
        "rule": rule,
        "data_source": source,
        "status": "error",
        "evaluated_at": (cut - timedelta(days=9)).isoformat(),
    }
    kept = {**late, "evaluated_at": (cut + timedelta(hours=1)).isoformat()}
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/evaluations/bulk/", {"evaluations": [kept, late]}, format="json"
    )
    assert response.status_code == 400, response.content
    (bad,) = response.json()["rows"]
    assert bad["index"] == 1 and "dropped by retention" in bad["errors"]["evaluated_at"][0]
    # Past validation (a drop between the two): the ingest's own check refuses the batch.
    rows, errors = validate_evaluation_rows([kept])
    assert not errors
    rows[0] = rows[0]._replace(evaluated_at=cut - timedelta(days=9))
    with pytest.raises(ConflictError, match="dropped the raw evaluations"):
        record_evaluations(rows=rows)
    assert set(StatusChange.objects.values_list("pk", "old_status", "new_status")) == changes
    assert partitions.partition_name(TABLE, oldest) not in {p.name for p in partitions.partitions(TABLE)}
    # After the horizon, history goes on as before.
    rows, errors = validate_evaluation_rows([kept])
    assert not errors and record_evaluations(rows=rows).evaluations


def test_a_partition_whose_rollups_do_not_add_up_is_kept(history, settings):
    _, oldest = history
    settings.EVALUATION_RETENTION_DAYS = (timezone.now() - partitions.next_start(oldest)).days
    day = RuleEvaluation.objects.filter(evaluated_at__lt=partitions.next_start(oldest)).earliest("evaluated_at")
    EvaluationRollup.objects.filter(dimension=RollupDimension.ALL, day=day.evaluated_at.astimezone(UTC).date()).update(
        evaluations=0
    )
    report = drop_expired_partitions()
    name = partitions.partition_name(TABLE, oldest)
    assert report[TABLE]["dropped"] == []
    assert "rollup" in report[TABLE]["blocked"][name]
    assert name in {p.name for p in partitions.partitions(TABLE)}


def test_a_partition_whose_status_history_is_incomplete_is_kept(history, settings):
    _, oldest = history
    settings.EVALUATION_RETENTION_DAYS = (timezone.now() - partitions.next_start(oldest)).days
    change = StatusChange.objects.filter(evaluated_at__lt=partitions.next_start(oldest)).latest("evaluated_at")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM compliance_statuschange WHERE evaluation_id = %s", [change.pk])
    report = drop_expired_partitions()
    assert "status change(s) missing" in report[TABLE]["blocked"][partitions.partition_name(TABLE, oldest)]


def test_retention_splits_the_legacy_partition_first(history, settings):
    """A database converted with years of rows in one legacy partition: retention peels
    the expired months off it and drops them, and keeps the rest."""
    framework, oldest = history
    before = answers(framework, oldest)
    with connection.cursor() as cursor:
        # Fold the old months back into one wide partition, as a converted table has them.
        old = [p for p in partitions.partitions(TABLE) if not p.is_default and p.upper <= month_start(timezone.now())]
        cursor.execute("CREATE TABLE wide_tmp (LIKE compliance_ruleevaluation)")
        for part in old:
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {part.name}")
            cursor.execute(f"INSERT INTO wide_tmp SELECT * FROM {part.name}")
            cursor.execute(f"DROP TABLE {part.name}")
        cursor.execute(
            f"CREATE TABLE {TABLE}_old_legacy PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
            [old[0].lower, old[-1].upper],
        )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM wide_tmp")
        cursor.execute("DROP TABLE wide_tmp")
    settings.EVALUATION_RETENTION_DAYS = (timezone.now() - partitions.next_start(oldest)).days
    report = drop_expired_partitions()
    assert report[TABLE]["dropped"] == [partitions.partition_name(TABLE, oldest)]
    legacy = next(p for p in partitions.partitions(TABLE) if p.name.endswith("_old_legacy"))
    assert legacy.lower == partitions.next_start(oldest)
    assert answers(framework, oldest) == before
