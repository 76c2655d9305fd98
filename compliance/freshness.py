"""A control's state, decided here and nowhere else (docs/evidence.md, "Control state").

In order, the first that holds:

1. `not_applicable`: the control's implementation status is not_applicable (it has a justification).
2. `failing`: the current status (LatestEvaluation) of any active linked rule, on any data
   source, is `failed`.
3. `stale`: the control has a test cadence and active linked rules, and their newest
   evaluation is older than the cadence (or there is none); or the control has current
   evidence (not replaced by a newer version) and all of it has expired.
4. `passing`: otherwise.

Stale is not failing: nothing is known to be wrong, but the proof is out of date. Scores
count a stale control's rules as they were last evaluated; the dashboard and the score
explanation list stale controls apart from failing ones.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from .choices import ControlState, EvaluationStatus, ImplementationStatus
from .models import ComplianceRule, Evidence, LatestEvaluation


@dataclass(frozen=True)
class StateVerdict:
    state: str
    reason: str


def with_state_inputs(queryset, now=None):
    """`queryset` of controls annotated with what the decision reads (a fixed number of subqueries)."""
    if "state_has_failing" in queryset.query.annotations:
        return queryset
    now = now or timezone.now()
    latest = LatestEvaluation.objects.filter(rule__controls=OuterRef("pk"), rule__is_active=True)
    current_evidence = Evidence.objects.current().filter(controls=OuterRef("pk"))
    return queryset.annotate(
        state_has_failing=Exists(latest.filter(status=EvaluationStatus.FAILED)),
        state_newest_evaluation=Subquery(latest.order_by("-evaluated_at").values("evaluated_at")[:1]),
        state_has_rules=Exists(ComplianceRule.objects.filter(controls=OuterRef("pk"), is_active=True)),
        state_has_evidence=Exists(current_evidence),
        state_has_valid_evidence=Exists(current_evidence.unexpired(now)),
    )


def decide(control, now=None):
    """The StateVerdict of a control annotated by with_state_inputs."""
    now = now or timezone.now()
    if control.implementation_status == ImplementationStatus.NOT_APPLICABLE:
        return StateVerdict(ControlState.NOT_APPLICABLE, "Marked not applicable.")
    if control.state_has_failing:
        return StateVerdict(ControlState.FAILING, "A linked rule currently fails.")
    if control.test_cadence_hours and control.state_has_rules:
        newest = control.state_newest_evaluation
        if newest is None:
            return StateVerdict(ControlState.STALE, "Its rules have never been evaluated.")
        if newest < now - timedelta(hours=control.test_cadence_hours):
            return StateVerdict(
                ControlState.STALE,
                f"Newest evaluation {newest.isoformat()} is older than the {control.test_cadence_hours} h cadence.",
            )
    if control.state_has_evidence and not control.state_has_valid_evidence:
        return StateVerdict(ControlState.STALE, "All of its evidence has expired.")
    return StateVerdict(ControlState.PASSING, "No linked rule fails and its proof is current.")


def state_of(control, now=None):
    """The StateVerdict of one control (annotating it first when needed)."""
    if not hasattr(control, "state_has_failing"):
        control = with_state_inputs(type(control).objects.filter(pk=control.pk), now).get()
    return decide(control, now)


def with_state(queryset, now=None):
    """Controls of `queryset` whose state can be filtered on: `.filter(state=...)` works on the result."""
    now = now or timezone.now()
    by_state = {}
    for control in with_state_inputs(queryset, now):
        by_state.setdefault(decide(control, now).state, []).append(control.pk)
    return _StateFilter(queryset, by_state)


class _StateFilter:
    def __init__(self, queryset, by_state):
        self.queryset, self.by_state = queryset, by_state

    def filter(self, *, state):
        return self.queryset.filter(pk__in=self.by_state.get(state, []))


def state_counts(queryset, now=None):
    """{state: number of controls} over `queryset` (every state present, zeros included)."""
    now = now or timezone.now()
    counts = dict.fromkeys(ControlState.values, 0)
    for control in with_state_inputs(queryset, now):
        counts[decide(control, now).state] += 1
    return counts


def state_summary(queryset, *, limit=10, now=None):
    """{"counts": {state: n}, "failing": [...], "stale": [...]} for the dashboard and the score
    explanation: stale controls are listed apart from failing ones, each with its reason."""
    now = now or timezone.now()
    counts = dict.fromkeys(ControlState.values, 0)
    listed = {ControlState.FAILING: [], ControlState.STALE: []}
    for control in with_state_inputs(queryset.select_related("framework"), now):
        verdict = decide(control, now)
        counts[verdict.state] += 1
        rows = listed.get(verdict.state)
        if rows is not None and len(rows) < limit:
            rows.append(
                {
                    "control_id": control.pk,
                    "ref_id": control.ref_id,
                    "framework": control.framework.code,
                    "reason": verdict.reason,
                }
            )
    return {"counts": counts, "failing": listed[ControlState.FAILING], "stale": listed[ControlState.STALE]}
