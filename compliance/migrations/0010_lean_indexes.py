"""Fewer indexes for ingest to write: evaluations lose two, and updates become HOT.

RuleEvaluation's single-column rule and data source indexes go: eval_pair_time and
eval_source_time lead with them, and every index is written for every ingested row and
stored for every row kept (dropping them on a partitioned table drops each partition's).

The rest makes ingest's updates HOT (a new row version on the same page, no index entry).

Each ingest batch updates thousands of LatestEvaluation, Finding, EvaluationRollup and
StatusChangeRollup rows.
An update is HOT only when no indexed column changes and the page has room, so:
- the indexes nothing reads go: the evaluation and last-evaluation FKs (no lookup by them;
  rows go with their rule's or data source's cascade) and the single-column FKs that a
  composite index already leads with;
- the rollups' unique index no longer carries the counts (0005's INCLUDE made every count
  update write two index entries; under continuous ingest the visibility map is rarely set,
  so the index-only scan it bought mostly fetched the heap anyway);
- the four tables leave room on each page (fillfactor) for the new versions.
"""

import django.db.models.deletion
from django.db import migrations, models

# 0005's covering index, written out here (a migration stands on its own).
_ROLLUPS, _UNIQUE = "compliance_evaluationrollup", "rollup_unique_dimension_key_day"
_COUNTS = "evaluations, passed, failed, error, not_applicable, score_count, score_sum, duration_count, duration_sum"

_FILLFACTOR = {
    "compliance_latestevaluation": 70,
    "compliance_finding": 80,
    "compliance_evaluationrollup": 70,
    "compliance_statuschangerollup": 70,
}


def _fillfactor(schema_editor, percent):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, wanted in _FILLFACTOR.items():
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent or wanted})")


def drop_evaluation_references(apps, schema_editor):
    """PostgreSQL: the evaluations' rule and data source constraints and single-column
    indexes, wherever they are. SQLite (embedded) keeps its plain table as it is."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = 'compliance_ruleevaluation'::regclass "
            "UNION SELECT 'compliance_ruleevaluation'::regclass)"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
            "WHERE x.indrelid = 'compliance_ruleevaluation'::regclass AND x.indnatts = 1 "
            "AND a.attname IN ('rule_id', 'data_source_id')"
        )
        indexes = [name for (name,) in cursor.fetchall()]
    for table, name in constraints:
        schema_editor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name in indexes:
        schema_editor.execute(f'DROP INDEX "{name}"')  # a partitioned index: each partition's goes too


def _rollup_index(schema_editor, *, covering):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {_ROLLUPS} DROP CONSTRAINT {_UNIQUE}, ADD CONSTRAINT {_UNIQUE} UNIQUE (dimension, key, day)"
        + (f" INCLUDE ({_COUNTS})" if covering else "")
    )


def make_room(apps, schema_editor):
    _rollup_index(schema_editor, covering=False)
    _fillfactor(schema_editor, None)


def fill_pages(apps, schema_editor):
    _fillfactor(schema_editor, 100)
    _rollup_index(schema_editor, covering=True)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0009_merge_partitions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="last_evaluation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="compliance.ruleevaluation",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="rule",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="findings",
                to="compliance.compliancerule",
            ),
        ),
        migrations.AlterField(
            model_name="latestevaluation",
            name="data_source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="latest_evaluations",
                to="compliance.datasource",
            ),
        ),
        migrations.AlterField(
            model_name="latestevaluation",
            name="evaluation",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="compliance.ruleevaluation",
            ),
        ),
        migrations.AlterField(
            model_name="latestevaluation",
            name="rule",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="latest_evaluations",
                to="compliance.compliancerule",
            ),
        ),
        # The parent table never had these constraints (0007 left them on the legacy
        # partition only): dropped where they are, and the indexes with them.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ruleevaluation",
                    name=name,
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evaluations",
                        to=f"compliance.{target}",
                    ),
                )
                for name, target in (("data_source", "datasource"), ("rule", "compliancerule"))
            ],
            database_operations=[migrations.RunPython(drop_evaluation_references, migrations.RunPython.noop)],
        ),
        migrations.RunPython(make_room, fill_pages),
    ]
