"""Evaluations and their status history become tables partitioned by time (PostgreSQL).

Each existing table, rows and all, becomes one legacy partition (common/partitions.py:
no row is moved, one unique index over (id, evaluated_at) is built); `manage.py
partitions split` then peels it into monthly partitions in steps. Foreign keys pointing
at evaluations lose their constraints first: a partitioned table's key holds its
partition key. SQLite keeps plain tables. Not reversible.
"""

import django.db.models.deletion
from django.db import migrations, models

from common.partitions import convert_to_partitioned


def partition_tables(apps, schema_editor):
    convert_to_partitioned("compliance_ruleevaluation", "evaluated_at", pk="id")
    convert_to_partitioned("compliance_statuschange", "evaluated_at", pk="evaluation_id")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0006_framework_workflow_access_level"),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="last_evaluation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="compliance.ruleevaluation",
            ),
        ),
        migrations.AlterField(
            model_name="latestevaluation",
            name="evaluation",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="compliance.ruleevaluation",
            ),
        ),
        migrations.RunPython(partition_tables, elidable=False),
    ]
