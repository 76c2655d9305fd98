"""Cheaper triggers: the seal is one head UPDATE, and sealing a fresh entry is allowed by
the trigger's WHEN clause instead of a function call comparing the rows as JSON."""

from django.db import migrations

from . import _seq_column_triggers as sql


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_lighter_indexes"),
    ]

    operations = [
        migrations.RunPython(sql.run_install, migrations.RunPython.noop),
    ]
