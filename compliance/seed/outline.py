"""A compact outline format for built-in framework content.

Each non-blank line is ``<marker> <ref_id> | <title>``, indented two spaces per level
under its parent. The marker ``+`` makes a family/category (``Control.is_group``), ``-`` a
testable control. Keeping content as an outline (instead of hundreds of dict literals)
makes the hierarchy visible at a glance and reviewable as plain text.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlSpec:
    ref_id: str
    title: str
    parent_ref: str | None
    is_group: bool
    sort_order: int


def parse_outline(text):
    """Turn an outline into ControlSpecs in document order (parents before children)."""
    specs = []
    stack = []  # (indent, ref_id) of the open ancestors
    seen = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        marker, _, rest = line.partition(" ")
        ref_id, sep, title = (part.strip() for part in rest.partition("|"))
        if marker not in "+-" or not sep or not ref_id or not title:
            raise ValueError(f"outline line {number}: expected '+|- REF | Title', got {raw!r}")
        if ref_id in seen:
            raise ValueError(f"outline line {number}: duplicate ref_id {ref_id!r}")
        seen.add(ref_id)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        specs.append(
            ControlSpec(
                ref_id=ref_id,
                title=title,
                parent_ref=stack[-1][1] if stack else None,
                is_group=marker == "+",
                sort_order=len(specs) + 1,
            )
        )
        stack.append((indent, ref_id))
    return specs
