"""Which files are kept as evidence documents: the bytes decide, and the name must agree."""

from __future__ import annotations

import pytest

from accord.commitments.uploads import OverLimit, Refused, display_name, sniff

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00"
ZIP = b"PK\x03\x04\x14\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("policy.pdf", PDF, "application/pdf"),
        ("POLICY.PDF", PDF, "application/pdf"),
        ("scan.png", PNG, "image/png"),
        ("scan.jpg", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        ("extract.json", b'{"cases": [1, 2]}', "application/json"),
        ("notes.txt", "Politique de divulgation: été\n\tok\r\n".encode(), "text/plain"),
        ("notes.txt", b"\xef\xbb\xbfwith a byte order mark", "text/plain"),
        ("process.md", b"# Process\n\n- intake\n", "text/markdown"),
        ("process.markdown", b"# Process\n", "text/markdown"),
    ],
)
def test_accepted_types(name: str, data: bytes, content_type: str) -> None:
    assert sniff(name, data).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("policy.pdf", EXE, "not a PDF"),  # an executable renamed .pdf
        ("policy.pdf", ELF, "not a PDF"),
        ("policy.pdf", b"just text", "not a PDF"),
        ("scan.png", JPEG, "not a PNG image"),
        ("scan.jpg", PNG, "not a JPEG image"),
        ("notes.txt", PDF, "not text"),  # a PDF renamed .txt: binary bytes
        ("notes.txt", EXE, "not text"),
        ("notes.md", b"ok\x00hidden", "not text"),
        ("notes.txt", b"\xff\xfe\xfd not utf-8", "not text"),
        ("data.json", b"{'single': 'quotes'}", "not JSON"),
        ("setup.exe", EXE, "“.exe” are not accepted"),
        ("page.html", b"<html></html>", "“.html” are not accepted"),
        ("image.svg", b"<svg/>", "“.svg” are not accepted"),
        ("archive.zip", ZIP, "“.zip” are not accepted"),
        ("policy.pdf.exe", EXE, "“.exe” are not accepted"),
        ("README", b"text", "“README” are not accepted"),
    ],
)
def test_refused(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        sniff(name, data)


@pytest.mark.parametrize(
    "data",
    [b"[" * 2_000 + b"]" * 2_000, b'{"a":' * 2_000 + b"1" + b"}" * 2_000, b"[" * 100_000],
)
def test_json_nested_2000_deep_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(OverLimit, match="nested more than 64 levels deep"):
        sniff("extract.json", data)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("policy.pdf", "policy.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\policy.pdf", "policy.pdf"),
        ("bad\x00na\u202eme.txt", "badname.txt"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_display_name(given: str, shown: str) -> None:
    assert display_name(given) == shown
