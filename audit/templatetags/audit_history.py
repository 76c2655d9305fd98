from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ..selectors import object_history

register = template.Library()

HISTORY_LIMIT = 100


def _change_lines(changes):
    for name, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            yield f"{name}: {value[0]!r} → {value[1]!r}"
        elif isinstance(value, dict):
            yield f"{name}: " + ", ".join(f"{key} {items}" for key, items in value.items() if items)
        else:
            yield f"{name}: {value!r}"


@register.simple_tag(takes_context=True)
def audit_history(context, obj):
    """The newest audit entries about `obj`, or None when the user may not read the trail."""
    request = context.get("request")
    if obj is None or request is None or not request.user.has_perm("audit.view_auditlog"):
        return None
    entries = list(object_history(model=type(obj), object_id=obj.pk)[: HISTORY_LIMIT + 1])
    content_type = ContentType.objects.get_for_model(obj)
    return {
        "rows": [(entry, list(_change_lines(entry.changes))) for entry in entries[:HISTORY_LIMIT]],
        "truncated": len(entries) > HISTORY_LIMIT,
        "all_url": reverse("admin:audit_auditlog_changelist")
        + f"?content_type__id__exact={content_type.pk}&object_id={obj.pk}",
    }
