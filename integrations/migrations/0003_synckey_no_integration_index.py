"""SyncKey loses its integration_id index: sync_key_unique (integration_id, key) starts with
it and serves the dedup lookup, the cascade delete and the FK check.

Only the index is dropped. A plain AlterField would also drop and re-add the foreign key,
and re-adding it checks every key row while holding a lock that blocks writes to the
integration table (sync leases, edits).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "integrations_synckey_integration_id_fe3a1200"  # the name 0001_initial gave it


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_sync_lock_owner"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="synckey",
                    name="integration",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="integrations.integration",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "integrations_synckey" ("integration_id")',
                ),
            ],
        ),
    ]
