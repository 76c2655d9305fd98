"""Integration sync logs are partitioned by `started_at` (common/partitions/; migration
0004_partition_integration_logs; docs/scaling.md).

Nothing is derived from a log row (the integration keeps its own success and failure
counters, the dashboard reads the last days only), so a partition past
INTEGRATION_LOG_RETENTION_DAYS needs no check before it is dropped, and nothing points at
a log: no foreign key, no reference to clear.
"""

from common import partitions

TABLE = "integrations_integrationlog"
COLUMN = "started_at"


def register():
    partitions.register(TABLE, COLUMN, retention_setting="INTEGRATION_LOG_RETENTION_DAYS")


def ensure_for(started_at):
    """Make sure a partition holds `started_at` before a log row is written there (one
    catalog query when it exists, as evaluations' ingest does; a no-op on SQLite)."""
    partitions.ensure_partitions(TABLE, started_at, started_at)
