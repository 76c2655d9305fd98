"""Writing audit entries. The one way anything gets into the audit log."""
from django.contrib.contenttypes.models import ContentType

from .context import get_context
from .models import AuditLog


def record_event(*, action, instance=None, changes=None, message="", impact_level="low"):
    """Write one audit entry in the caller's transaction, with the current request/task context."""
    ctx = get_context()
    actor = ctx.actor
    entry = AuditLog(
        actor=actor,
        actor_username=actor.get_username() if actor else ctx.actor_label,
        action=action,
        changes=changes or {},
        impact_level=impact_level,
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        session_hash=ctx.session_hash,
        source=ctx.source,
        message=message,
    )
    if instance is not None:
        entry.content_type = ContentType.objects.get_for_model(instance)
        entry.object_id = str(instance.pk)
        entry.object_repr = str(instance)[:300]
    entry.save()
    return entry


def record_permission_denied(*, request, reason=""):
    """A refused action is a security event: who tried what, where."""
    return record_event(
        action="permission_denied",
        message=f"{request.method} {request.path} refused: {reason}"[:2000],
        impact_level="medium" if request.method not in ("GET", "HEAD", "OPTIONS") else "low",
        changes={"method": [None, request.method], "path": [None, request.path]},
    )
