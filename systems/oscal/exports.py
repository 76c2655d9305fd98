"""One import place for the views, admin actions and bench: every system document in and out."""

from datetime import UTC, timedelta

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from common.dates import parse_iso_datetime

from .assessment_plan import export_assessment_plan
from .poam import export_poam
from .results import export_system_results
from .ssp import export_ssp
from .ssp_import import import_ssp

__all__ = ["export_assessment_plan", "export_poam", "export_ssp", "export_system_results", "import_ssp", "period_from"]

DEFAULT_PERIOD = timedelta(days=30)


def period_from(params):
    """?start=&end= (ISO 8601) → (start, end); default: the 30 days up to now. 400s name the field."""
    end = timezone.now()
    values = {}
    for name in ("start", "end"):
        raw = params.get(name)
        if raw:
            parsed = parse_iso_datetime(raw)
            if parsed is None:
                raise ValidationError({name: ["An ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z."]})
            # In UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows.
            values[name] = (parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    end = values.get("end", end)
    try:
        start = values.get("start", end - DEFAULT_PERIOD)
    except OverflowError:
        raise ValidationError({"end": ["Too early for a period of 30 days before it."]}) from None
    if start > end:
        raise ValidationError({"start": ["The period starts after it ends."]})
    return start, end
