from django.db import migrations

# The unique (dimension, key, day) index also carries the counts on PostgreSQL, so a
# framework's trend (every rule row of its rules over a year) is an index-only scan instead
# of a heap page per few rows. Elsewhere (embedded SQLite) the plain unique constraint stays.
NAME = "rollup_unique_dimension_key_day"
TABLE = "compliance_evaluationrollup"
COUNTS = "evaluations, passed, failed, error, not_applicable, score_count, score_sum, duration_count, duration_sum"


def _recreate(schema_editor, include):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} DROP CONSTRAINT {NAME}, ADD CONSTRAINT {NAME} UNIQUE (dimension, key, day)"
        + (f" INCLUDE ({COUNTS})" if include else "")
    )


def cover(apps, schema_editor):
    _recreate(schema_editor, include=True)


def uncover(apps, schema_editor):
    _recreate(schema_editor, include=False)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_status_history"),
    ]

    operations = [
        migrations.RunPython(cover, uncover),
    ]
