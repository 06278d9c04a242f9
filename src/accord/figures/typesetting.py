"""Text in any script for the PDF report: the bundled fonts, and text split into runs
of the font that has each character.

ReportLab's built-in fonts cover Latin-1 only (they printed "中文" as "??"), and a
TrueType font draws only the characters it has, so the report embeds several fonts
(`static/figures/fonts/README.txt`) and gives each character the first of them that
has it. Arabic (and other right-to-left) text is joined into its contextual letter
forms and put in display order first: ReportLab's own bidirectional support needs a
package that is not published, so `arabic_reshaper` and `python-bidi` do it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "static" / "figures" / "fonts"

SANS, SANS_BOLD = "AccordSans", "AccordSans-Bold"
# (name, bold name, file, bold file): the order in which a character looks for a font.
_CHAIN = (
    (SANS, SANS_BOLD, "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("AccordArabic", "AccordArabic-Bold", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("AccordWide", "AccordWide", "DejaVuSans.ttf", "DejaVuSans.ttf"),
    ("AccordCJK", "AccordCJK", "DroidSansFallback.ttf", "DroidSansFallback.ttf"),
)
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@dataclass(frozen=True)
class _Font:
    regular: str
    bold: str
    characters: frozenset[int]


@cache
def fonts() -> tuple[_Font, ...]:
    """Register the bundled fonts with ReportLab (once) and return them in order."""
    chain = []
    for regular, bold, regular_file, bold_file in _CHAIN:
        for name, filename in ((regular, regular_file), (bold, bold_file)):
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        face = pdfmetrics.getFont(regular).face
        chain.append(_Font(regular, bold, frozenset(face.charToGlyph)))
    # <b> in a paragraph picks each face's bold file (there are no italics).
    for font in chain:
        for weight, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
            addMapping(font.regular, weight, italic, font.bold if weight else font.regular)
    return tuple(chain)


def display_order(text: str) -> str:
    """Right-to-left letters joined and in the order they are drawn, left to right;
    other text as it is."""
    if not _RTL.search(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def runs(text: str, *, bold: bool = False) -> list[tuple[str, str]]:
    """(font name, text) runs, in drawing order, that draw `text` with the bundled fonts.

    Spaces and marks stay in the run they follow, so a line is not cut into needless
    pieces; a character no font has is drawn (as a box) by the first font.
    """
    chain = fonts()
    out: list[tuple[str, str]] = []
    for char in display_order(text):
        if out and (char.isspace() or unicodedata.category(char).startswith("M")):
            out[-1] = (out[-1][0], out[-1][1] + char)
            continue
        code = ord(char)
        font = next((f for f in chain if code in f.characters), chain[0])
        name = font.bold if bold else font.regular
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + char)
        else:
            out.append((name, char))
    return out


def markup(text: str, *, bold: bool = False) -> str:
    """`text` as Paragraph markup (escaped), with a <font> tag around each run in a
    font other than the paragraph's own."""
    primary = SANS_BOLD if bold else SANS
    parts = []
    for name, run in runs(text, bold=bold):
        escaped = run.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append(escaped if name == primary else f'<font face="{name}">{escaped}</font>')
    return "".join(parts)


def width(text: str, size: float, *, bold: bool = False) -> float:
    """How wide `text` is drawn at `size` points."""
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs(text, bold=bold))
