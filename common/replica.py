"""Reads that may be served by a streaming replica, and the router that sends them there.

Only code that declares it can live with slightly old data reads from the replica: it runs
inside `replica_reads()` (analytics, dashboards, report generation, exports). Everything
else, and every write, goes to the primary ("default"). A scope chooses its database once,
when it is entered, so all its reads come from one place:

- the primary, when no replica is configured, when the replica cannot be reached or lags
  more than REPLICA_MAX_LAG_SECONDS behind, when the caller is inside a transaction on the
  primary, or when this request or task has written (its reads must see its writes);
- otherwise the replica.

"This request has written" outlives the request by REPLICA_PIN_SECONDS: the middleware
pins the client (a cookie) to the primary after a write, so the page it is sent to next
shows what it just did. A worker's task starts unpinned, and pins itself when it writes.
"""

import contextlib
import contextvars
import dataclasses
import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA_DB_ALIAS = "replica"
PIN_COOKIE = "primary_pin"

# Replay lag in seconds, measured on the replica. A replica that has replayed all it received
# is as current as its stream (0); otherwise the lag is the age of the last replayed commit.
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclasses.dataclass
class RoutingState:
    """What the router knows about the current request or task."""

    wrote: bool = False  # an ORM write went to the primary in this context
    pinned: bool = False  # the client wrote a moment ago (the pin cookie)
    read_alias: str | None = None  # the database of the replica scope we are in, if any


_state = contextvars.ContextVar("replica_routing_state", default=None)


def routing_state():
    state = _state.get()
    if state is None:
        state = RoutingState()
        _state.set(state)
    return state


def begin_context(*, pinned=False):
    """A fresh state for a new request or task; returns the token for `end_context`."""
    return _state.set(RoutingState(pinned=pinned))


def end_context(token):
    _state.reset(token)


def replica_configured():
    return REPLICA_DB_ALIAS in settings.DATABASES


@dataclasses.dataclass(frozen=True)
class ReplicaStatus:
    state: str  # "ok", "lagging", "unavailable", or "not_configured"
    lag_seconds: float | None = None

    @property
    def usable(self):
        return self.state == "ok"

    def as_dict(self):
        return {"state": self.state, "lag_seconds": self.lag_seconds}


class _LagProbe:
    """The replica's lag, measured at most once per REPLICA_LAG_CHECK_SECONDS per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._checked_at = None
        self._status = None

    def status(self, *, fresh=False):
        if not replica_configured():
            return ReplicaStatus("not_configured")
        now = time.monotonic()
        with self._lock:
            if not fresh and self._status is not None and now - self._checked_at < settings.REPLICA_LAG_CHECK_SECONDS:
                return self._status
        status = self._measure()
        with self._lock:
            self._status, self._checked_at = status, time.monotonic()
        return status

    def forget(self):
        with self._lock:
            self._status = self._checked_at = None

    @staticmethod
    def _measure():
        connection = connections[REPLICA_DB_ALIAS]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
        except Exception:  # down, refusing, restarting: the primary answers instead
            logger.warning("replica: cannot measure lag; reads go to the primary", exc_info=True)
            with contextlib.suppress(Exception):
                connection.close()
            return ReplicaStatus("unavailable")
        if not in_recovery:
            # A promoted replica is a primary of its own: reading from it would fork the data.
            logger.error("replica: %s is not in recovery; reads go to the primary", REPLICA_DB_ALIAS)
            return ReplicaStatus("unavailable")
        lag = round(float(lag), 3)
        return ReplicaStatus("ok" if lag <= settings.REPLICA_MAX_LAG_SECONDS else "lagging", lag)


lag_probe = _LagProbe()


def choose_read_alias(*, own_writes_visible=True):
    """The database a replica scope entered now should read from."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    state = routing_state()
    if own_writes_visible and (state.wrote or state.pinned):
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # the caller's transaction must see its own state
    return REPLICA_DB_ALIAS if lag_probe.status().usable else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def replica_reads(*, own_writes_visible=True):
    """Reads inside may come from the replica; yields the alias chosen.

    `own_writes_visible=False` is for work whose reads do not depend on what its own context
    wrote before (a report task has just marked its report as generating).
    """
    state = routing_state()
    outer = state.read_alias
    alias = outer or choose_read_alias(own_writes_visible=own_writes_visible)
    state.read_alias = alias
    try:
        yield alias
    finally:
        state.read_alias = outer


class PrimaryReplicaRouter:
    """Writes (and reads outside a replica scope) to the primary; scoped reads where chosen."""

    def db_for_read(self, model, **hints):
        return routing_state().read_alias or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        routing_state().wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


@contextlib.contextmanager
def bookkeeping_writes():
    """Writes inside do not pin the context to the primary (a token's last-used time, say):
    nothing the caller reads next depends on them."""
    state = routing_state()
    wrote = state.wrote
    try:
        yield
    finally:
        state.wrote = wrote
