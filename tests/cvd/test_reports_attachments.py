"""Attachment types are read from the bytes; downloads keep only plain types."""

from __future__ import annotations

import pytest

from accord.cvd import attachments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("shot.png", PNG, "image/png"),
        ("shot", PNG, "image/png"),
        ("paper", b"%PDF-1.7 ...", "application/pdf"),
        ("photo.bin", b"\xff\xd8\xff\xe0", "image/jpeg"),
        ("poc.html", b"<!doctype html><p>x", "text/html"),
        ("image.svg", b"\xef\xbb\xbf <svg onload=alert(1)>", "text/html"),
        ("exploit.py", b"print('<script>')\n", "text/plain"),
        ("notes.txt", b"The page echoes <script>alert(1)</script> back.", "text/plain"),
        ("data.json", b'{"a": 1}', "application/json"),
        ("core", b"\x7fELF\x02\x01", "application/octet-stream"),
        ("C:\\Users\\me\\poc.zip", b"PK\x03\x04\x00", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes(name: str, data: bytes, expected: str) -> None:
    assert attachments.sniff(name, data).content_type == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"  <html><body>hi"),
        ("readme.md", b"<svg/onload=alert(1)>"),
        ("shot.png", b"<html>"),
        ("doc.pdf", b"not a pdf"),
    ],
)
def test_a_name_claiming_another_type_is_refused(name: str, data: bytes) -> None:
    with pytest.raises(attachments.Refused):
        attachments.sniff(name, data)


def test_folders_are_dropped_from_the_name() -> None:
    assert attachments.sniff("../../etc/passwd", b"root:x:0:0").filename == "passwd"


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("text/plain", "text/plain"),
        ("application/pdf", "application/pdf"),
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
def test_downloads_keep_only_plain_types(stored: str, served: str) -> None:
    assert attachments.served_type(stored) == served


def test_the_limit_is_the_setting(settings: object) -> None:
    settings.ACCORD_CVD_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024  # type: ignore[attr-defined]
    assert attachments.max_bytes() == 2 * 1024 * 1024
    assert "at most 2.0 MB" in attachments.too_large_message("a/b.bin", 3 * 1024 * 1024)
    assert "“b.bin” is 3.0 MB" in attachments.too_large_message("a/b.bin", 3 * 1024 * 1024)
