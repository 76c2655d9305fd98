"""Validation of a template's step list: the one check used by the API, the admin and seeding."""

import re

from django.core.exceptions import ValidationError

from .choices import StepType
from .conditions import ConditionError, parse_condition

MAX_STEPS = 50
STEP_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
STEP_FIELDS = (
    "key",
    "name",
    "type",
    "role",
    "estimated_hours",
    "due_in_hours",
    "condition",
    "on_reject",
    "quorum",
    "description",
)
ROLE_REQUIRED = (StepType.TASK, StepType.APPROVAL)


def _number(value, *, minimum, maximum, allow_none):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= maximum:
        raise ValueError(f"must be a number from {minimum} to {maximum}")
    return value


def _text(value, *, maximum, required):
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > maximum:
        raise ValueError(f"must be text of at most {maximum} characters")
    if required and not value.strip():
        raise ValueError("is required")
    return value.strip()


def _normalise(raw, errors, where):
    step = {}

    def field(name, convert):
        try:
            step[name] = convert(raw.get(name))
        except (ValueError, ConditionError) as exc:
            errors.append(f"{where}.{name}: {exc}")

    unknown = sorted(set(raw) - set(STEP_FIELDS))
    if unknown:
        errors.append(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    field("key", lambda v: _check_key(_text(v, maximum=50, required=True)))
    field("name", lambda v: _text(v, maximum=200, required=True))
    field("type", _check_type)
    field("role", lambda v: _text(v, maximum=150, required=raw.get("type") in ROLE_REQUIRED))
    field("description", lambda v: _text(v, maximum=2000, required=False))
    field("estimated_hours", lambda v: _number(0 if v is None else v, minimum=0, maximum=10000, allow_none=False))
    field("due_in_hours", lambda v: _number(v, minimum=0.01, maximum=24 * 366, allow_none=True))
    field("condition", _check_condition(raw.get("type")))
    field("on_reject", lambda v: _text(v or "fail", maximum=60, required=True))
    field("quorum", _check_quorum)
    return step


def _check_key(value):
    if not STEP_KEY_RE.match(value):
        raise ValueError("must be lowercase letters, digits, '-' or '_' (at most 50)")
    return value


def _check_quorum(value):
    value = 1 if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise ValueError("must be a whole number from 1 to 50")
    return value


def _check_type(value):
    if value not in StepType.values:
        raise ValueError(f"must be one of {', '.join(StepType.values)}")
    return value


def _check_condition(step_type):
    def check(value):
        value = _text(value, maximum=600, required=step_type == StepType.GATE)
        if value:
            parse_condition(value)
        return value

    return check


def validate_steps(raw_steps, *, known_roles=None):
    """Return the normalised step list, or raise ValidationError listing every problem.

    `known_roles`: the set of group names a step's role must be one of (None skips the check,
    for callers without a database).
    """
    if not isinstance(raw_steps, list):
        raise ValidationError("Steps must be a list of step objects.")
    if not raw_steps:
        raise ValidationError("A template needs at least one step.")
    if len(raw_steps) > MAX_STEPS:
        raise ValidationError(f"A template may have at most {MAX_STEPS} steps.")
    errors, steps = [], []
    for index, raw in enumerate(raw_steps):
        where = f"steps[{index}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be an object")
            continue
        steps.append(_normalise(raw, errors, where))
    keys = [step.get("key") for step in steps]
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if step.get("key") and keys.count(step["key"]) > 1:
            errors.append(f"{where}.key: {step['key']!r} is used by more than one step")
        role = step.get("role")
        if role and known_roles is not None and role not in known_roles:
            errors.append(f"{where}.role: no group named {role!r}")
        on_reject = step.get("on_reject")
        if on_reject and on_reject != "fail":
            target = on_reject[5:] if on_reject.startswith("goto:") else None
            if target is None:
                errors.append(f"{where}.on_reject: must be 'fail' or 'goto:<key>'")
            elif target not in keys[:index]:
                errors.append(f"{where}.on_reject: 'goto:' must name an earlier step's key, not {target!r}")
        if step.get("quorum", 1) > 1 and step.get("type") != StepType.APPROVAL:
            errors.append(f"{where}.quorum: only approval steps take a quorum")
    if errors:
        raise ValidationError(errors)
    return steps


def total_estimated_hours(steps):
    return round(sum(float(step.get("estimated_hours") or 0) for step in steps), 2)
