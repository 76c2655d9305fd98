"""The audit log becomes a table partitioned by timestamp (PostgreSQL; SQLite keeps a plain table).

The existing table, entries and all, becomes one legacy partition (common/partitions.py:
no row is moved or rewritten, one unique index over (id, timestamp) is built). Its
triggers are taken off first and made again on the partitioned table, which PostgreSQL
copies to every partition (the seal and the row refusals) but for TRUNCATE, made on each
partition. The refusal function learns to name the table of a partition (the purge's
bypass is for the audit tables, and a partition's row trigger fires on the partition).
Nothing points at entries by a database foreign key (the chain links and the
transparency log know them by id and seq). The legacy partition is never split (moving
an entry would seal it again): it goes by the row purge and then whole. Not reversible.
"""

from django.db import migrations

from audit import partitioning, sql
from common import partitions


def partition_audit_log(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or partitions.is_partitioned(partitioning.TABLE):
        return
    schema_editor.execute(sql.PG_LOG_DROP, params=None)
    partitions.convert_to_partitioned(partitioning.TABLE, "timestamp", pk="id")
    schema_editor.execute(sql.PG_FUNCTIONS, params=None)
    schema_editor.execute(sql.PG_LOG_TRIGGERS, params=None)
    for part in partitions.partitions(partitioning.TABLE):
        partitioning.protect(part.name)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0010_syslog_cursor_and_tsa_tokens"),
    ]

    operations = [migrations.RunPython(partition_audit_log, elidable=False)]
