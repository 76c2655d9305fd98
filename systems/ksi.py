"""FedRAMP 20x persistent validation (FRR.PVA) of a system's Key Security Indicators.

Each indicator of the built-in ``fedramp_20x_ksi`` framework gets, per system, a
KsiIndicator with its validation mode and a ComplianceRule evaluated on the system's own
data source. Validations are recorded as KsiValidation rows and, through the core's one
ingest service, as evaluations of that rule: a failed validation opens the rule's finding,
a passing one resolves it. An indicator whose newest validation of a kind it needs is older
than that kind's cycle (settings.KSI_VALIDATION_CYCLE_HOURS per impact level) is failing,
not merely stale: the periodic check records a failed evaluation for it, which opens
exactly one finding (one per rule and data source) of settings.KSI_FINDING_SEVERITY,
since the PVA rules treat failures of the validation process as vulnerabilities.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from compliance.choices import EvaluationStatus, RuleType, SourceType
from compliance.evaluations import EvaluationRow, record_evaluations
from compliance.models import ComplianceRule, Control, DataSource, Framework, LatestEvaluation

from .choices import IndicatorStatus, ValidationKind, ValidationMode
from .models import KsiIndicator, KsiValidation

KSI_FRAMEWORK = "fedramp_20x_ksi"
# Words in an indicator's statement that say its validation is a person's work (reviews,
# plans, training, documentation) rather than a machine's check; both kinds when it says both.
_PEOPLE_WORDS = ("review", "train", "document", "plan", "policy", "policies", "procedure", "educat", "maintain a")
_MACHINE_WORDS = ("automat", "machine-based", "monitor", "log", "scan", "encrypt", "enforce", "configur")


def default_mode(statement):
    """Machine, people or both, read from the indicator's statement (an administrator may change it)."""
    text = (statement or "").lower()
    people = any(word in text for word in _PEOPLE_WORDS)
    machine = any(word in text for word in _MACHINE_WORDS)
    if people and machine:
        return ValidationMode.BOTH
    return ValidationMode.PEOPLE if people else ValidationMode.MACHINE


def cycle_hours(system, kind):
    return settings.KSI_VALIDATION_CYCLE_HOURS[system.impact_level][kind]


@transaction.atomic
def enable_ksi(*, system):
    """Give the system every KSI indicator (idempotent); returns how many were added."""
    framework = Framework.objects.filter(code=KSI_FRAMEWORK).first()
    if framework is None:
        raise ValueError("The fedramp_20x_ksi framework is not seeded: run seed_compliance.")
    if system.data_source_id is None:
        system.data_source = DataSource.objects.create(
            name=f"System: {system.name}"[:200],
            description="The system itself: where its Key Security Indicator validations are recorded.",
            source_type=SourceType.OTHER,
        )
        system.save(update_fields=["data_source", "updated_at"])
    have = set(system.indicators.values_list("control_id", flat=True))
    added = 0
    for control in Control.objects.filter(framework=framework, is_group=False).order_by("sort_order"):
        if control.pk in have:
            continue
        mode = default_mode(control.description)
        rule = ComplianceRule.objects.create(
            name=f"{control.ref_id} persistent validation ({system.name})"[:200],
            description=control.description,
            framework=framework,
            severity=settings.KSI_FINDING_SEVERITY,
            rule_type=RuleType.MANUAL if mode == ValidationMode.PEOPLE else RuleType.AUTOMATED,
            tags=["ksi", "persistent-validation"],
        )
        rule.controls.set([control])
        KsiIndicator.objects.create(
            system=system,
            control=control,
            mode=mode,
            goals=control.description,
            pass_fail_criteria="Passes when every validation the indicator needs passed within its cycle.",
            rule=rule,
        )
        added += 1
    return added


def _newest(indicator):
    """{kind: newest KsiValidation} (from a prefetch when there is one)."""
    newest = {}
    for validation in indicator.validations.all():  # ordered newest first
        newest.setdefault(validation.kind, validation)
    return newest


def indicator_state(indicator, *, now=None):
    """(status, reason, last_validated_at) of one indicator right now."""
    now = now or timezone.now()
    newest = _newest(indicator)
    reasons = []
    for kind in indicator.kinds:
        validation = newest.get(kind)
        if validation is None:
            reasons.append(f"no {kind} validation yet")
        elif now - validation.validated_at > timedelta(hours=cycle_hours(indicator.system, kind)):
            reasons.append(f"{kind} validation older than its {cycle_hours(indicator.system, kind)}-hour cycle")
        elif not validation.passed:
            reasons.append(f"{kind} validation failed")
    last = max((v.validated_at for v in newest.values()), default=None)
    return (IndicatorStatus.FAILING if reasons else IndicatorStatus.PASSING), "; ".join(reasons), last


def _evaluate(indicator, status, reason, at):
    row = EvaluationRow(
        rule_id=indicator.rule_id,
        data_source_id=indicator.system.data_source_id,
        status=EvaluationStatus.FAILED if status == IndicatorStatus.FAILING else EvaluationStatus.PASSED,
        score=None,
        evaluated_at=at,
        details={"ksi": indicator.control.ref_id, "reason": reason},
        duration_ms=None,
        source="ksi",
    )
    return record_evaluations(rows=[row], source="ksi")


@transaction.atomic
def record_validation(*, indicator, kind, passed, validated_at=None, notes=""):
    """Record one validation run and move the indicator's rule (and finding) to its new state."""
    validated_at = validated_at or timezone.now()
    validation = KsiValidation.objects.create(
        indicator=indicator, kind=kind, passed=passed, validated_at=validated_at, notes=notes
    )
    indicator = KsiIndicator.objects.select_related("system", "control").get(pk=indicator.pk)
    # The state is judged now, so it is recorded now: a run reported late (validated_at in the
    # past) must not land behind an evaluation it changes.
    judged_at = max(validated_at, timezone.now())
    status, reason, _ = indicator_state(indicator, now=judged_at)
    _evaluate(indicator, status, reason, judged_at)
    return validation


def check_overdue(*, now=None):
    """Fail every indicator whose validations are late (the periodic task). Idempotent:
    an indicator whose latest evaluation already failed is left as it is."""
    now = now or timezone.now()
    failed_rules = set(
        LatestEvaluation.objects.filter(rule__ksi_indicator__isnull=False, status=EvaluationStatus.FAILED).values_list(
            "rule_id", flat=True
        )
    )
    overdue = []
    indicators = (
        KsiIndicator.objects.filter(rule__isnull=False, system__data_source__isnull=False)
        .select_related("system", "control")
        .prefetch_related("validations")
    )
    for indicator in indicators:
        status, reason, _ = indicator_state(indicator, now=now)
        if status == IndicatorStatus.FAILING and indicator.rule_id not in failed_rules:
            with transaction.atomic():
                _evaluate(indicator, status, reason, now)
                record_event(
                    action="ksi_validation_overdue",
                    instance=indicator.system,
                    changes={"indicator": [None, indicator.control.ref_id], "reason": [None, reason]},
                    message=f"{indicator.control.ref_id} is failing: {reason}.",
                )
            overdue.append(indicator.pk)
    return overdue


def ksi_summary(*, system, now=None):
    """The indicator summary FedRAMP asks for, as JSON-ready data with a SHA-256 over its content."""
    now = now or timezone.now()
    indicators = (
        system.indicators.select_related("control__parent", "system")
        .prefetch_related("validations")
        .order_by("control__sort_order")
    )
    rows = []
    for indicator in indicators:
        status, reason, last = indicator_state(indicator, now=now)
        cycles = {kind: cycle_hours(system, kind) for kind in indicator.kinds}
        rows.append(
            {
                "id": indicator.control.ref_id,
                "name": indicator.control.title,
                "theme": indicator.control.parent.title if indicator.control.parent else "",
                "goals": indicator.goals,
                "pass_fail_criteria": indicator.pass_fail_criteria,
                "resources_validated": indicator.resources_validated,
                "validation_mode": indicator.mode,
                "machine_cycle_hours": cycles.get(ValidationKind.MACHINE),
                "people_cycle_hours": cycles.get(ValidationKind.PEOPLE),
                "cycle_hours": min(cycles.values()),
                "status": status,
                "reason": reason,
                "last_validated_at": last.isoformat() if last else None,
            }
        )
    content = {
        "system": {"id": system.pk, "name": system.name, "impact_level": system.impact_level},
        "framework": KSI_FRAMEWORK,
        "generated_at": now.isoformat(),
        "passing": sum(row["status"] == IndicatorStatus.PASSING for row in rows),
        "failing": sum(row["status"] == IndicatorStatus.FAILING for row in rows),
        "indicators": rows,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    return {
        **content,
        "sha256": digest,
        "manifest": {
            "algorithm": "sha256",
            "covers": "every member but sha256 and manifest, as JSON with sorted keys, no spaces, UTF-8",
            "sha256": digest,
            "size": len(canonical),
        },
    }
