"""The badge SVG: well formed, escaped, sized to its text, accessible."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from accord.badges.render import (
    Badge,
    embed_snippets,
    render_badge,
    share_colour,
    text_width,
    verified_badge,
    verified_percent,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)


def _badge(label: str = "CVD baseline", title: str = "Alpha: CVD baseline") -> Badge:
    return Badge(label=label, message="75% verified", colour="#97ca00", title=title)


def test_the_badge_is_a_well_formed_svg_with_a_title_and_an_aria_label() -> None:
    root = _parse(render_badge(_badge()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Alpha: CVD baseline"
    assert root.findtext(f"{SVG}title") == "Alpha: CVD baseline"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "CVD baseline" in texts
    assert "75% verified" in texts


def test_names_are_escaped_not_interpreted() -> None:
    hostile = 'Evil "Corp" <script>alert(1)</script> & Sons'
    svg = render_badge(_badge(label=hostile, title=f"{hostile}: x"))
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.get("aria-label") == f"{hostile}: x"
    assert root.findtext(f"{SVG}title") == f"{hostile}: x"
    assert hostile in [t.text for t in root.iter(f"{SVG}text")]
    assert not list(root.iter(f"{SVG}script"))


def test_characters_xml_cannot_carry_are_dropped() -> None:
    svg = render_badge(_badge(label="Bad\x00\x08 name\x1f", title="T\x0bitle"))
    root = _parse(svg)
    assert "Bad name" in [t.text for t in root.iter(f"{SVG}text")]
    assert root.findtext(f"{SVG}title") == "Title"


def test_the_width_follows_the_text() -> None:
    short = int(_parse(render_badge(_badge(label="CVD"))).get("width", "0"))
    long = int(_parse(render_badge(_badge(label="Incident response baseline"))).get("width", "0"))
    assert long > short + 100
    assert text_width("WWW") > text_width("iii")
    # Wide East Asian characters take about a square each; combining marks nothing.
    assert text_width("日本") == pytest.approx(22.0)
    assert text_width("e\u0301") == text_width("e")


def test_the_boxes_add_up_to_the_width() -> None:
    root = _parse(render_badge(_badge()))
    left, right = list(root.iter(f"{SVG}rect"))[1:3]
    assert int(left.get("width", "0")) + int(right.get("width", "0")) == int(root.get("width", ""))
    assert right.get("x") == left.get("width")


def test_a_very_long_name_is_shortened_on_the_badge_but_not_in_the_title() -> None:
    name = "Profile " * 20
    root = _parse(render_badge(_badge(label=name, title=name)))
    shown = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(text.endswith("…") and len(text) <= 60 for text in shown)
    assert root.findtext(f"{SVG}title") == name.strip()


@pytest.mark.parametrize(
    ("verified", "total", "percent"), [(0, 8, 0), (1, 3, 33), (2, 3, 66), (7, 8, 87), (8, 8, 100)]
)
def test_the_share_is_rounded_down(verified: int, total: int, percent: int) -> None:
    assert verified_percent(verified, total) == percent


def test_only_every_practice_verified_is_full_green() -> None:
    assert share_colour(8, 8) == "#4c1"
    assert share_colour(199, 200) != "#4c1"
    assert share_colour(0, 8) == share_colour(0, 0) == "#9f9f9f"
    assert len({share_colour(n, 8) for n in range(9)}) == 6


def test_verified_badge_says_what_share_is_verified() -> None:
    badge = verified_badge(organisation="Alpha", profile="CVD baseline", verified=6, total=8)
    assert badge.label == "CVD baseline"
    assert badge.message == "75% verified"
    assert badge.title == "Alpha: CVD baseline, 6 of 8 practices verified (75%)"
    empty = verified_badge(organisation="Alpha", profile="Empty", verified=0, total=0)
    assert empty.message == "no practices"


def test_embed_snippets_escape_what_they_embed() -> None:
    snippets = embed_snippets(
        alt='A [b] "c" <d>',
        badge_url="https://accord.example/adoption/badges/a/p.svg",
        page_url="https://accord.example/adoption/badges/a/p/",
    )
    assert snippets["markdown"] == (
        '[![A \\[b\\] "c" <d>](https://accord.example/adoption/badges/a/p.svg)]'
        "(https://accord.example/adoption/badges/a/p/)"
    )
    assert snippets["html"] == (
        '<a href="https://accord.example/adoption/badges/a/p/">'
        '<img src="https://accord.example/adoption/badges/a/p.svg" '
        'alt="A [b] &quot;c&quot; &lt;d&gt;" height="20"></a>'
    )
