"""What a report's attachments may be, and how they are served: pure functions, no I/O.

A reporter sends what shows the flaw: a proof of concept may well be an HTML page, a
script or an archive, so any type is taken. The type is read from the bytes, never from
the client's Content-Type. A file whose name claims a plain type (`.txt`, `.pdf`,
`.png`, ...) must have its bytes agree: an HTML page renamed `notes.txt` is refused.
Whatever is stored is served only as a download (`Content-Disposition: attachment`,
`nosniff`, a sandboxing CSP), and anything but a plain type as octet-stream.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from accord.commitments import uploads

OCTET_STREAM = "application/octet-stream"
HTML = "text/html"
# The types a download keeps; anything else is served as octet-stream.
PLAIN_TYPES = frozenset(
    {uploads.PDF, uploads.PNG, uploads.JPEG, uploads.JSON, uploads.TEXT, uploads.MARKDOWN}
)
MAX_COUNT = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Markup a browser would render: text that opens with a tag (HTML, SVG, XML). A text
# file that only quotes `<script>`, as an XSS report does, is text.
_MARKUP = re.compile(rb"\s*<")
SANDBOX = "sandbox; default-src 'none'"


@dataclass(frozen=True)
class Sniffed:
    """An accepted file: a safe name to show, and its type as the bytes show it."""

    filename: str
    content_type: str


class Refused(ValueError):
    """The file's bytes are not what its name says; the message says why."""


def max_bytes() -> int:
    return int(getattr(settings, "ACCORD_CVD_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def limit_label() -> str:
    return str(filesizeformat(max_bytes())).replace("\xa0", " ")


def too_large_message(name: str, size: int) -> str:
    size_label = str(filesizeformat(size)).replace("\xa0", " ")
    return (
        f"The file “{uploads.display_name(name)}” is {size_label}; an attachment may be at "
        f"most {limit_label()}. The report's text is kept: send it without the file, or "
        "with a smaller one."
    )


def sniff(name: str, data: bytes) -> Sniffed:
    """The file's type from its bytes; `Refused` when its name claims another."""
    filename = uploads.display_name(name)
    extension = os.path.splitext(filename)[1].lower()
    if extension in uploads.EXTENSIONS:
        try:
            found = uploads.sniff(filename, data)
        except uploads.Refused as exc:
            raise Refused(str(exc)) from None
        if found.content_type in (uploads.TEXT, uploads.MARKDOWN, uploads.JSON) and _is_markup(
            data
        ):
            raise Refused(
                f"The file “{filename}” is named as text but holds markup (HTML or SVG); "
                "rename it to .html or .svg to send it as a file to download."
            )
        return Sniffed(filename=filename, content_type=found.content_type)
    return Sniffed(filename=filename, content_type=_type_of(data))


def _is_markup(data: bytes) -> bool:
    return bool(_MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")))


def _type_of(data: bytes) -> str:
    """What a file named for no plain type holds: an image or PDF by its signature, HTML
    by its markup, text if it decodes so, else octet-stream."""
    for content_type in (uploads.PDF, uploads.PNG, uploads.JPEG):
        try:
            return uploads.sniff(f"x{_extension_of(content_type)}", data).content_type
        except uploads.Refused:
            continue
    if _is_markup(data):
        return HTML
    try:
        return uploads.sniff("x.txt", data).content_type
    except uploads.Refused:
        return OCTET_STREAM


def _extension_of(content_type: str) -> str:
    return next(ext for ext, kind in uploads.EXTENSIONS.items() if kind == content_type)


def served_type(content_type: str) -> str:
    """The Content-Type a download is served with: plain types as they are, anything
    else (HTML, SVG, archives, programs) as octet-stream."""
    return content_type if content_type in PLAIN_TYPES else OCTET_STREAM
