"""Reads from a real streaming replica: routing, the writer's pin, lag and outage fallbacks.

The test makes a PostgreSQL primary and a replica of it with `pg_basebackup -R`
(common/testing/pg_cluster.py), migrates the primary, and runs replica_scenario.py against
the pair in a process of its own (a test process is bound to its own test database).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.testing.pg_cluster import ClusterPair, unavailable_reason

ROOT = Path(__file__).resolve().parents[2]
REASON = unavailable_reason()

pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def django_env(pair):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="compliance_site.test_settings",
        DATABASE_URL=pair.primary.url("compliance"),
        DATABASE_REPLICA_URL=pair.replica.url("compliance"),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/9",
        REPLICA_MAX_LAG_SECONDS="30",
        REPLICA_LAG_CHECK_SECONDS="0",
        SCENARIO_REPLICA_DSN=f"host=127.0.0.1 port={pair.replica.port} user=postgres dbname=compliance",
        SCENARIO_PG_BIN=pair.bin_dir,
        SCENARIO_REPLICA_DIR=pair.replica.data_dir,
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="module")
def scenario():
    pair = ClusterPair().start()
    try:
        with pair.primary.connect() as conn:
            conn.execute("CREATE DATABASE compliance")
        env = django_env(pair)
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        run = subprocess.run(
            [sys.executable, "compliance_site/tests/replica_scenario.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-5000:]
        yield json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        pair.stop()


def test_a_caught_up_replica_serves_the_dashboard(scenario):
    assert scenario["caught_up_reader"] == [200, 5]
    assert scenario["caught_up_health"]["state"] == "ok"


def test_a_reader_sees_the_replica_while_replay_is_held_back(scenario):
    # The primary has 12 evaluations; the held-back replica still has 5, within the lag allowed.
    assert scenario["paused_health"]["state"] == "ok", scenario
    assert scenario["paused_reader"] == [200, 5]


def test_oscal_exports_read_the_replica_unless_the_client_wrote(scenario):
    assert scenario["paused_ssp_reader"] == [200, "as first described"]
    assert scenario["paused_ssp_writer"] == [200, "described again"]


def test_the_client_that_wrote_is_pinned_to_the_primary(scenario):
    assert scenario["writer_pinned"] is True
    assert scenario["paused_writer"] == [200, 12]


def test_own_writes_keep_a_context_on_the_primary(scenario):
    assert scenario["scope_alias_after_own_writes"] == "default"


def test_report_snapshots_read_the_replica_and_write_to_the_primary(scenario):
    assert scenario["paused_snapshot"] == {"count": 5, "ties_primary": False}
    assert scenario["replica_saw_the_snapshot_write"] == "written during a replica snapshot"


def test_lag_over_the_threshold_sends_reads_to_the_primary(scenario):
    health = scenario["lagging_health"]
    assert health["state"] == "lagging" and health["lag_seconds"] > 0.5
    assert scenario["lagging_reader"] == [200, 12]
    assert scenario["lagging_snapshot"] == {"count": 12, "ties_primary": True}


def test_a_replica_that_caught_up_again_is_used_again(scenario):
    assert scenario["resumed_health"]["state"] == "ok"
    assert scenario["resumed_reader"] == [200, 12]


def test_a_replica_that_is_down_costs_nothing_but_its_reads(scenario):
    assert scenario["down_health"] == {"state": "unavailable", "lag_seconds": None}
    assert scenario["down_reader"] == [200, 12]
    assert scenario["down_healthz_status"] == 200
