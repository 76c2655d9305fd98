"""RetentionHorizon: where retention has dropped raw evaluations up to.

On a database whose oldest partitions were dropped already, the horizon is found from what
they left: status changes older than every evaluation partition mean raw rows were dropped
up to the oldest partition's lower bound.
"""

from django.db import migrations, models

from common.partitions import partitions


def find_horizon(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    bounded = [p for p in partitions("compliance_ruleevaluation") if not p.is_default]
    if not bounded or bounded[0].lower is None:
        return
    oldest = bounded[0].lower
    if apps.get_model("compliance", "StatusChange").objects.filter(evaluated_at__lt=oldest).exists():
        apps.get_model("compliance", "RetentionHorizon").objects.create(dropped_before=oldest)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0010_lean_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionHorizon",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dropped_before", models.DateTimeField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RunPython(find_horizon, migrations.RunPython.noop),
    ]
