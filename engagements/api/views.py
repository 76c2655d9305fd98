"""Engagement API: thin views over engagements.services; nested lists are actions on the engagement."""

from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.writes import ServiceWritesMixin
from compliance.models import Control

from .. import selectors, services
from ..export import build_export
from ..filtersets import EngagementFilterSet
from ..models import Engagement
from . import serializers as s

VIEW = ["engagements.view_engagement"]
MAX_MEMBERS_PAGE = 10_000


class MembersWindowSerializer(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_MEMBERS_PAGE, default=1000)


class EngagementViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.ENGAGEMENT_WRITES
    serializer_class = s.EngagementSerializer
    filterset_class = EngagementFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "period_start", "period_end", "created_at", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Nested work needs only the view permission here; the services check who may act.
    action_permissions = dict.fromkeys(
        ["populations", "population_members", "samples", "requests", "request_step", "sign_offs", "export", "progress"],
        VIEW,
    )
    queryset = Engagement.objects.none()  # per user: get_queryset

    def get_queryset(self):
        return (
            Engagement.objects.visible_to(self.request.user)
            .select_related("framework")
            .prefetch_related(Prefetch("controls", queryset=Control.objects.only("pk")), "auditors")
        )

    def _nested(self, request, *, read, write, rows, create):
        if request.method == "GET":
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(read(page, many=True, context=self.get_serializer_context()).data)
        body = write(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        created = create(dict(body.validated_data))
        return Response(read(created, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=s.PopulationSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=s.PopulationWriteSerializer, responses={201: s.PopulationSerializer}, filters=False
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def populations(self, request, pk=None):
        engagement = self.get_object()
        return self._nested(
            request,
            read=s.PopulationSerializer,
            write=s.PopulationWriteSerializer,
            rows=engagement.populations.order_by("id"),
            create=lambda data: services.freeze_population(engagement=engagement, actor=request.user, **data),
        )

    @extend_schema(
        parameters=[OpenApiParameter("offset", int), OpenApiParameter("limit", int)],
        responses={200: s.PopulationSerializer},
        filters=False,
        operation_id="v1_engagements_population_members",
    )
    @action(detail=True, methods=["get"], url_path=r"populations/(?P<population_id>\d+)", filterset_class=None)
    def population_members(self, request, pk=None, population_id=None):
        population = get_object_or_404(self.get_object().populations, pk=population_id)
        query = _valid(MembersWindowSerializer(), request.query_params)
        context = {"members_offset": query["offset"], "members_limit": query["limit"]}
        return Response(s.PopulationSerializer(population, context=context).data)

    @extend_schema(methods=["GET"], responses=s.SampleSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=s.SampleWriteSerializer, responses={201: s.SampleSerializer}, filters=False
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def samples(self, request, pk=None):
        engagement = self.get_object()
        return self._nested(
            request,
            read=s.SampleSerializer,
            write=s.SampleWriteSerializer,
            rows=engagement.samples.order_by("id"),
            create=lambda data: services.draw_sample(engagement=engagement, actor=request.user, **data),
        )

    @extend_schema(methods=["GET"], responses=s.EvidenceRequestSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"],
        request=s.EvidenceRequestSerializer,
        responses={201: s.EvidenceRequestSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def requests(self, request, pk=None):
        engagement = self.get_object()
        return self._nested(
            request,
            read=s.EvidenceRequestSerializer,
            write=s.EvidenceRequestSerializer,
            rows=engagement.requests.prefetch_related("answers").order_by("due_at", "id"),
            create=lambda data: services.create_request(engagement=engagement, data=data, actor=request.user),
        )

    @extend_schema(
        request=s.AnswerSerializer,
        responses={200: s.EvidenceRequestSerializer, 409: OpenApiResponse(description="Not in a state for this.")},
        description='`answer` (the assignee: `{"evidence": [ids]}`), `accept` or `reject` (an auditor: `{"comment"}`).',
        filters=False,
        operation_id="v1_engagements_request_step",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"requests/(?P<request_id>\d+)/(?P<step>answer|accept|reject)",
        filterset_class=None,
    )
    def request_step(self, request, pk=None, request_id=None, step=None):
        pbc = get_object_or_404(self.get_object().requests, pk=request_id)
        if step == "answer":
            body = _valid(s.AnswerSerializer(), request.data)
            services.answer_request(request=pbc, evidence=body["evidence"], actor=request.user)
        else:
            body = _valid(s.DecisionSerializer(), request.data)
            services.decide_request(request=pbc, accept=step == "accept", comment=body["comment"], actor=request.user)
        pbc.refresh_from_db()
        return Response(s.EvidenceRequestSerializer(pbc).data)

    @extend_schema(methods=["GET"], responses=s.SignOffSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=s.SignOffSerializer, responses={201: s.SignOffSerializer}, filters=False)
    @action(detail=True, methods=["get", "post"], url_path="sign-offs", filterset_class=None)
    def sign_offs(self, request, pk=None):
        engagement = self.get_object()
        return self._nested(
            request,
            read=s.SignOffSerializer,
            write=s.SignOffSerializer,
            rows=engagement.sign_offs.order_by("control__ref_id"),
            create=lambda data: services.sign_off(engagement=engagement, actor=request.user, **data),
        )

    @extend_schema(responses={200: s.ProgressSerializer}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def progress(self, request, pk=None):
        return Response(selectors.progress(self.get_object()))

    @extend_schema(
        responses={(200, "application/zip"): OpenApiResponse(description="ZIP with manifest.json.")}, filters=False
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def export(self, request, pk=None):
        engagement = self.get_object()
        services.check_conductor(engagement, request.user)
        handle = build_export(engagement=engagement, actor=request.user)
        response = FileResponse(
            handle, as_attachment=True, filename=f"engagement-{engagement.pk}.zip", content_type="application/zip"
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _valid(serializer, data):
    serializer.initial_data = data
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
