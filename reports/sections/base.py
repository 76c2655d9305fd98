"""Section generators: one function per section kind, turning a scope into a SectionResult.

A SectionResult is format-neutral (figures, columns, rows, an optional SVG chart); the
renderers decide how it looks as PDF, HTML, CSV or JSON (django-oscar's "one generator,
many formatters").
"""

from dataclasses import dataclass, field

from ..content import POLICIES, ContentRequirement

GENERATORS = {}


@dataclass
class SectionResult:
    key: str = ""
    title: str = ""
    kind: str = ""
    intro: str = ""
    figures: list = field(default_factory=list)  # [(label, value)]
    columns: list = field(default_factory=list)  # [(key, label)]
    rows: list = field(default_factory=list)  # [{column key: value}]
    total_rows: int = 0  # rows that exist; more than len(rows) when capped by max_rows
    chart_svg: str = ""
    empty_message: str = "Nothing to report for this period."

    @property
    def truncated(self):
        return self.total_rows > len(self.rows)

    @property
    def cells(self):
        """Rows as [(column key, value)] in column order, for the HTML table."""
        keys = [key for key, _ in self.columns]
        return [[(key, row.get(key)) for key in keys] for row in self.rows]

    def as_dict(self):
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "intro": self.intro,
            "figures": [{"label": label, "value": value} for label, value in self.figures],
            "columns": [key for key, _ in self.columns],
            "rows": self.rows,
            "total_rows": self.total_rows,
        }


def register(kind, *, min_access_level, reads_audit_log=False):
    """Register the generator of a section kind with what its content demands of a report's
    readers. Both are required: a new kind cannot forget to say who may read it."""
    policy = ContentRequirement(min_access_level=str(min_access_level), reads_audit_log=reads_audit_log)

    def decorate(func):
        GENERATORS[kind] = func
        POLICIES[kind] = policy
        return func

    return decorate


def generate_section(scope, section):
    """Run the generator for `section` ({key, title, kind, params}) over `scope`."""
    params = {**scope.params, **(section.get("params") or {})}
    result = GENERATORS[section["kind"]](scope, params)
    result.key, result.title, result.kind = section["key"], section["title"], section["kind"]
    return result


def row_limit(params):
    return max(1, min(int(params.get("max_rows", 500)), 5000))


def days_since(moment, now):
    return max(0, (now - moment).days) if moment else None
