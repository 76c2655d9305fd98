"""Integration sync logs become a table partitioned by started_at (PostgreSQL).

The existing table, rows and all, becomes one legacy partition (common/partitions.py: no
row is moved; one unique index over (id, started_at) is built); `manage.py partitions
split --table integrations_integrationlog` peels it into monthly partitions in steps. Its
foreign key to the integration is declared on the new parent, so every partition has it.
No foreign key points at the logs. SQLite keeps a plain table. Not reversible.
"""

from django.db import migrations

from common.partitions import convert_to_partitioned


def partition_logs(apps, schema_editor):
    convert_to_partitioned("integrations_integrationlog", "started_at", pk="id", keep_foreign_keys=True)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_synckey_no_integration_index"),
    ]

    operations = [migrations.RunPython(partition_logs, elidable=False)]
