"""The AuditLog FilterSet (API list, rule history and exports share it)."""

import django_filters as filters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from common.filtersets import StrictFilterSet, UTCDateTimeFilter

from .choices import ImpactLevel, Source
from .models import AuditLog


class ContentTypeFilter(filters.CharFilter):
    """`app_label.model` (e.g. auth.user); an unknown name is a 400."""

    def filter(self, qs, value):
        if not value:
            return qs
        app_label, _, model = value.lower().partition(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if not model or content_type is None:
            raise ValidationError({"content_type": [f"Unknown model {value!r}; use app_label.model."]})
        return qs.filter(content_type=content_type)


class AuditLogFilterSet(StrictFilterSet):
    unfiltered_fields = (
        "id",
        "object_repr",
        "changes",
        "ip_address",
        "user_agent",
        "session_hash",
        "message",
        "content_hash",
        "actor_username",
    )
    actor = filters.NumberFilter(field_name="actor_id")
    action = filters.CharFilter()
    content_type = ContentTypeFilter()
    object_id = filters.CharFilter()
    impact_level = filters.MultipleChoiceFilter(choices=ImpactLevel.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    request_id = filters.CharFilter()
    timestamp_after = UTCDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    timestamp_before = UTCDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["actor", "action", "content_type", "object_id", "impact_level", "source", "request_id"]
