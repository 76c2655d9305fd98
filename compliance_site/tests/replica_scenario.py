"""The read-replica scenario, run by test_read_replica.py in a process of its own.

That process's settings name a real primary and its streaming replica (DATABASE_URL,
DATABASE_REPLICA_URL), which a test process, bound to its own test database, cannot. The
scenario drives the real middleware, views and router through Django's test client, holds
the replica back with pg_wal_replay_pause() to make the two databases differ, and prints
what each reader saw as one JSON object for the test to judge.
"""

import json
import os
import sys
import time
from datetime import timedelta

import django

django.setup()

from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from common.replica import REPLICA_DB_ALIAS, lag_probe, replica_reads  # noqa: E402
from common.roles import COMPLIANCE_MANAGER  # noqa: E402
from common.testing.pg_cluster import stop_cluster  # noqa: E402
from compliance.models import Framework, RuleEvaluation  # noqa: E402
from compliance.tests.factories import DataSourceFactory, RuleFactory, UserFactory  # noqa: E402
from reports.generation import consistent_snapshot  # noqa: E402
from systems.tests.factories import make_system  # noqa: E402


def replica_admin():
    import psycopg

    return psycopg.connect(os.environ["SCENARIO_REPLICA_DSN"], autocommit=True)


def wait_caught_up(timeout=30):
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with replica_admin() as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                return
            time.sleep(0.05)
    raise TimeoutError("the replica did not catch up")


def ingest(client, rule, source, count):
    now = timezone.now()
    rows = [
        {
            "rule": rule.pk,
            "data_source": source.pk,
            "status": "failed",
            "evaluated_at": (now - timedelta(seconds=count - i)).isoformat(),
        }
        for i in range(count)
    ]
    response = client.post("/api/v1/evaluations/bulk/", {"evaluations": rows}, content_type="application/json")
    assert response.status_code in (200, 201), (response.status_code, response.content[:300])


def evaluations_seen(client):
    response = client.get("/api/v1/analytics/dashboard/")
    return [response.status_code, response.json()["totals"]["evaluations"]]


def ssp_description(client, system):
    """The system description an SSP export carries, and the export's status."""
    response = client.get(f"/api/v1/systems/{system.pk}/oscal/ssp/")
    document = json.loads(response.content) if response.status_code == 200 else {}
    return [
        response.status_code,
        document.get("system-security-plan", {}).get("system-characteristics", {}).get("description"),
    ]


def snapshot_view(framework):
    """What a report's snapshot reads, where it is taken, and whether a write inside it works."""
    with consistent_snapshot() as ties_primary:
        count = RuleEvaluation.objects.count()
        if not ties_primary:
            # Report progress writes like this while a replica snapshot is open: to the primary.
            Framework.objects.filter(pk=framework.pk).update(description="written during a replica snapshot")
    return {"count": count, "ties_primary": ties_primary}


def main():
    seen = {}
    manager = UserFactory(username="replica-manager", roles=[COMPLIANCE_MANAGER])
    rule = RuleFactory()
    source = DataSourceFactory()
    system = make_system(description="as first described")
    writer, reader = Client(), Client()
    writer.force_login(manager)
    reader.force_login(manager)

    ingest(writer, rule, source, 5)
    wait_caught_up()
    lag_probe.forget()
    seen["caught_up_reader"] = evaluations_seen(reader)
    seen["caught_up_health"] = reader.get("/healthz").json().get("replica")

    with replica_admin() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    ingest(writer, rule, source, 7)  # the writer's client is now pinned to the primary
    changed = writer.patch(
        f"/api/v1/systems/{system.pk}/", {"description": "described again"}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content[:300]
    # An export is audited, so it pins its client: a client of its own.
    exporter = Client()
    exporter.force_login(manager)
    seen["paused_ssp_reader"] = ssp_description(exporter, system)
    seen["paused_ssp_writer"] = ssp_description(writer, system)
    seen["writer_pinned"] = "primary_pin" in writer.cookies
    lag_probe.forget()
    seen["paused_health"] = reader.get("/healthz").json().get("replica")
    seen["paused_reader"] = evaluations_seen(reader)
    seen["paused_writer"] = evaluations_seen(writer)
    seen["paused_snapshot"] = snapshot_view(rule.framework)
    with replica_reads() as alias:
        seen["scope_alias_after_own_writes"] = alias  # this process wrote (the factories)

    with override_settings(REPLICA_MAX_LAG_SECONDS=0.5):
        time.sleep(1.0)
        lag_probe.forget()
        seen["lagging_health"] = reader.get("/healthz").json().get("replica")
        seen["lagging_reader"] = evaluations_seen(reader)
        seen["lagging_snapshot"] = snapshot_view(rule.framework)

    with replica_admin() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    wait_caught_up()
    lag_probe.forget()
    seen["resumed_health"] = reader.get("/healthz").json().get("replica")
    seen["resumed_reader"] = evaluations_seen(reader)
    seen["replica_saw_the_snapshot_write"] = (
        Framework.objects.using(REPLICA_DB_ALIAS).get(pk=rule.framework.pk).description
    )

    stop_cluster(os.environ["SCENARIO_PG_BIN"], os.environ["SCENARIO_REPLICA_DIR"])
    lag_probe.forget()
    seen["down_health"] = reader.get("/healthz").json().get("replica")
    seen["down_reader"] = evaluations_seen(reader)
    seen["down_healthz_status"] = reader.get("/healthz").status_code
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main()
