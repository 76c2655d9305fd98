"""CSV (flat rows) and JSON (structured) formatters for a ReportDocument."""

import csv
import io
import json

from django.core.serializers.json import DjangoJSONEncoder

# Spreadsheet apps execute cells that start with these; prefix them so a finding title
# like "=HYPERLINK(...)" stays text (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def render_csv(document):
    """One flat table: a `section` column, a `record` column (figure/row), then every field."""
    columns = []
    for section in document.sections:
        for key, _ in section.columns:
            if key not in columns:
                columns.append(key)
    header = ["section", "record", "metric", "value", *[c for c in columns if c not in ("metric", "value")]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for label, value in document.figures_list():
        writer.writerow({"section": "report", "record": "figure", "metric": _cell(label), "value": _cell(value)})
    for section in document.sections:
        for label, value in section.figures:
            writer.writerow({"section": section.key, "record": "figure", "metric": _cell(label), "value": _cell(value)})
        for row in section.rows:
            writer.writerow(
                {"section": section.key, "record": "row", **{key: _cell(value) for key, value in row.items()}}
            )
    return out.getvalue().encode("utf-8")


def render_json(document):
    payload = {
        "report": document.meta,
        "figures": document.figures,
        "scope": document.scope_description,
        "sections": [section.as_dict() for section in document.sections],
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode("utf-8")
