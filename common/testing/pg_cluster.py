"""A throwaway PostgreSQL primary and its streaming replica, for the replica tests.

Both are real clusters on 127.0.0.1 made with the machine's own PostgreSQL binaries: the
primary with `initdb` (whose default pg_hba admits replication from 127.0.0.1 under trust),
the replica with `pg_basebackup -R` from it, so the replica is what production runs, not a
second database pretending to be one. Run as root, the clusters belong to the `postgres`
user (PostgreSQL refuses to run as root).
"""

import contextlib
import dataclasses
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg


def postgres_bin_dir():
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def unavailable_reason():
    """Why the clusters cannot be made here, or None."""
    if postgres_bin_dir() is None:
        return "no PostgreSQL server binaries (initdb, pg_basebackup) on this machine"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to own the clusters"
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_as_postgres(bin_dir, program, *args):
    """Run one of PostgreSQL's programs, as the postgres user when we are root."""
    command = [os.path.join(bin_dir, program), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


def stop_cluster(bin_dir, data_dir):
    """Stop a cluster at once (as a crash would); a cluster already down is fine."""
    with contextlib.suppress(subprocess.CalledProcessError):
        run_as_postgres(bin_dir, "pg_ctl", "-D", data_dir, "-m", "immediate", "-w", "stop")


@dataclasses.dataclass
class Cluster:
    data_dir: str
    port: int
    log_file: str

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database="postgres"):
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)


class ClusterPair:
    """start() makes both; stop() removes both. Commands run as postgres when we are root."""

    def __init__(self):
        self.bin_dir = postgres_bin_dir()
        self.root = tempfile.mkdtemp(prefix="pg-replica-")
        self.primary = Cluster(os.path.join(self.root, "primary"), free_port(), os.path.join(self.root, "primary.log"))
        self.replica = Cluster(os.path.join(self.root, "replica"), free_port(), os.path.join(self.root, "replica.log"))
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args):
        run_as_postgres(self.bin_dir, *args)

    def _configure(self, cluster):
        with open(os.path.join(cluster.data_dir, "postgresql.conf"), "a") as conf:
            conf.write(
                f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "fsync = off\nfull_page_writes = off\nshared_buffers = 32MB\nmax_wal_senders = 4\n"
                "wal_level = replica\nhot_standby = on\nmax_connections = 40\n"
            )

    def start(self):
        self._run("initdb", "-D", self.primary.data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._configure(self.primary)
        self.start_cluster(self.primary)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", self.replica.data_dir, "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self._configure(self.replica)  # appended settings win: the replica takes its own port
        self.start_cluster(self.replica)
        with self.replica.connect() as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0], "the replica is not in recovery"
        return self

    def start_cluster(self, cluster):
        self._run("pg_ctl", "-D", cluster.data_dir, "-l", cluster.log_file, "-w", "-t", "60", "start")

    def stop_cluster(self, cluster):
        stop_cluster(self.bin_dir, cluster.data_dir)

    def wait_caught_up(self, timeout=30):
        """Until the replica has replayed everything the primary has written so far."""
        with self.primary.connect() as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.replica.connect() as replica:
            while time.monotonic() < deadline:
                if replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay up to {target} in {timeout}s")

    def stop(self):
        self.stop_cluster(self.replica)
        self.stop_cluster(self.primary)
        shutil.rmtree(self.root, ignore_errors=True)
