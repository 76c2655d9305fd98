"""Reading the audit log: shared by the API, the admin history page and exports."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F

from .models import AuditLog

EXPORT_FIELDS = (
    "id",
    "seq",
    "timestamp",
    "actor_id",
    "actor_username",
    "action",
    "content_type_id",
    "content_type__app_label",
    "content_type__model",
    "object_id",
    "object_repr",
    "changes",
    "impact_level",
    "request_id",
    "ip_address",
    "user_agent",
    "session_hash",
    "source",
    "message",
    "content_hash",
    "prev_hash",
    "entry_hash",
)


# The chain fields live on the entry's AuditChainLink.
_LINK_FIELDS = {name: F(f"link__{name}") for name in ("seq", "prev_hash", "entry_hash")}


def audit_logs():
    # No select_related("content_type"): readers use AuditLog.content_type_label (cached).
    return AuditLog.objects.select_related("link")


def object_history(*, model, object_id):
    """Entries about one object (any audited model), newest first."""
    content_type = ContentType.objects.get_for_model(model)
    return audit_logs().filter(content_type=content_type, object_id=str(object_id)).order_by("-timestamp", "-id")


def recent_entries(*, limit=10):
    """The newest entries as plain values, for the dashboard's activity card."""
    return list(
        AuditLog.objects.order_by("-id").values(
            "id", "timestamp", "actor_username", "action", "object_repr", "impact_level"
        )[:limit]
    )


def export_rows(queryset):
    """Plain dicts for an export, in chain order, fetched in chunks (the log may be huge)."""
    plain = [name for name in EXPORT_FIELDS if name not in _LINK_FIELDS]
    return queryset.order_by("link__seq", "id").values(*plain, **_LINK_FIELDS).iterator(chunk_size=2000)
