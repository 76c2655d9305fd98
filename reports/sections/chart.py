"""A server-side SVG line chart of daily pass rates (WeasyPrint runs no JavaScript)."""
from django.utils.html import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 40, 28, 12


def trend_chart_svg(rows):
    """Pass rate per day as an inline SVG; days without evaluations leave a gap."""
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(rows) - 1, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" '
             f'role="img" aria-label="Daily pass rate">']
    for pct in (0, 25, 50, 75, 100):
        y = PAD_TOP + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{pct}%</text>')
    segments, current = [], []
    for i, row in enumerate(rows):
        if row["evaluations"]:
            current.append(f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h * (1 - row['pass_rate'] / 100):.1f}")
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    for points in segments:
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" class="point"/>')
        else:
            parts.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    for i in sorted({0, len(rows) // 2, len(rows) - 1}) if rows else ():
        parts.append(f'<text x="{PAD_LEFT + i * step:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="axis">'
                     f'{escape(rows[i]["date"])}</text>')
    parts.append("</svg>")
    return "".join(parts)
