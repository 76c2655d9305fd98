"""Server-side SVG charts shared by the dashboard pages and the PDF reports.

Plain SVG strings (no JavaScript, no external assets), so the same chart renders in a
browser and in WeasyPrint. Every text is escaped; every chart carries <title>/<desc> for
screen readers and a <title> per point or bar for hover values.
"""

import math
import zlib

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Okabe-Ito: distinguishable with common colour-vision deficiencies, dark enough on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
_MARGIN = {"left": 48, "right": 16, "top": 36, "bottom": 44}


# About the advance of one character at 12 px in the sans-serif fonts we render with.
_CHAR_WIDTH = 7.2


def nice_ticks(top, count=5):
    """Round tick values from 0 to at least `top` (e.g. 0, 20, 40 … 100)."""
    if top is None or top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 6) if isinstance(step, float) else i * step for i in range(steps + 1)]


def _fmt(value, unit=""):
    if value is None:
        return "no data"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text}{unit}"


def _frame(width, height, title, description, body, legend):
    chart_id = f"chart-{zlib.crc32((title + description).encode()):08x}"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {_FONT} font-size="12">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        f'<text x="{_MARGIN["left"]}" y="18" font-size="14" font-weight="600" fill="#1a1a1a">{escape(title)}</text>'
        f"{legend}{body}</svg>"
    )


def _legend(names, width):
    if len(names) < 2:
        return ""
    parts, x = [], width - _MARGIN["right"]
    for index in reversed(range(len(names))):
        label = escape(names[index])
        x -= 7 * len(names[index]) + 26
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="18" fill="#1a1a1a">{label}</text>'
        )
    return "".join(parts)


def _axes(width, height, ticks, unit, labels, x_positions):
    left, right = _MARGIN["left"], width - _MARGIN["right"]
    top, bottom = _MARGIN["top"], height - _MARGIN["bottom"]
    parts = []
    for tick in ticks:
        y = bottom - (bottom - top) * tick / ticks[-1]
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{_fmt(tick, unit)}</text>'
        )
    step = max(1, math.ceil(len(labels) / 8))
    # A label wider than its slot would run into the next: cut it, the whole one on hover.
    fits = max(3, int((right - left) / max(1, len(labels)) * step / _CHAR_WIDTH))
    for index in range(0, len(labels), step):
        label = labels[index]
        shown = (
            escape(label) if len(label) <= fits else f"<title>{escape(label)}</title>{escape(label[: fits - 1])}\u2026"
        )
        parts.append(
            f'<text x="{x_positions[index]:.1f}" y="{bottom + 18}" text-anchor="middle" fill="#333">{shown}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#555" stroke-width="1"/>')
    return "".join(parts)


def _top(series, y_max):
    values = [v for _, points in series for v in points if v is not None]
    return y_max if y_max is not None else (max(values) if values else 0)


def line_chart_svg(labels, series, *, title, description="", unit="", y_max=None, width=720, height=260):
    """A line chart: `labels` along x, `series` = [(name, [value or None per label])].

    None leaves a gap (a day without data is not a zero score). `y_max` fixes the scale,
    e.g. 100 for percentages.
    """
    labels = [str(label) for label in labels]
    ticks = nice_ticks(_top(series, y_max))
    left, right = _MARGIN["left"], width - _MARGIN["right"]
    top, bottom = _MARGIN["top"], height - _MARGIN["bottom"]
    span = max(1, len(labels) - 1)
    xs = [left + (right - left) * (i / span if len(labels) > 1 else 0.5) for i in range(len(labels))]

    def y_of(value):
        return bottom - (bottom - top) * value / ticks[-1]

    body = [_axes(width, height, ticks, unit, labels, xs)]
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        runs, run = [], []
        for x, value in zip(xs, values, strict=True):
            if value is None:
                runs, run = ([*runs, run] if run else runs), []
            else:
                run.append(f"{x:.1f},{y_of(value):.1f}")
        runs = [*runs, run] if run else runs
        for points in runs:
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        if len(labels) <= 62:  # markers with hover values while they stay readable
            for x, label, value in zip(xs, labels, values, strict=True):
                if value is not None:
                    body.append(
                        f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="3" fill="{colour}">'
                        f"<title>{escape(name)} {escape(label)}: {_fmt(value, unit)}</title></circle>"
                    )
    return _frame(
        width, height, title, description or title, "".join(body), _legend([name for name, _ in series], width)
    )


def bar_chart_svg(labels, series, *, title, description="", unit="", y_max=None, width=720, height=260):
    """A grouped bar chart: one group per label, one bar per series; each bar is labelled."""
    labels = [str(label) for label in labels]
    ticks = nice_ticks(_top(series, y_max))
    left, right = _MARGIN["left"], width - _MARGIN["right"]
    top, bottom = _MARGIN["top"], height - _MARGIN["bottom"]
    group = (right - left) / max(1, len(labels))
    bar = min(40.0, group * 0.8 / max(1, len(series)))
    centres = [left + group * (i + 0.5) for i in range(len(labels))]
    body = [_axes(width, height, ticks, unit, labels, centres)]
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        for centre, label, value in zip(centres, labels, values, strict=True):
            x = centre - bar * len(series) / 2 + bar * index
            if value is None:
                continue
            h = (bottom - top) * value / ticks[-1]
            body.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(name)} {escape(label)}: {_fmt(value, unit)}</title></rect>'
            )
            if bar >= 18:
                body.append(
                    f'<text x="{x + (bar - 2) / 2:.1f}" y="{bottom - h - 4:.1f}" text-anchor="middle" '
                    f'font-size="11" fill="#1a1a1a">{_fmt(value, unit)}</text>'
                )
    return _frame(
        width, height, title, description or title, "".join(body), _legend([name for name, _ in series], width)
    )
