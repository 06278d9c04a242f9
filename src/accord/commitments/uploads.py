"""Which uploaded files Accord keeps as evidence documents: pure functions, no I/O.

The type is read from the bytes, never taken from the client's Content-Type, and the
file's name must agree with it: an executable renamed `policy.pdf` is refused, and so
is a PDF renamed `notes.txt`. Accepted: PDF, plain text, Markdown, PNG, JPEG, JSON.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from accord.engine import limits

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
JSON = "application/json"
TEXT = "text/plain"
MARKDOWN = "text/markdown"

# The file name's extension, and the type its bytes must have.
EXTENSIONS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".json": JSON,
    ".txt": TEXT,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
}
ACCEPTED_DESCRIPTION = "PDF, plain text, Markdown, PNG, JPEG or JSON"
_MAGIC = {PDF: b"%PDF-", PNG: b"\x89PNG\r\n\x1a\n", JPEG: b"\xff\xd8\xff"}
# Text may hold tabs, line and page breaks; other control characters mark a binary file.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
MAX_NAME_LENGTH = 200
# The upload cap (ACCORD_UPLOAD_MAX_BYTES) is checked before; this one holds the nesting
# and the parse time of a JSON document to what a reviewer's tools can open.
JSON_LIMITS = limits.Limits(max_bytes=1 << 30, max_depth=64, max_seconds=2.0)


@dataclass(frozen=True)
class Sniffed:
    """An accepted file: its type as the bytes show it, and a safe name to show."""

    content_type: str
    filename: str
    extension: str


class Refused(ValueError):
    """The file is not one Accord accepts; the message says why, for the person."""


class OverLimit(Refused):
    """The file is of its named type, but nested too deeply or too slow to read."""


def sniff(name: str, data: bytes) -> Sniffed:
    """The file's type if its bytes are of an accepted type its name agrees with."""
    filename = display_name(name)
    extension = os.path.splitext(filename)[1].lower()
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise Refused(
            f"Files named “{extension or filename}” are not accepted; upload a "
            f"{ACCEPTED_DESCRIPTION} file."
        )
    if not _is(expected, data):
        raise Refused(
            f"The file is named as {_label(expected)} but its content is not {_label(expected)}."
        )
    return Sniffed(content_type=expected, filename=filename, extension=extension)


def _is(content_type: str, data: bytes) -> bool:
    magic = _MAGIC.get(content_type)
    if magic is not None:
        return data.startswith(magic)
    text = _text(data)
    if text is None:
        return False
    if content_type == JSON:
        try:
            limits.parse_json(text, JSON_LIMITS)
        except limits.ParseRefused as exc:
            if exc.code == limits.MALFORMED:
                return False
            raise OverLimit(f"The JSON file is not accepted: {exc.message}.") from None
    return True


def _text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _BINARY.search(text):
        return None
    return text


def _label(content_type: str) -> str:
    labels = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image", JSON: "JSON"}
    return labels.get(content_type, "text")


def display_name(name: str) -> str:
    """The client's file name without any folder, control characters or odd length."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if unicodedata.category(char)[0] != "C").strip()
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, extension = os.path.splitext(cleaned)
        cleaned = stem[: MAX_NAME_LENGTH - len(extension)] + extension
    return cleaned or "document"
