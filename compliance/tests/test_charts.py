"""Server-side SVG charts: well-formed, escaped, accessible, honest about missing data."""

import xml.etree.ElementTree as ET

import pytest

from compliance.charts import bar_chart_svg, line_chart_svg, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))


def test_line_chart_is_well_formed_and_labelled():
    root = parse(
        line_chart_svg(["01", "02", "03"], [("Pass rate", [50.0, 75.0, 100.0])], title="Pass rate", unit="%", y_max=100)
    )
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Pass rate"
    circles = root.findall(f"{SVG}circle")
    assert [c.find(f"{SVG}title").text for c in circles] == [
        "Pass rate 01: 50%",
        "Pass rate 02: 75%",
        "Pass rate 03: 100%",
    ]
    # higher values sit higher (smaller y) on the chart
    ys = [float(c.get("cy")) for c in circles]
    assert ys[0] > ys[1] > ys[2]


def test_none_breaks_the_line_instead_of_drawing_zero():
    root = parse(line_chart_svg(["a", "b", "c", "d"], [("s", [10, None, 30, 40])], title="t"))
    lines = root.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [1, 2]
    assert len(root.findall(f"{SVG}circle")) == 3


def test_text_is_escaped():
    svg = str(bar_chart_svg(["<script>x</script>"], [("A&B", [3])], title='T "<b>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)  # still well-formed XML


def test_bar_chart_one_bar_per_value_with_legend_for_several_series():
    root = parse(bar_chart_svg(["soc2", "gdpr"], [("Score", [80.0, None]), ("Target", [90, 90])], title="t", y_max=100))
    bars = [rect for rect in root.findall(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["Score soc2: 80", "Target soc2: 90", "Target gdpr: 90"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[0] < heights[1] == heights[2]
    assert "Target" in [t.text for t in root.findall(f"{SVG}text")]


def test_empty_chart_renders():
    parse(line_chart_svg([], [("s", [])], title="empty"))
    parse(bar_chart_svg([], [], title="empty"))


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (100, [0, 20, 40, 60, 80, 100]),
        (7, [0, 2, 4, 6, 8]),
        (0, [0, 1]),
        (None, [0, 1]),
        (1234, [0, 250, 500, 750, 1000, 1250]),
    ],
)
def test_nice_ticks(top, expected):
    assert nice_ticks(top) == expected


def test_axis_labels_wider_than_their_slot_are_cut_with_the_whole_name_on_hover():
    names = ["fedramp_20x_ksi", "gdpr", "hipaa", "iso27001", "nist_csf", "nist_800_53_rev5", "pci_dss", "soc2"]
    root = parse(bar_chart_svg(names, [("Score", [None, 93, 89, 84, 94, None, 88, 91])], title="t", width=560))
    axis = [
        t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle" and t.get("y") == "234"
    ]  # 260 - 44 + 18
    shown = ["".join(t.itertext()).replace(t.findtext(f"{SVG}title") or "", "", 1) for t in axis]
    assert shown[1:5] == ["gdpr", "hipaa", "iso27001", "nist_csf"]
    assert shown[0].endswith("\u2026") and len(shown[0]) < len(names[0])
    assert [t.findtext(f"{SVG}title") for t in axis if t.find(f"{SVG}title") is not None] == [names[0], names[5]]
