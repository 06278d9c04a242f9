"""Badges: a small SVG per organisation and profile showing the share of practices verified.

Pure: text in, SVG text out, no database and no request. The layout follows the familiar
two-part "flat" badge (label on grey, message on a colour), so it sits well beside the
badges projects already show. Text widths are estimated from Verdana's glyph widths at
11px (the font badges are drawn in) and pinned with `textLength`, so the box fits the text
whichever font the viewer has.

Everything that comes from the database (organisation and profile names) is escaped, and
characters XML 1.0 does not allow are dropped, so the SVG is always well formed. The SVG
holds no script, no links and no external references; the view serves it under a CSP
that forbids them anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

HEIGHT = 20
PADDING = 6  # on each side of each text, in pixels
FONT_SIZE = 11
MAX_TEXT = 60  # characters shown in one half of a badge; the title carries the whole name
GREY = "#555"

# Approximate advance widths of Verdana at 11px, in pixels (ASCII 32 to 126).
_WIDTHS = dict(
    zip(
        (chr(code) for code in range(32, 127)),
        (
            3.87,
            4.33,
            5.05,
            9.00,
            7.00,
            11.84,
            7.99,
            2.95,
            4.99,
            4.99,
            7.00,
            9.00,
            4.00,
            4.99,
            4.00,
            4.99,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            7.00,
            4.99,
            4.99,
            9.00,
            9.00,
            9.00,
            6.00,
            11.00,
            7.52,
            7.54,
            7.68,
            8.48,
            6.96,
            6.32,
            8.53,
            8.27,
            4.61,
            5.00,
            7.62,
            6.12,
            9.27,
            8.23,
            8.66,
            6.63,
            8.66,
            7.65,
            7.52,
            6.78,
            8.05,
            7.52,
            10.88,
            7.54,
            6.77,
            7.54,
            4.99,
            4.99,
            4.99,
            9.00,
            7.00,
            7.00,
            6.61,
            6.85,
            5.73,
            6.85,
            6.55,
            3.87,
            6.85,
            6.96,
            3.02,
            3.79,
            6.51,
            3.02,
            10.75,
            6.96,
            6.68,
            6.85,
            6.85,
            4.69,
            5.73,
            4.33,
            6.96,
            6.51,
            8.98,
            6.51,
            6.51,
            5.78,
            6.98,
            4.99,
            6.98,
            9.00,
        ),
        strict=True,
    )
)
_DEFAULT_WIDTH = 7.0  # letters outside ASCII: about an average Verdana letter
_WIDE_WIDTH = 11.0  # East Asian wide and full-width characters: about a square
# Characters XML 1.0 does not allow (most C0 controls, surrogates, U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Badge:
    """What a badge says: `label` on the left, `message` on `colour`, `title` for tooltips
    and assistive technology (the SVG's <title> and aria-label)."""

    label: str
    message: str
    colour: str
    title: str


def verified_badge(*, organisation: str, profile: str, verified: int, total: int) -> Badge:
    """The badge of an organisation's progress on a profile: `verified` of `total` practices."""
    if total <= 0:
        message, summary = "no practices", "the profile has no practices"
    else:
        percent = verified_percent(verified, total)
        message = f"{percent}% verified"
        summary = f"{verified} of {total} practices verified ({percent}%)"
    return Badge(
        label=profile,
        message=message,
        colour=share_colour(verified, total),
        title=f"{organisation}: {profile}, {summary}",
    )


def verified_percent(verified: int, total: int) -> int:
    """The share as a whole percentage, rounded down so 100% means every practice."""
    return (100 * verified) // total if total > 0 else 0


def share_colour(verified: int, total: int) -> str:
    """Green for all verified, through yellow, to grey for none."""
    if total <= 0 or verified <= 0:
        return "#9f9f9f"
    percent = verified_percent(verified, total)
    for threshold, colour in ((100, "#4c1"), (75, "#97ca00"), (50, "#a4a61d"), (25, "#dfb317")):
        if percent >= threshold:
            return colour
    return "#fe7d37"


def clean(text: str) -> str:
    """`text` on one line, without characters XML cannot carry."""
    return " ".join(_NOT_XML.sub("", text).split())


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def char_width(char: str) -> float:
    if char in _WIDTHS:
        return _WIDTHS[char]
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_WIDTH
    return _DEFAULT_WIDTH


def text_width(text: str) -> float:
    """The approximate width of `text` in Verdana 11px, in pixels."""
    return sum(char_width(char) for char in text)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def render_badge(badge: Badge) -> str:
    """The badge as a standalone SVG document."""
    label, message = shorten(clean(badge.label)), shorten(clean(badge.message))
    title = clean(badge.title)
    label_text, message_text = round(text_width(label)), round(text_width(message))
    label_box, message_box = label_text + 2 * PADDING, message_text + 2 * PADDING
    width = label_box + message_box
    return "".join(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width}" height="{HEIGHT}" role="img" aria-label="{_attr(title)}">',
            f"<title>{escape(title)}</title>",
            '<linearGradient id="s" x2="0" y2="100%">'
            '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
            '<stop offset="1" stop-opacity=".1"/></linearGradient>',
            f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
            "</clipPath>",
            '<g clip-path="url(#r)">',
            f'<rect width="{label_box}" height="{HEIGHT}" fill="{GREY}"/>',
            f'<rect x="{label_box}" width="{message_box}" height="{HEIGHT}" '
            f'fill="{_attr(badge.colour)}"/>',
            f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>',
            '<g fill="#fff" text-anchor="middle" '
            'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
            f'font-size="{FONT_SIZE}" aria-hidden="true">',
            _text(label, label_box / 2, label_text),
            _text(message, label_box + message_box / 2, message_text),
            "</g></svg>",
        ]
    )


def embed_snippets(*, alt: str, badge_url: str, page_url: str) -> dict[str, str]:
    """Markdown and HTML that show the badge linked to its verification page.

    The result is plain text for people to copy: HTML-escape it again to show it on a page.
    """
    text = clean(alt)
    markdown_alt = re.sub(r"([\\\[\]])", r"\\\1", text)
    return {
        "markdown": f"[![{markdown_alt}]({badge_url})]({page_url})",
        "html": (
            f'<a href="{_attr(page_url)}"><img src="{_attr(badge_url)}" '
            f'alt="{_attr(text)}" height="{HEIGHT}"></a>'
        ),
    }


def _text(text: str, centre: float, length: int) -> str:
    """A text with its shadow, centred at `centre`, squeezed or stretched to `length`."""
    fitted = f'textLength="{length}" lengthAdjust="spacingAndGlyphs"' if length else ""
    body = escape(text)
    return (
        f'<text x="{centre:g}" y="15" fill="#010101" fill-opacity=".3" {fitted}>{body}</text>'
        f'<text x="{centre:g}" y="14" {fitted}>{body}</text>'
    )
