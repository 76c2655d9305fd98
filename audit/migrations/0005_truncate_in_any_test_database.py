"""Let the suite's flush TRUNCATE the audit tables in a database named plain `test` too."""

from django.db import migrations

from . import _seq_column_triggers as sql


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_refresh_triggers"),
    ]

    operations = [
        migrations.RunPython(sql.run_install, migrations.RunPython.noop),
    ]
