"""Evaluations and the state derived from them, so that scores, trends, dashboards and past
scores never scan raw evaluations.

RuleEvaluation rows are immutable observations. Everything else here is derived and kept
in the ingest transaction (compliance.evaluations.ingest): LatestEvaluation (the newest per
pair), EvaluationRollup (daily counts, rollups.py), StatusChange and StatusChangeRollup
(the status history, status_history.py), and LatestStatusCount (kept by PostgreSQL
triggers, migration 0003). Deleting a rule or data source takes its rows out first
(receivers.py).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..choices import EvaluationStatus


class RuleEvaluation(models.Model):
    """One observation of a rule on a data source. Immutable once written.

    On PostgreSQL the table is partitioned by range of evaluated_at (migration 0007,
    common/partitions/); its primary key there is (id, evaluated_at), ids still unique
    from the one sequence, and no foreign key constraint points at it.
    """

    # No single-column indexes: eval_pair_time and eval_source_time lead with these, and
    # each index is written for every row of every ingest (and stored for every row kept).
    # No constraints either: ingest holds the batch's rules and sources instead, once each
    # rather than a check per row (ingest._hold_rules_and_sources); deletes still cascade.
    rule = models.ForeignKey(
        "compliance.ComplianceRule",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="evaluations",
    )
    data_source = models.ForeignKey(
        "compliance.DataSource",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="evaluations",
    )
    status = models.CharField(max_length=16, choices=EvaluationStatus.choices)
    score = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    evaluated_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=64, blank=True, help_text="Where it came from: api, integration:<id>…")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [
            models.Index(fields=["rule", "data_source", "-evaluated_at"], name="eval_pair_time"),
            models.Index(fields=["-evaluated_at", "-id"], name="eval_time_id"),
            models.Index(fields=["data_source", "-evaluated_at"], name="eval_source_time"),
        ]

    def __str__(self):
        return f"{self.rule} on {self.data_source}: {self.status}"


class LatestEvaluation(models.Model):
    """The newest evaluation per (rule, data source): what the score is computed from.

    Maintained by the ingest service in the same transaction, so the score never has to
    find "latest per pair" among millions of raw evaluations.
    """

    # Few indexes, so that an ingest's upsert that keeps the status is a HOT update (no
    # index entry written): rule and data source lookups use the two composite indexes
    # below, which lead with them, and nothing looks a row up by its evaluation.
    rule = models.ForeignKey(
        "compliance.ComplianceRule", on_delete=models.CASCADE, db_index=False, related_name="latest_evaluations"
    )
    data_source = models.ForeignKey(
        "compliance.DataSource", on_delete=models.CASCADE, db_index=False, related_name="latest_evaluations"
    )
    # No constraint: evaluations are partitioned by time (their key is (id, evaluated_at)),
    # and a pair silent for longer than the retention keeps naming a dropped evaluation.
    # DO_NOTHING: evaluations are only ever deleted with their rule or data source, which
    # delete this row through the cascades above.
    evaluation = models.ForeignKey(
        "RuleEvaluation", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=16, choices=EvaluationStatus.choices)
    score = models.FloatField(null=True, blank=True)
    evaluated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "data_source"], name="latest_evaluation_unique_pair"),
        ]
        indexes = [models.Index(fields=["data_source", "status"], name="latest_source_status")]

    def __str__(self):
        return f"{self.rule_id}/{self.data_source_id}: {self.status}"


class RollupDimension(models.TextChoices):
    ALL = "all", "All evaluations"
    RULE = "rule", "Per rule"
    DATA_SOURCE = "data_source", "Per data source"
    # `key` is the UTC hour of day (0-23): the dashboard's "last 24 hours" comes from here.
    HOUR = "hour", "All evaluations, per hour"


class EvaluationRollup(models.Model):
    """Counts of the evaluations whose evaluated_at falls on `day` (UTC), for one key.

    One row per (dimension, key, day). `key` is the rule id, data source id, 0 for
    "all", or the hour for "hour". Framework trends sum the rule rows of the framework's
    current rules, so moving a rule to another framework needs no rollup change.
    `score_sum` adds each score rounded to 6 decimals, exactly as
    `SUM(ROUND(score::numeric, 6))` would, so rollups equal live aggregation exactly.
    """

    dimension = models.CharField(max_length=12, choices=RollupDimension.choices)
    key = models.BigIntegerField()
    day = models.DateField()
    evaluations = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)
    score_count = models.PositiveIntegerField(default=0)
    score_sum = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    duration_count = models.PositiveIntegerField(default=0)
    duration_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key", "day"], name="rollup_unique_dimension_key_day"),
        ]

    def __str__(self):
        return f"{self.dimension}:{self.key} {self.day}: {self.evaluations}"


class LatestStatusCount(models.Model):
    """How many (rule, data source) pairs of a rule have each latest status.

    The score's input pre-counted: scoring everything or a framework reads at most
    rules × 4 rows instead of every LatestEvaluation. Kept exact by statement-level
    PostgreSQL triggers on compliance_latestevaluation (migration 0003), whatever writes
    it: ingest upserts, cascading deletes of rules or data sources. No foreign-key
    constraint: a deleted rule's rows fall to zero through its cascaded deletes and are
    removed by the trigger, in whatever order Django deletes the two tables.
    """

    rule = models.ForeignKey(
        "compliance.ComplianceRule", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=16)
    pairs = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "status"], name="latest_status_count_unique")]

    def __str__(self):
        return f"{self.rule_id}/{self.status}: {self.pairs}"


class StatusChange(models.Model):
    """A (rule, data source) pair's status changed at this evaluation.

    One row per evaluation whose status differs from the pair's previous evaluation in
    (evaluated_at, id) order; `old_status` is "" for a pair's first evaluation. The pairs
    in each status at any instant are the sum of these changes up to it: what the
    point-in-time score needs (scores.py). Kept by status_history.py in the ingest
    transaction, late arrivals included. No foreign-key constraints: a deleted rule or data
    source is taken out by the pre_delete receivers (receivers.py), before its evaluations
    cascade away.
    """

    evaluation = models.OneToOneField(
        "compliance.RuleEvaluation",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    rule = models.ForeignKey(
        "compliance.ComplianceRule", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    data_source = models.ForeignKey(
        "compliance.DataSource", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    evaluated_at = models.DateTimeField()
    day = models.DateField(help_text="UTC day of evaluated_at")
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["evaluated_at"], name="status_change_time"),
            # A pair's status just before a moment, from the index alone (ingest of late
            # arrivals), and the changes of a few data sources (their rule × source pairs).
            models.Index(
                fields=["rule", "data_source", "evaluated_at", "evaluation", "new_status"],
                name="status_change_pair_time",
            ),
        ]

    def __str__(self):
        return f"{self.rule_id}/{self.data_source_id} {self.evaluated_at}: {self.old_status or '-'} → {self.new_status}"


class RollupPeriod(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class StatusChangeRollup(models.Model):
    """Net change, over one UTC day, month or year, in how many of a rule's pairs have `status`.

    StatusChange summed per (period, start, rule, status); `start` is the period's first
    day. The pairs in each status before a day are the years before its year, plus the
    months of its year before its month, plus the days of its month before it: at most
    about 40 rows per (rule, status), however long the history.
    """

    period = models.CharField(max_length=5, choices=RollupPeriod.choices)
    start = models.DateField()
    rule = models.ForeignKey(
        "compliance.ComplianceRule", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    status = models.CharField(max_length=16)
    pairs = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "start", "rule", "status"], name="status_change_rollup_unique")
        ]

    def __str__(self):
        return f"{self.period} {self.start} {self.rule_id}/{self.status}: {self.pairs:+d}"


class RetentionHorizon(models.Model):
    """Raw evaluations before `dropped_before` are gone: retention dropped their partitions.

    One row, moved forward by retention.clear_references as each partition goes. No
    evaluation can be recorded before it any more: the status history and rollups of that
    time stand for rows that no longer exist, so a late arrival there could not find its
    stored neighbours (rows.validate_evaluation_rows refuses it; ingest checks again).
    """

    dropped_before = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"raw evaluations kept from {self.dropped_before:%Y-%m-%d %H:%M} UTC"
