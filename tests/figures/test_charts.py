"""Charts stay readable: axis labels never overlap, legends are never cut off, and no
chart draws more than six lines (more become small multiples)."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.figures.charts import (
    MAX_SERIES,
    LineChart,
    Series,
    layout_line_chart,
    responsive_line_chart_svg,
    text_width,
)


def chart(days: list[date], labels: list[str]) -> LineChart:
    series = [Series(label, [0.1 * (n % 10)] * len(days)) for n, label in enumerate(labels)]
    return LineChart("Organisations verified", "Share verified.", days, series)


def axis_boxes(layout_texts: list, y: float) -> list[tuple[float, float, str]]:
    boxes = []
    for text in layout_texts:
        if text.y != y:
            continue
        width = text_width(text.text)
        left = {"start": text.x, "end": text.x - width}.get(text.anchor, text.x - width / 2)
        boxes.append((left, left + width, text.text))
    return sorted(boxes)


def x_axis_y(layout) -> float:
    return max(t.y for t in layout.texts if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.text))


def assert_no_overlap(layout) -> None:
    boxes = axis_boxes(layout.texts, x_axis_y(layout))
    assert boxes, "no axis label"
    for (_, right, text), (left, _, other) in itertools.pairwise(boxes):
        assert right < left, f"{text!r} runs into {other!r}"
    assert boxes[0][0] >= 0
    assert boxes[-1][1] <= layout.width


def test_month_ends_and_a_last_day_two_days_later_do_not_collide() -> None:
    """The series that drew "2026-11-3012-02": month ends, then the latest day."""
    days = [date(2026, m, 28) for m in range(1, 12)] + [date(2026, 11, 30), date(2026, 12, 2)]
    days = sorted(set(days))
    for width in (640, 360, 320):
        layout = layout_line_chart(chart(days, ["CVD"]), width=width)
        assert_no_overlap(layout)
        labels = [box[2] for box in axis_boxes(layout.texts, x_axis_y(layout))]
        assert labels[0] == days[0].isoformat()
        assert labels[-1] == "2026-12-02"
        assert "2026-11-30" not in labels


@settings(max_examples=300, deadline=None, database=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    gaps=st.lists(st.integers(min_value=1, max_value=40), min_size=0, max_size=400),
    width=st.integers(min_value=280, max_value=1000),
)
def test_axis_labels_never_overlap_at_any_size(start: date, gaps: list[int], width: int) -> None:
    days = [start]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    layout = layout_line_chart(chart(days, ["A"]), width=width)
    assert_no_overlap(layout)
    # The last day is always named: it is the day the figures are for.
    assert axis_boxes(layout.texts, x_axis_y(layout))[-1][2] == days[-1].isoformat()


@settings(max_examples=200, deadline=None, database=None)
@given(
    labels=st.lists(
        st.text(alphabet="abcdefghij klmnopqrstuvwxyz:.", min_size=1, max_size=90),
        min_size=1,
        max_size=MAX_SERIES,
    ),
    width=st.integers(min_value=280, max_value=1000),
)
def test_legends_fit_inside_the_chart(labels: list[str], width: int) -> None:
    days = [date(2026, 1, 1), date(2026, 6, 1)]
    layout = layout_line_chart(chart(days, labels), width=width)
    legend = [t for t in layout.texts if t.colour != "#57606a"]  # the legend is in ink
    assert len(legend) == len(labels)
    for text in legend:
        assert text.x + text_width(text.text) <= layout.width
        assert text.y <= layout.height
    rows = sorted({text.y for text in legend})
    assert len(rows) * 3 >= len(labels)  # columns of at most three


def test_a_long_label_is_shortened_not_cut() -> None:
    name = "Cybersecurity Tech Accord: no offensive operations against citizens " * 2
    layout = layout_line_chart(chart([date(2026, 1, 1), date(2026, 2, 1)], [name]), width=360)
    [legend] = [t for t in layout.texts if t.text.startswith("Cybersecurity")]
    assert legend.text.endswith("…")
    assert legend.x + text_width(legend.text) <= 360


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg [^>]*>.*?</svg>", html, re.S)


def test_up_to_six_lines_is_one_chart_drawn_wide_and_narrow() -> None:
    days = [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(30)]
    html = responsive_line_chart_svg(chart(days, [f"norm {n}" for n in range(6)]), chart_id="c")
    wide, narrow = _svgs(html)
    assert 'class="chart chart-wide" id="c"' in wide
    assert 'viewBox="0 0 640 ' in wide
    assert 'class="chart chart-narrow" id="c-narrow"' in narrow
    assert 'viewBox="0 0 360 ' in narrow
    for svg in (wide, narrow):
        assert svg.count("<polyline") >= 6
        assert 'role="img"' in svg


def test_more_than_six_lines_become_small_multiples() -> None:
    days = [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(30)]
    labels = [f"para. 13({letter})" for letter in "abcdefghijk"]
    html = responsive_line_chart_svg(chart(days, labels), chart_id="gge")
    assert html.startswith('<div class="small-multiples" role="group"')
    panels = _svgs(html)
    assert len(panels) == len(labels)
    for label, svg in zip(labels, panels, strict=True):
        assert f'aria-label="{label}: organisations verified"' in svg
        # One line each, named in the page's text above it (which wraps) not in a legend.
        data_lines = [p for p in re.findall(r"<polyline [^>]*>", svg) if 'stroke-width="2"' in p]
        assert len(data_lines) == 1
        assert f'<div class="panel"><p aria-hidden="true">{label}</p><svg' in html
