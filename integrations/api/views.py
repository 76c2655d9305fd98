"""Thin API views over integrations.services and selectors."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from common.api.exceptions import Conflict
from common.api.pagination import KeysetPagination

from .. import registry, selectors, services
from ..choices import IntegrationStatus
from ..filtersets import IntegrationFilterSet, IntegrationLogFilterSet
from ..models import IntegrationLog
from .serializers import (
    CatalogEntrySerializer,
    IntegrationLogSerializer,
    IntegrationSerializer,
    SyncAcceptedSerializer,
    TestConnectionResultSerializer,
)

RUN_PERMISSION = ["integrations.run_integration"]


class IntegrationLogPagination(KeysetPagination):
    time_field = "started_at"


class IntegrationViewSet(viewsets.ModelViewSet):
    queryset = selectors.integrations_for_list()
    serializer_class = IntegrationSerializer
    filterset_class = IntegrationFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "provider", "status", "health", "last_sync_at", "next_sync_at", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "catalog": ["integrations.view_integration"],
        "test_connection": RUN_PERMISSION,
        "sync": RUN_PERMISSION,
        "logs": ["integrations.view_integrationlog"],
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_integration(
            name=data["name"],
            provider=data["provider"],
            config=data.get("config", {}),
            credentials=data.get("credentials"),
            frameworks=data.get("frameworks", []),
            description=data.get("description", ""),
            sync_frequency_minutes=data.get("sync_frequency_minutes"),
            created_by=self.request.user,
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        changes.pop("provider", None)
        serializer.instance = services.update_integration(integration=serializer.instance, changes=changes)

    def perform_destroy(self, instance):
        services.delete_integration(integration=instance, actor=self.request.user)

    @extend_schema(responses=CatalogEntrySerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def catalog(self, request):
        return Response([provider.catalog_entry() for provider in registry.all_providers()])

    @extend_schema(request=None, responses=TestConnectionResultSerializer)
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None):
        return Response(services.test_connection(integration=self.get_object(), trigger="api"))

    @extend_schema(request=None, responses={202: SyncAcceptedSerializer, 409: OpenApiResponse(description="Inactive.")})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        integration = self.get_object()
        if integration.status == IntegrationStatus.INACTIVE:
            raise Conflict("The integration is inactive; activate it before syncing.")
        task_id = services.request_sync(integration=integration, trigger="api")
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=IntegrationLogSerializer(many=True))
    # queryset= makes this action's model IntegrationLog, so its FilterSet matches (the schema
    # generator checks that); the integration itself is looked up explicitly below.
    @action(
        detail=True,
        methods=["get"],
        filterset_class=IntegrationLogFilterSet,
        queryset=IntegrationLog.objects.all(),
        pagination_class=IntegrationLogPagination,
        search_fields=[],
        ordering_fields=[],
    )
    def logs(self, request, pk=None):
        integration = get_object_or_404(selectors.integrations_for_list(), pk=pk)
        self.check_object_permissions(request, integration)
        page = self.paginate_queryset(self.filter_queryset(selectors.logs_for(integration)))
        return self.get_paginated_response(IntegrationLogSerializer(page, many=True).data)
