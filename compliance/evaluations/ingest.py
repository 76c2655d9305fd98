"""Evaluations enter here, and only here: record_evaluations() stores a validated batch and
keeps everything derived from it current in the same transaction (LatestEvaluation, the
daily rollups, the status history, findings), writes the batch's audit entry and sends
the domain signals.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from audit.services import record_event
from common import bound
from common.exceptions import ConflictError

from .. import signals
from ..choices import ACTIVE_FINDING_STATUSES, EvaluationStatus, FindingStatus
from ..models import ComplianceRule, DataSource, Finding
from .bulk_writes import (
    copy_evaluations,
    ensure_batch_partitions,
    new_instances,
    reserve_ids,
    update_findings,
    upsert_latest,
)
from .models import LatestEvaluation, RuleEvaluation
from .retention import horizon
from .rollups import add_evaluations
from .status_history import record_batch as record_status_changes


@dataclass
class IngestResult:
    evaluations: list = field(default_factory=list)
    opened: list = field(default_factory=list)
    reopened: list = field(default_factory=list)
    resolved: list = field(default_factory=list)

    def counts(self):
        return {
            "evaluations": len(self.evaluations),
            "findings_opened": len(self.opened),
            "findings_reopened": len(self.reopened),
            "findings_resolved": len(self.resolved),
        }


# Advisory-lock namespace for ingest (the two-int form keeps it apart from other locks),
# and how many buckets the (rule, data source) pairs hash into: one lock per pair could
# exhaust PostgreSQL's lock table (max_locks_per_transaction) on a 10,000-pair batch.
_INGEST_LOCK_NAMESPACE = 0x45564131
_INGEST_LOCK_BUCKETS = 256


def _lock_pairs(pairs):
    """Serialise concurrent ingests that touch the same (rule, data source) pairs.

    Pairs hash into a fixed number of transaction-scoped advisory locks, taken in sorted
    order so two ingests can never deadlock. SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql" or not pairs:
        return
    buckets = sorted({(rule_id * 1_000_003 + source_id) % _INGEST_LOCK_BUCKETS for rule_id, source_id in pairs})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b) FROM (SELECT b FROM unnest(%s::int[]) AS b ORDER BY b) AS s",
            [_INGEST_LOCK_NAMESPACE, buckets],
        )


def _join_pairs(model, selected, pairs, flags=None):
    """PostgreSQL: (sql, params) selecting `selected` from `model`'s rows of exactly `pairs`.

    `flags`, one int per pair, comes along as `p.flag` for the caller's WHERE."""
    flag, params = "", [[pair[0] for pair in pairs], [pair[1] for pair in pairs]]
    if flags is not None:
        flag = ", flag"
        params.append(flags)
    return (
        f'SELECT {selected} FROM "{model._meta.db_table}" t '
        f"JOIN unnest({', '.join(['%s::bigint[]'] * len(params))}) AS p(rule_id, source_id{flag}) "
        "ON t.rule_id = p.rule_id AND t.data_source_id = p.source_id",
        params,
    )


def _superset(model, pairs):
    # Elsewhere (SQLite): both id sets, a superset of the pairs; one indexed query beats an
    # OR per pair, and callers keep their own pairs.
    return model.objects.filter(rule_id__in={p[0] for p in pairs}, data_source_id__in={p[1] for p in pairs})


def _hold_rules_and_sources(pairs):
    """{rule id: (name, severity)} and {source id: name} of the batch, each row held with
    FOR KEY SHARE until commit on PostgreSQL.

    Evaluations have no foreign-key constraints (a partitioned table's would check every
    row: 20,000 lookups a 10,000-row batch, 110 ms at commit); this takes the same lock
    once per rule and source. A rule or source being deleted meanwhile is then either
    deleted first (and refused here: ConflictError, nothing saved), or waits for this
    batch and takes its evaluations with it (receivers.py locks the row before cascading).
    """
    rule_ids, source_ids = sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})
    if connection.vendor == "postgresql":
        held = 'SELECT {} FROM "{}" WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE'
        rule_rows = bound.execute(held.format("id, name, severity", ComplianceRule._meta.db_table), [rule_ids])
        source_rows = bound.execute(held.format("id, name", DataSource._meta.db_table), [source_ids])
    else:
        rule_rows = ComplianceRule.objects.filter(pk__in=rule_ids).values_list("pk", "name", "severity")
        source_rows = DataSource.objects.filter(pk__in=source_ids).values_list("pk", "name")
    rules = {pk: (name, severity) for pk, name, severity in rule_rows}
    sources = dict(source_rows)
    gone = [f"rule {pk}" for pk in rule_ids if pk not in rules] + [
        f"data source {pk}" for pk in source_ids if pk not in sources
    ]
    if gone:
        raise ConflictError(
            f"Deleted while these evaluations were being recorded: {', '.join(gone)}; nothing was saved."
        )
    return rules, sources


def _latest(pairs):
    """{pair: (evaluated_at, evaluation id, status)} of each pair's stored latest evaluation."""
    if connection.vendor == "postgresql":
        rows = bound.execute(
            *_join_pairs(
                LatestEvaluation, "t.rule_id, t.data_source_id, t.evaluated_at, t.evaluation_id, t.status", pairs
            ),
            binary=True,
        )
    else:
        rows = _superset(LatestEvaluation, pairs).values_list(
            "rule_id", "data_source_id", "evaluated_at", "evaluation_id", "status"
        )
    return {(rule_id, source_id): tuple(rest) for rule_id, source_id, *rest in rows if (rule_id, source_id) in pairs}


# A finding a pass can change: a pass resolves these and leaves every other state alone.
_RESOLVABLE = (*ACTIVE_FINDING_STATUSES, FindingStatus.RISK_ACCEPTED)


def _findings(fresh_by_pair):
    """{pair: Finding} for the pairs moving forward, read only where the batch can change it.

    A failure updates or reopens a pair's finding whatever its state, so those pairs read
    theirs; a pair with no failure only reads one a pass would resolve. In a feed that
    mostly passes, most pairs hold a resolved finding that nothing here would touch.
    """
    if not fresh_by_pair:
        return {}
    failing = {pair for pair, fresh in fresh_by_pair.items() if any(e.status == EvaluationStatus.FAILED for e in fresh)}
    if connection.vendor == "postgresql":
        # Binary rows straight into Model.from_db (audit snapshot included): Django's Python
        # loader for text timestamps was half the cost of 3,500 findings through raw().
        # Finding's columns are plain, so no field converter is skipped.
        fields = Finding._meta.concrete_fields
        pairs = list(fresh_by_pair)
        sql, params = _join_pairs(
            Finding, ", ".join(f't."{f.column}"' for f in fields), pairs, flags=[int(p in failing) for p in pairs]
        )
        rows = bound.execute(
            sql + " WHERE p.flag = 1 OR t.status = ANY(%s::text[])", [*params, list(map(str, _RESOLVABLE))], binary=True
        )
        names = [f.attname for f in fields]
        alias = connection.alias
        found = [Finding.from_db(alias, names, row) for row in rows]
    else:
        found = Finding.objects.filter(
            pk__in=[
                pk
                for pk, rule_id, source_id, status in _superset(Finding, fresh_by_pair).values_list(
                    "pk", "rule_id", "data_source_id", "status"
                )
                if (rule_id, source_id) in fresh_by_pair and ((rule_id, source_id) in failing or status in _RESOLVABLE)
            ]
        )
    return {(f.rule_id, f.data_source_id): f for f in found}


class _FindingBook:
    """Applies evaluations to findings in time order and remembers what changed."""

    def __init__(self, existing, rules, sources, result):
        self.findings = existing
        self.rules = rules
        self.sources = sources
        self.result = result
        self.created = {}
        self.changed = {}
        self.events = []

    def apply(self, pair, evaluation):
        finding = self.findings.get(pair)
        at = evaluation.evaluated_at
        if evaluation.status == EvaluationStatus.FAILED:
            if finding is None:
                rule_name, severity = self.rules[pair[0]]
                finding = Finding(
                    rule_id=pair[0],
                    data_source_id=pair[1],
                    severity=severity,
                    title=f"{rule_name} failing on {self.sources[pair[1]]}"[:300],
                    status=FindingStatus.OPEN,
                    first_seen_at=at,
                    last_seen_at=at,
                    opened_at=at,
                    occurrences=1,
                    last_evaluation=evaluation,
                )
                self.findings[pair] = self.created[pair] = finding
                self._event(signals.finding_opened, self.result.opened, finding, evaluation)
                return
            finding.severity = self.rules[pair[0]][1]
            finding.last_seen_at = at
            finding.occurrences += 1
            finding.last_evaluation = evaluation
            if finding.status == FindingStatus.RESOLVED:
                finding.status = FindingStatus.OPEN
                finding.opened_at = at
                finding.resolved_at = None
                finding.recurrence_count += 1
                self._event(signals.finding_reopened, self.result.reopened, finding, evaluation)
            self._touch(pair, finding)
        elif (
            evaluation.status == EvaluationStatus.PASSED
            and finding is not None
            and (finding.status in ACTIVE_FINDING_STATUSES or finding.status == FindingStatus.RISK_ACCEPTED)
        ):
            finding.status = FindingStatus.RESOLVED
            finding.resolved_at = at
            finding.last_evaluation = evaluation
            self._touch(pair, finding)
            self._event(signals.finding_resolved, self.result.resolved, finding, evaluation)

    def _touch(self, pair, finding):
        if pair not in self.created:
            self.changed[pair] = finding

    def _event(self, signal, bucket, finding, evaluation):
        bucket.append(finding)
        self.events.append((signal, finding, evaluation))

    def save(self):
        now = timezone.now()
        for finding in self.changed.values():
            finding.updated_at = now
        Finding.objects.bulk_create(list(self.created.values()), batch_size=1000)
        update_findings(list(self.changed.values()))

    def send_signals(self):
        for signal, finding, evaluation in self.events:
            signal.send(sender=Finding, finding=finding, evaluation=evaluation)


@transaction.atomic
def record_evaluations(*, rows, source=""):
    """Store validated evaluation rows (see rows.validate_evaluation_rows).

    All or nothing. Per (rule, data source), evaluations newer than the stored latest one
    move LatestEvaluation forward and open, update, resolve or reopen the Finding; older
    ones (late arrivals) are kept as history only.
    """
    result = IngestResult()
    if not rows:
        return result
    now = timezone.now()
    if connection.vendor == "postgresql":
        # Plans over a dozen partitions look costly enough to PostgreSQL to JIT-compile
        # them, which takes longer than running them: never worth it for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    evaluations = new_instances(
        RuleEvaluation,
        (
            {
                "id": None,
                "rule_id": row.rule_id,
                "data_source_id": row.data_source_id,
                "status": row.status,
                "score": row.score,
                "evaluated_at": row.evaluated_at,
                "details": row.details,
                "duration_ms": row.duration_ms,
                "source": row.source or source,
                "recorded_at": now,
            }
            for row in rows
        ),
    )
    dropped_before = horizon(hold=True)  # validated against already; held now, until commit
    if dropped_before is not None and min(e.evaluated_at for e in evaluations) < dropped_before:
        raise ConflictError(
            f"Retention dropped the raw evaluations before {dropped_before.isoformat()} while these were being "
            "recorded; nothing was saved."
        )
    ensure_batch_partitions(evaluations)  # before any row: never an insert into a missing partition
    reserve_ids(evaluations)
    result.evaluations = evaluations

    by_pair = defaultdict(list)
    for evaluation in evaluations:
        by_pair[(evaluation.rule_id, evaluation.data_source_id)].append(evaluation)
    pairs = set(by_pair)
    _lock_pairs(pairs)
    rules, sources = _hold_rules_and_sources(pairs)
    latest = _latest(pairs)
    # Point-in-time history, late arrivals included; planned from the stored rows, so on
    # PostgreSQL before the batch's own rows go in (no need to tell them apart).
    record_status_changes(by_pair, latest)
    copy_evaluations(evaluations)
    add_evaluations(evaluations)  # daily rollups move in the same transaction: never stale
    fresh_by_pair = {}
    for pair, pair_evaluations in by_pair.items():
        previous_at = latest[pair][0] if pair in latest else None
        # Stable sort keeps arrival order among equal timestamps: the later arrival wins.
        pair_evaluations.sort(key=lambda e: e.evaluated_at)
        fresh = [e for e in pair_evaluations if previous_at is None or e.evaluated_at >= previous_at]
        if fresh:
            fresh_by_pair[pair] = fresh
    # Only pairs moving forward touch their finding: a backfill (all late) reads none.
    book = _FindingBook(_findings(fresh_by_pair), rules, sources, result)

    new_latest = []
    for pair, fresh in fresh_by_pair.items():
        for evaluation in fresh:
            book.apply(pair, evaluation)
        newest = fresh[-1]
        new_latest.append(
            {
                "id": None,
                "rule_id": pair[0],
                "data_source_id": pair[1],
                "evaluation_id": newest.pk,
                "status": newest.status,
                "score": newest.score,
                "evaluated_at": newest.evaluated_at,
            }
        )
    upsert_latest(new_instances(LatestEvaluation, new_latest))
    book.save()

    counts = result.counts()
    record_event(
        action="evaluations_recorded",
        instance=evaluations[0] if len(evaluations) == 1 else None,
        changes={key: [None, value] for key, value in counts.items()},
        message=(
            f"Recorded {counts['evaluations']} evaluation(s); findings opened {counts['findings_opened']}, "
            f"reopened {counts['findings_reopened']}, resolved {counts['findings_resolved']}."
        ),
    )
    signals.evaluations_recorded.send(sender=RuleEvaluation, evaluations=evaluations)
    book.send_signals()
    return result
