"""Cheaper triggers: the seal is one head UPDATE, and sealing a fresh entry is allowed by
the trigger's WHEN clause instead of a function call comparing the rows as JSON."""
from django.db import migrations


def install_triggers(apps, schema_editor):
    from audit import sql

    sql.install(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_lighter_indexes"),
    ]

    operations = [
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
