"""Thin API views: parse, call a service or selector, respond."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from common.api.exceptions import Conflict
from common.api.writes import ServiceWritesMixin

from .. import selectors, services
from ..control_notices import open_review_workflow
from ..filtersets import NotificationFilterSet, WorkflowFilterSet, WorkflowTemplateFilterSet, WorkflowTriggerFilterSet
from ..models import Notification, Workflow, WorkflowStep, WorkflowTemplate, WorkflowTrigger
from ..notifications import mark_read
from .serializers import (
    NotificationSerializer,
    StateChangeSerializer,
    StepActionSerializer,
    StepAssignSerializer,
    WorkflowSerializer,
    WorkflowStepSerializer,
    WorkflowTemplateSerializer,
    WorkflowTriggerSerializer,
)


class WorkflowTemplateViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.TEMPLATE_WRITES
    queryset = WorkflowTemplate.objects.select_related("framework")
    serializer_class = WorkflowTemplateSerializer
    filterset_class = WorkflowTemplateFilterSet
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "estimated_hours", "created_at", "updated_at"]


def _call(service, **kwargs):
    """Run a workflow service; state conflicts become 409, forbidden acts 403 (already audited)."""
    try:
        return service(**kwargs), None
    except services.StepConflict as exc:
        raise Conflict(str(exc)) from None
    except services.StepForbidden as exc:
        # Answered directly: the service has written the permission_denied entry with the step.
        return None, Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    except WorkflowStep.DoesNotExist as exc:
        raise NotFound(str(exc)) from None


STEP_ACTION = r"steps/(?P<order>[0-9]{1,4})"


def _object_body(request):
    """The JSON body, which must be an object when present (a list or a string is a 400)."""
    if request.data is None or request.data == {}:
        return {}
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "Expected a JSON object."})
    return request.data


class WorkflowViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.WORKFLOW_WRITES
    queryset = Workflow.objects.none()  # per user: see get_queryset
    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilterSet
    search_fields = ["name"]
    ordering_fields = ["created_at", "updated_at", "due_at", "priority", "status", "progress_percentage"]
    # Acting on a step is decided per step (role, assignee, admin), not by model permission.
    action_permissions = {
        "steps": ["workflows.view_workflow"],
        "complete": [],
        "approve": [],
        "reject": [],
        "start": ["workflows.change_workflow"],
        "pause": ["workflows.change_workflow"],
        "resume": ["workflows.change_workflow"],
        "cancel": ["workflows.change_workflow"],
        "assign": ["workflows.change_workflow"],
    }

    def get_queryset(self):
        # Outside a workflow's access it does not exist: lists, details, steps and actions alike.
        return selectors.workflows_for_api().visible_to(self.request.user)

    def _state_change(self, service):
        body = StateChangeSerializer(data=_object_body(self.request))
        body.is_valid(raise_exception=True)
        workflow, _ = _call(
            service, workflow=self.get_object(), actor=self.request.user, reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=workflow.pk)).data)

    @extend_schema(request=None, responses=WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        workflow, _ = _call(services.start_workflow, workflow=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=workflow.pk)).data)

    @extend_schema(request=StateChangeSerializer, responses=WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._state_change(services.pause_workflow)

    @extend_schema(request=StateChangeSerializer, responses=WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._state_change(services.resume_workflow)

    @extend_schema(request=StateChangeSerializer, responses=WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._state_change(services.cancel_workflow)

    @extend_schema(responses=WorkflowStepSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def steps(self, request, pk=None):
        return Response(WorkflowStepSerializer(selectors.steps_of(self.get_object()), many=True).data)

    def _step_action(self, request, service, order):
        body = StepActionSerializer(data=_object_body(request))
        body.is_valid(raise_exception=True)
        workflow, denied = _call(
            service,
            workflow=self.get_object(),
            order=int(order),
            user=request.user,
            comment=body.validated_data["comment"],
        )
        if denied is not None:
            return denied
        step = selectors.steps_of(workflow).get(order=int(order))
        return Response(
            {
                "workflow": self.get_serializer(self.get_queryset().get(pk=workflow.pk)).data,
                "step": WorkflowStepSerializer(step).data,
            }
        )

    @extend_schema(request=StepActionSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path=f"{STEP_ACTION}/complete")
    def complete(self, request, pk=None, order=None):
        return self._step_action(request, services.complete_step, order)

    @extend_schema(request=StepActionSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path=f"{STEP_ACTION}/approve")
    def approve(self, request, pk=None, order=None):
        return self._step_action(request, services.approve_step, order)

    @extend_schema(request=StepActionSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path=f"{STEP_ACTION}/reject")
    def reject(self, request, pk=None, order=None):
        return self._step_action(request, services.reject_step, order)

    @extend_schema(request=StepAssignSerializer, responses=WorkflowStepSerializer)
    @action(detail=True, methods=["post"], url_path=f"{STEP_ACTION}/assign")
    def assign(self, request, pk=None, order=None):
        body = StepAssignSerializer(data=_object_body(request))
        body.is_valid(raise_exception=True)
        step, _ = _call(
            services.assign_step,
            workflow=self.get_object(),
            order=int(order),
            assignee=body.validated_data["assigned_to"],
            actor=request.user,
        )
        return Response(WorkflowStepSerializer(step).data)


class WorkflowTriggerViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.TRIGGER_WRITES
    queryset = WorkflowTrigger.objects.select_related("template", "framework")
    serializer_class = WorkflowTriggerSerializer
    filterset_class = WorkflowTriggerFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "event", "created_at"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications; anyone signed in has some, so no model permission is needed."""

    queryset = Notification.objects.none()  # for the schema; requests use get_queryset
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["created_at"]
    search_fields = ["message"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={201: WorkflowSerializer})
    @action(detail=True, methods=["post"], url_path="open-workflow")
    def open_workflow(self, request, pk=None):
        notification = self.get_object()
        if not request.user.has_perm("workflows.add_workflow"):
            raise PermissionDenied("Opening a workflow needs the right to create workflows.")
        workflow = open_review_workflow(notification=notification, actor=request.user)
        return Response(WorkflowSerializer(workflow).data, status=status.HTTP_201_CREATED)
