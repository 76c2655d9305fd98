import re

from rest_framework import serializers

from common.api.serializers import ModelSerializer
from common.http import DestinationRefused, check_url

from ..models import WebhookDelivery, WebhookSubscription

# An event name ("compliance.finding.update", "finding.resolved", "login"), "prefix.*", or "*".
EVENT_PATTERN = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$")


class WebhookSubscriptionSerializer(ModelSerializer):
    secret = serializers.CharField(write_only=True, min_length=16, max_length=200, trim_whitespace=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=1, max_length=50, help_text='["*"] for every event'
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "secret",
            "is_active",
            "paused_at",
            "last_seq",
            "failure_count",
            "next_attempt_at",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "paused_at",
            "last_seq",
            "failure_count",
            "next_attempt_at",
            "owner",
            "created_at",
            "updated_at",
        ]

    def validate_url(self, value):
        try:
            check_url(value)
        except DestinationRefused as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_secret(self, value):
        return {"value": value}  # the encrypted field holds a JSON object

    def validate_events(self, value):
        bad = [name for name in value if not EVENT_PATTERN.match(name)]
        if bad:
            raise serializers.ValidationError(f"Not an event name or pattern: {', '.join(bad[:5])}.")
        return sorted(set(value))


class WebhookDeliverySerializer(ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "seq",
            "entry_id",
            "event_type",
            "webhook_id",
            "attempt",
            "delivered",
            "status_code",
            "error",
            "duration_ms",
            "created_at",
        ]
        read_only_fields = fields


class ReplaySerializer(serializers.Serializer):
    from_seq = serializers.IntegerField(min_value=1, max_value=2**62, help_text="chain seq to deliver again from")
