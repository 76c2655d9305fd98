"""Streaming CSV and JSON exports of the audit log (chain fields included; the JSON export
also carries the signed checkpoints covering it, so tools/verify_audit.py can check it
away from the database)."""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder

from .chain import utc_text
from .selectors import EXPORT_FIELDS, export_rows

# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True, cls=DjangoJSONEncoder)
    elif value is None:
        return ""
    else:
        value = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_chunks(queryset):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in export_rows(queryset):
        yield writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])


def json_chunks(queryset, envelope):
    """One JSON object: the envelope (tree prefix, signed checkpoints, consistency proofs,
    audit/transparency.py) and then the entries, streamed.

    The timestamp is written as the canonical text has it (microseconds, +00:00), so
    tools/verify_audit.py can recompute every entry's hash from the export alone.
    """
    head = json.dumps(envelope, sort_keys=True)
    yield head[:-1] + (', "entries": [' if envelope else '"entries": [')
    first = True
    for row in export_rows(queryset):
        row["timestamp"] = utc_text(row["timestamp"])
        yield ("\n" if first else ",\n") + json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True)
        first = False
    yield "]}\n"
