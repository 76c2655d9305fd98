"""Writes to compliance content and findings. Keyword-only and atomic; every door (API,
admin, commands, tasks) calls these.

Evaluations enter through compliance.evaluations.record_evaluations, which also keeps the
derived state and the findings up to date. The content services below hold the
invariants the API and the admin used to check apart (a control's parent in its own
framework, a rule's controls in the rule's framework, no mapping of a control to itself);
one-row checks live in the models' clean(), which ModelForms call too.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.writes import ModelWrites, create_row, update_row

from .choices import FindingStatus
from .models import ComplianceRule, Control, ControlMapping, DataSource, Finding, Framework


def check_rule_controls(*, framework, controls):
    """A rule's controls belong to its framework (ValidationError naming `controls`)."""
    foreign = [control.ref_id for control in controls if control.framework_id != framework.pk]
    if foreign:
        raise ValidationError({"controls": [f"Not controls of framework {framework.code}: {', '.join(foreign)}."]})


def _rule_check(rule, data):
    if "controls" in data:
        check_rule_controls(framework=rule.framework, controls=data["controls"])
    elif "framework" in data and rule.pk is not None:
        check_rule_controls(framework=rule.framework, controls=rule.controls.all())


@transaction.atomic
def create_framework(*, data, actor=None):
    return create_row(Framework, data)


@transaction.atomic
def update_framework(*, framework, changes, actor=None):
    return update_row(framework, changes)


@transaction.atomic
def delete_framework(*, framework, actor=None):
    framework.delete()  # rules PROTECT it: a ProtectedError names them (a 409 in the API)


@transaction.atomic
def create_control(*, data, actor=None):
    return create_row(Control, data)


@transaction.atomic
def update_control(*, control, changes, actor=None):
    return update_row(control, changes)


@transaction.atomic
def delete_control(*, control, actor=None):
    control.delete()


@transaction.atomic
def create_control_mapping(*, data, actor=None):
    return create_row(ControlMapping, data)


@transaction.atomic
def update_control_mapping(*, control_mapping, changes, actor=None):
    return update_row(control_mapping, changes)


@transaction.atomic
def delete_control_mapping(*, control_mapping, actor=None):
    control_mapping.delete()


@transaction.atomic
def create_rule(*, data, actor=None):
    return create_row(ComplianceRule, data, check=_rule_check)


@transaction.atomic
def update_rule(*, rule, changes, actor=None):
    return update_row(rule, changes, check=_rule_check)


@transaction.atomic
def delete_rule(*, rule, actor=None):
    rule.delete()


@transaction.atomic
def create_data_source(*, data, actor=None):
    return create_row(DataSource, data)


@transaction.atomic
def update_data_source(*, data_source, changes, actor=None):
    return update_row(data_source, changes)


@transaction.atomic
def delete_data_source(*, data_source, actor=None):
    data_source.delete()


FRAMEWORK_WRITES = ModelWrites("framework", create_framework, update_framework, delete_framework)
CONTROL_WRITES = ModelWrites("control", create_control, update_control, delete_control)
CONTROL_MAPPING_WRITES = ModelWrites(
    "control_mapping", create_control_mapping, update_control_mapping, delete_control_mapping
)
RULE_WRITES = ModelWrites("rule", create_rule, update_rule, delete_rule)
DATA_SOURCE_WRITES = ModelWrites("data_source", create_data_source, update_data_source, delete_data_source)


@transaction.atomic
def update_finding(*, finding, changes, actor=None):
    """Apply a person's triage (status, assignee, due date, notes) to a finding."""
    new_status = changes.get("status", finding.status)
    if new_status != finding.status:
        if new_status == FindingStatus.RESOLVED:
            finding.resolved_at = timezone.now()
        elif finding.status == FindingStatus.RESOLVED:
            finding.resolved_at = None
            finding.opened_at = timezone.now()
    for name, value in changes.items():
        setattr(finding, name, value)
    finding.save()
    return finding


@transaction.atomic
def open_finding_from_exception(*, rule, data_source, title, notes="", actor=None):
    """A finding a person opened (an auditor's exception), on the one row per (rule, data
    source): the existing one is reopened if it was resolved, else a new one is opened."""
    now = timezone.now()
    finding = Finding.objects.select_for_update().filter(rule=rule, data_source=data_source).first()
    if finding is None:
        return Finding.objects.create(
            rule=rule,
            data_source=data_source,
            title=title[:300],
            severity=rule.severity,
            first_seen_at=now,
            last_seen_at=now,
            opened_at=now,
            notes=notes,
        )
    if finding.status not in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS):
        finding.status, finding.opened_at, finding.resolved_at = FindingStatus.OPEN, now, None
    finding.notes = f"{finding.notes}\n{notes}".strip() if notes else finding.notes
    finding.last_seen_at = now
    finding.save()
    return finding
