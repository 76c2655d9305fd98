"""Let the suite's flush TRUNCATE the audit tables in a database named plain `test` too."""
from django.db import migrations


def install_triggers(apps, schema_editor):
    from audit import sql

    sql.install(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_refresh_triggers"),
    ]

    operations = [
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
