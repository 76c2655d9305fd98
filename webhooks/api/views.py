"""/api/v1/webhooks/: subscriptions (the secret write-only), their delivery log and replay."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.pagination import KeysetPagination

from .. import delivery
from ..models import WebhookDelivery, WebhookSubscription
from .serializers import ReplaySerializer, WebhookDeliverySerializer, WebhookSubscriptionSerializer


class DeliveryPagination(KeysetPagination):
    pass


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    filter_backends = []
    # Reading the delivery log is reading the subscription; replaying changes it.
    action_permissions = {
        "deliveries": ["webhooks.view_webhooksubscription", "webhooks.view_webhookdelivery"],
        "replay": ["webhooks.change_webhooksubscription"],
    }

    def perform_create(self, serializer):
        from audit.forwarding import last_seq

        # A new subscription receives what happens from now on; replay reaches back.
        serializer.save(owner=self.request.user, last_seq=last_seq())

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=DeliveryPagination)
    def deliveries(self, request, pk=None):
        # The action's own pagination class, so the schema documents the cursor pages it serves.
        subscription = self.get_object()
        rows = WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=ReplaySerializer, responses=WebhookSubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        subscription = self.get_object()
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription = delivery.replay(subscription, from_seq=body.validated_data["from_seq"])
        return Response(WebhookSubscriptionSerializer(subscription).data)
