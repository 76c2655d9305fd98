"""Who is acting, from where: one context variable that requests, tasks and commands fill.

The actor is resolved lazily because DRF token authentication happens in the view, after
every middleware has run.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    source: str = "system"
    actor_resolver: Callable | None = field(default=None, compare=False)
    actor_label: str = ""  # e.g. "system:seed_compliance" when there is no user
    ip_address: str | None = None
    user_agent: str = ""
    session_hash: str = ""

    @property
    def actor(self):
        user = self.actor_resolver() if self.actor_resolver else None
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_current = contextvars.ContextVar("audit_context", default=AuditContext())


def get_context() -> AuditContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def audit_context(**changes):
    """Run a block with parts of the audit context replaced (task, command, request)."""
    token = _current.set(replace(_current.get(), **changes))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
