"""Streaming CSV and JSON exports of the audit log (chain fields included, so an export
can be verified away from the database)."""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder

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


def json_chunks(queryset):
    yield "["
    first = True
    for row in export_rows(queryset):
        yield ("" if first else ",\n") + json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True)
        first = False
    yield "]\n"
