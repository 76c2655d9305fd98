"""Every write in an engagement. Keyword-only and atomic; the API and the admin call these.

Who may act is checked here too (`check_conductor`): the auditors on the engagement, or a
compliance admin. A refusal is a ValidationError naming the field, a PermissionDenied, or
a ConflictError (409) for a step the engagement's or request's state does not allow.
"""

from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditLog
from audit.services import record_event
from common.access import role_names
from common.exceptions import ConflictError
from common.roles import AUDITOR, is_compliance_admin
from common.writes import ModelWrites, create_row, update_row
from compliance.models import Evidence, RuleEvaluation
from compliance.services import open_finding_from_exception
from workflows.models import Workflow

from . import sampling
from .choices import EngagementStatus, PopulationKind, RequestStatus, SignOffResult
from .models import Engagement, EvidenceRequest, Population, RequestAnswer, Sample, SignOff

WORKING = (EngagementStatus.PLANNING, EngagementStatus.FIELDWORK, EngagementStatus.REPORTING)


def period_bounds(engagement):
    """[start, end) instants of the audit period (whole UTC days)."""
    start = datetime.combine(engagement.period_start, time.min, tzinfo=UTC)
    end = datetime.combine(engagement.period_end, time.min, tzinfo=UTC) + timedelta(days=1)
    return start, end


def check_conductor(engagement, user):
    if user is not None and (is_compliance_admin(user) or engagement.auditors.filter(pk=user.pk).exists()):
        return
    raise PermissionDenied("Only the engagement's auditors may do this.")


def _check_open(engagement):
    if engagement.status not in WORKING:
        raise ConflictError(f"A {engagement.status} engagement takes no more work.")


# --- the engagement itself ------------------------------------------------------------------


def _engagement_check(engagement, data):
    auditors = data.get("auditors")
    if auditors is not None:
        outsiders = [user.get_username() for user in auditors if AUDITOR not in role_names(user)]
        if outsiders:
            raise ValidationError({"auditors": [f"Not holders of the Auditor role: {', '.join(sorted(outsiders))}."]})
    controls = data.get("controls")
    if controls:
        foreign = [control.ref_id for control in controls if control.framework_id != engagement.framework_id]
        if foreign:
            raise ValidationError({"controls": [f"Not controls of the engagement's framework: {', '.join(foreign)}."]})


@transaction.atomic
def create_engagement(*, data, actor=None):
    data = {**data, "created_by": actor if actor is not None and actor.is_authenticated else None}
    data.pop("status", None)  # an engagement starts in planning
    return create_row(Engagement, data, check=_engagement_check)


@transaction.atomic
def update_engagement(*, engagement, changes, actor=None):
    changes = dict(changes)
    new_status = changes.pop("status", None)
    if new_status is not None and new_status != engagement.status:
        engagement.transition_to(new_status)
    if engagement.populations.exists() and {"period_start", "period_end", "framework"} & set(changes):
        raise ConflictError("The period and framework are fixed once a population has been frozen.")
    return update_row(engagement, changes, check=_engagement_check)


def refuse_engagement_delete(engagement):
    if engagement.status != EngagementStatus.PLANNING or engagement.populations.exists():
        return "only an engagement still in planning, with nothing frozen, can be deleted"
    return None


@transaction.atomic
def delete_engagement(*, engagement, actor=None):
    reason = refuse_engagement_delete(engagement)
    if reason:
        raise ConflictError(f"This engagement cannot be deleted: {reason}.")
    engagement.delete()


ENGAGEMENT_WRITES = ModelWrites(
    "engagement", create_engagement, update_engagement, delete_engagement, refuse_engagement_delete
)


# --- populations and samples ----------------------------------------------------------------


def _check_in_scope(engagement, control):
    if not engagement.scope_controls().filter(pk=control.pk).exists():
        raise ValidationError({"control": [f"Control {control.ref_id} is not in this engagement's scope."]})


def population_member_ids(*, engagement, control, kind, actions=()):
    """Ids, ascending, of what happened in the period for `control`."""
    start, end = period_bounds(engagement)
    if kind == PopulationKind.EVALUATIONS:
        rows = RuleEvaluation.objects.filter(
            rule__in=control.rules.values("pk"), evaluated_at__gte=start, evaluated_at__lt=end
        )
    elif kind == PopulationKind.WORKFLOW_RUNS:
        # `actions` names workflow types here (e.g. ["approval", "remediation"]).
        rows = Workflow.objects.filter(started_at__gte=start, started_at__lt=end)
        if actions:
            rows = rows.filter(workflow_type__in=actions)
    else:
        rows = AuditLog.objects.filter(timestamp__gte=start, timestamp__lt=end)
        if actions:
            rows = rows.filter(action__in=actions)
    return list(rows.order_by("id").values_list("id", flat=True).iterator(chunk_size=50_000))


@transaction.atomic
def freeze_population(*, engagement, control, kind=PopulationKind.EVALUATIONS, actions=(), actor=None):
    """Freeze the population of `control` over the period: its member ids and their SHA-256."""
    check_conductor(engagement, actor)
    _check_open(engagement)
    _check_in_scope(engagement, control)
    members = population_member_ids(engagement=engagement, control=control, kind=kind, actions=actions)
    text = sampling.members_text(members)
    population = Population.objects.create(
        engagement=engagement,
        control=control,
        kind=kind,
        size=len(members),
        sha256=sampling.population_sha256(members),
        members=text,
        frozen_by=actor,
    )
    record_event(
        action="population_frozen",
        instance=population,
        message=f"{population.size} {kind} sha256={population.sha256}",
        changes={"size": [None, population.size], "sha256": [None, population.sha256]},
    )
    return population


@transaction.atomic
def draw_sample(*, engagement, population, size=None, frequency=None, seed=None, actor=None):
    """Draw a sample with a recorded seed (a new random one unless given): engagements/sampling.py."""
    check_conductor(engagement, actor)
    _check_open(engagement)
    if population.engagement_id != engagement.pk:
        raise ValidationError({"population": ["Not a population of this engagement."]})
    if (size is None) == (frequency is None):
        raise ValidationError({"size": ["Give either a size or a frequency."]})
    if frequency is not None:
        size = sampling.size_for(frequency, population.size)
    if size > population.size:
        raise ValidationError({"size": [f"The population has only {population.size} members."]})
    seed = seed or sampling.new_seed()
    members = sampling.draw(population.member_ids(), seed=seed, size=size)
    sample = Sample.objects.create(
        engagement=engagement,
        population=population,
        seed=seed,
        size=size,
        frequency=frequency or "",
        members=members,
        drawn_by=actor,
    )
    record_event(
        action="sample_drawn",
        instance=sample,
        message=f"{size} of {population.size} seed={seed}",
        changes={"seed": [None, seed], "members": [None, members]},
    )
    return sample


# --- requests (the PBC list) ----------------------------------------------------------------


def can_answer(user):
    """Whether `user` could answer a request: they may add evidence."""
    return user.is_active and (user.is_superuser or user.has_perm("compliance.add_evidence"))


@transaction.atomic
def create_request(*, engagement, data, actor=None):
    check_conductor(engagement, actor)
    _check_open(engagement)
    control, sample, member = data["control"], data.get("sample"), data.get("member")
    _check_in_scope(engagement, control)
    if sample is not None:
        if sample.engagement_id != engagement.pk:
            raise ValidationError({"sample": ["Not a sample of this engagement."]})
        if sample.population.control_id != control.pk:
            raise ValidationError({"sample": ["The sample is of another control."]})
        if member is not None and member not in sample.members:
            raise ValidationError({"member": [f"{member} is not a member of sample {sample.pk}."]})
    elif member is not None:
        raise ValidationError({"member": ["A member is asked about within a sample."]})
    assignee = data["assignee"]
    if not can_answer(assignee):
        raise ValidationError({"assignee": [f"{assignee.get_username()} has no access to add evidence."]})
    return EvidenceRequest.objects.create(engagement=engagement, requested_by=actor, **data)


@transaction.atomic
def answer_request(*, request, evidence, actor=None):
    """The assignee attaches evidence; each item must be readable by them and cover part of the period."""
    engagement = request.engagement
    if actor is None or not (actor.pk == request.assignee_id or is_compliance_admin(actor)):
        raise PermissionDenied("Only the request's assignee may answer it.")
    _check_open(engagement)
    if request.status not in (RequestStatus.OPEN, RequestStatus.REJECTED):
        raise ConflictError(f"A request that is {request.status} takes no answer.")
    if not evidence:
        raise ValidationError({"evidence": ["Attach at least one evidence item."]})
    visible = set(
        Evidence.objects.visible_to(actor).filter(pk__in=[e.pk for e in evidence]).values_list("pk", flat=True)
    )
    for item in evidence:
        if item.pk not in visible:
            raise ValidationError({"evidence": [f"Unknown evidence id {item.pk}."]})
        if not item.overlaps(engagement.period_start, engagement.period_end):
            raise ValidationError(
                {"evidence": [f"Evidence {item.pk} covers {item.covers_from} to {item.covers_to}, outside the period."]}
            )
    for item in evidence:
        RequestAnswer.objects.get_or_create(request=request, evidence=item)
    request.status, request.answered_at = RequestStatus.ANSWERED, timezone.now()
    request.save(update_fields=["status", "answered_at"])
    record_event(action="request_answered", instance=request, changes={"evidence": [None, [e.pk for e in evidence]]})
    return request


@transaction.atomic
def decide_request(*, request, accept, comment="", actor=None):
    check_conductor(request.engagement, actor)
    _check_open(request.engagement)
    if request.status != RequestStatus.ANSWERED:
        raise ConflictError(f"Only an answered request can be accepted or rejected; this one is {request.status}.")
    if not accept and not comment.strip():
        raise ValidationError({"comment": ["Say why the answer is rejected."]})
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.REJECTED
    request.comment, request.decided_at = comment, timezone.now()
    request.save(update_fields=["status", "comment", "decided_at"])
    record_event(action=f"request_{request.status}", instance=request, message=comment)
    return request


# --- sign-offs ------------------------------------------------------------------------------


@transaction.atomic
def sign_off(*, engagement, control, result, note="", rule=None, data_source=None, actor=None):
    """Record (or replace) the test result of a control; an exception with a rule and a data
    source opens a finding on that pair."""
    check_conductor(engagement, actor)
    _check_open(engagement)
    _check_in_scope(engagement, control)
    if result == SignOffResult.EXCEPTION and not note.strip():
        raise ValidationError({"note": ["An exception needs the auditor's note."]})
    if (rule is None) != (data_source is None):
        raise ValidationError({"rule": ["A finding needs both a rule and a data source."]})
    finding = None
    if rule is not None:
        if result != SignOffResult.EXCEPTION:
            raise ValidationError({"rule": ["Only an exception opens a finding."]})
        if not control.rules.filter(pk=rule.pk).exists():
            raise ValidationError({"rule": [f"Rule {rule.pk} does not test control {control.ref_id}."]})
        finding = open_finding_from_exception(
            rule=rule,
            data_source=data_source,
            title=f"Audit exception: {control.ref_id} ({engagement.name})",
            notes=note,
            actor=actor,
        )
    signed, _ = SignOff.objects.update_or_create(
        engagement=engagement,
        control=control,
        defaults={"result": result, "note": note, "signed_by": actor, "signed_at": timezone.now(), "finding": finding},
    )
    return signed
