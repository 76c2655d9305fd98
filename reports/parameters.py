"""Declared report parameters and template sections: their shape and their validation.

A template declares parameters as ``{name: {"type", "default", "min"?, "max"?, "label"?}}``;
a report or schedule supplies values. Values are checked against the declared types, so a
worker never meets ``period_days="thirty"``. Errors name the offending parameter.
"""

import datetime
import re

from django.core.exceptions import ValidationError

from .choices import ParameterType, SectionKind

MAX_SECTIONS = 40
MAX_STRING_LENGTH = 500
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,48}$")

# Every report understands these; a template may override defaults or add its own.
BASE_PARAMETERS = {
    "period_days": {"type": "integer", "default": 30, "min": 1, "max": 3650, "label": "Period (days)"},
    "include_passed": {"type": "boolean", "default": False, "label": "List passed rules too"},
    "max_rows": {"type": "integer", "default": 500, "min": 1, "max": 5000, "label": "Rows per section at most"},
}


def _check_value(name, spec, value):
    kind = spec["type"]
    if kind == ParameterType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError(f"{name}: expected a boolean.")
    elif kind in (ParameterType.INTEGER, ParameterType.NUMBER):
        numeric = (int,) if kind == ParameterType.INTEGER else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise ValidationError(f"{name}: expected {'an integer' if kind == 'integer' else 'a number'}.")
        if "min" in spec and value < spec["min"]:
            raise ValidationError(f"{name}: must be at least {spec['min']}.")
        if "max" in spec and value > spec["max"]:
            raise ValidationError(f"{name}: must be at most {spec['max']}.")
    elif kind == ParameterType.STRING:
        if not isinstance(value, str) or len(value) > MAX_STRING_LENGTH:
            raise ValidationError(f"{name}: expected a string of at most {MAX_STRING_LENGTH} characters.")
    elif kind == ParameterType.DATE:
        try:
            datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{name}: expected a date (YYYY-MM-DD).") from None


def validate_declarations(declared):
    """Check a template's parameter declarations; return them normalised."""
    if not isinstance(declared, dict):
        raise ValidationError("Expected an object of {name: {type, default, ...}}.")
    errors = []
    for name, spec in declared.items():
        if not _NAME.match(str(name)):
            errors.append(f"{name}: names are lower_snake_case.")
            continue
        if not isinstance(spec, dict) or spec.get("type") not in ParameterType.values:
            errors.append(f"{name}: type must be one of {', '.join(ParameterType.values)}.")
            continue
        for bound in ("min", "max"):
            if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], (int, float))):
                errors.append(f"{name}: {bound} must be a number.")
        if "default" in spec:
            try:
                _check_value(name, spec, spec["default"])
            except ValidationError as exc:
                errors.append(f"default of {exc.messages[0]}")
    if errors:
        raise ValidationError(errors)
    return declared


def declared_parameters(template=None):
    """The parameters a report of this template accepts (base ones plus the template's)."""
    return {**BASE_PARAMETERS, **((template.parameters if template else None) or {})}


def validate_values(values, declared):
    """Check supplied values against declarations; return values with defaults filled in.

    Raises ValidationError naming every unknown or mistyped parameter.
    """
    if not isinstance(values, dict):
        raise ValidationError("Expected an object of {name: value}.")
    errors = [f"{name}: unknown parameter." for name in values if name not in declared]
    resolved = {}
    for name, spec in declared.items():
        if name in values:
            try:
                _check_value(name, spec, values[name])
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            resolved[name] = values[name]
        elif "default" in spec:
            resolved[name] = spec["default"]
    if errors:
        raise ValidationError(sorted(errors))
    return resolved


def validate_sections(sections):
    """Check a template's ordered sections ``[{key, title, kind, params}]``; return them normalised."""
    if not isinstance(sections, list) or not sections:
        raise ValidationError("Expected a non-empty list of sections.")
    if len(sections) > MAX_SECTIONS:
        raise ValidationError(f"At most {MAX_SECTIONS} sections.")
    errors, seen, cleaned = [], set(), []
    for index, section in enumerate(sections):
        if not isinstance(section, dict):
            errors.append(f"[{index}]: expected an object.")
            continue
        key, kind = section.get("key"), section.get("kind")
        title, params = section.get("title", ""), section.get("params", {})
        if not isinstance(key, str) or not _NAME.match(key):
            errors.append(f"[{index}].key: lower_snake_case identifier required.")
        elif key in seen:
            errors.append(f"[{index}].key: duplicate key {key!r}.")
        seen.add(key)
        if kind not in SectionKind.values:
            errors.append(f"[{index}].kind: {kind!r} is not one of {', '.join(SectionKind.values)}.")
        if not isinstance(title, str) or len(title) > 200:
            errors.append(f"[{index}].title: a string of at most 200 characters.")
        if not isinstance(params, dict):
            errors.append(f"[{index}].params: expected an object.")
        if not errors:
            cleaned.append({"key": key, "title": title or SectionKind(kind).label, "kind": kind, "params": params})
    if errors:
        raise ValidationError(errors)
    return cleaned
