"""security-txt-signed: keys are generated here, with Sequoia, for each test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pysequoia
import pytest
from tests.corpus import corpus, corpus_files
from tests.engine.checks.fakes import NOW, FakeFetcher, codes, run, security_txt

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.types import CheckResult, Status

WELL_KNOWN = "https://example.com/.well-known/security.txt"
KEY_URL = "https://example.com/pgp-key.txt"
CHECK = get_check("security-txt-signed")


@pytest.fixture(scope="module")
def alice() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("Security Team <security@example.com>")


@pytest.fixture(scope="module")
def mallory() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("Mallory <mallory@example.net>")


def signed_file(key: pysequoia.Tsk, encryption: str | None = KEY_URL) -> bytes:
    lines = ["Contact: mailto:security@example.com", "Expires: 2027-06-01T00:00:00.000Z"]
    if encryption:
        lines.append(f"Encryption: {encryption}")
    lines.append("Canonical: " + WELL_KNOWN)
    text = security_txt(*lines).encode()
    return pysequoia.sign(key.signer(), text, mode=pysequoia.SignatureMode.CLEAR)


def public(key: pysequoia.Tsk) -> str:
    return str(key.extract_certificate())


def assess(fetcher: FakeFetcher, **options: object) -> CheckResult:
    ctx = AssessmentContext("example.com", fetcher, options=options)
    return CHECK.evaluate(run(CHECK.retrieve(ctx)), now=NOW)


def test_a_signature_by_the_published_key_verifies(
    fetcher: FakeFetcher, alice: pysequoia.Tsk
) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice))
    fetcher.serve(KEY_URL, public(alice))
    result = assess(fetcher)
    assert result.status is Status.PASS
    assert codes(result.notifications) == ["verified"]
    assert result.details["fingerprint"] == alice.extract_certificate().fingerprint


def test_one_changed_byte_breaks_the_signature(fetcher: FakeFetcher, alice: pysequoia.Tsk) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice).replace(b"2027-06-01", b"2027-06-02"))
    fetcher.serve(KEY_URL, public(alice))
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["bad_signature"]


def test_a_signature_by_another_key_is_a_mismatch(
    fetcher: FakeFetcher, alice: pysequoia.Tsk, mallory: pysequoia.Tsk
) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(mallory))
    fetcher.serve(KEY_URL, public(alice))
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["key_mismatch"]


def test_without_an_encryption_field_there_is_no_key(
    fetcher: FakeFetcher, alice: pysequoia.Tsk
) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice, encryption=None))
    result = assess(fetcher)
    assert codes(result.errors) == ["key_not_found"]
    assert fetcher.requests == [WELL_KNOWN]


def test_a_key_url_that_answers_404_is_no_key(fetcher: FakeFetcher, alice: pysequoia.Tsk) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice))
    result = assess(fetcher)
    assert codes(result.errors) == ["key_not_found"]
    assert KEY_URL in result.errors[0].message


def test_an_unsigned_file(fetcher: FakeFetcher) -> None:
    fetcher.serve(
        WELL_KNOWN, security_txt("Contact: mailto:a@example.com", f"Encryption: {KEY_URL}")
    )
    result = assess(fetcher)
    assert codes(result.errors) == ["unsigned"]
    assert result.status is Status.FAIL
    assert KEY_URL not in fetcher.requests


def test_a_supplied_key_verifies_an_openpgp4fpr_file(
    fetcher: FakeFetcher, alice: pysequoia.Tsk
) -> None:
    fingerprint = alice.extract_certificate().fingerprint
    fetcher.serve(WELL_KNOWN, signed_file(alice, encryption=f"openpgp4fpr:{fingerprint}"))
    assert codes(assess(fetcher).errors) == ["key_not_found"]
    assert assess(fetcher, openpgp_key=public(alice)).status is Status.PASS


def test_an_http_key_url_is_not_fetched(fetcher: FakeFetcher, alice: pysequoia.Tsk) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice, encryption="http://example.com/key.asc"))
    result = assess(fetcher)
    assert codes(result.errors) == ["key_not_found"]
    assert "http://example.com/key.asc" not in fetcher.requests


def test_an_expired_key_is_reported_at_the_injected_time(fetcher: FakeFetcher) -> None:
    short_lived = pysequoia.Tsk.generate("Short <s@example.com>", validity_seconds=3600)
    fetcher.serve(WELL_KNOWN, signed_file(short_lived))
    fetcher.serve(KEY_URL, public(short_lived))
    ctx = AssessmentContext("example.com", fetcher)
    retrieved = run(CHECK.retrieve(ctx))
    expiration = short_lived.extract_certificate().expiration
    assert expiration is not None
    assert CHECK.evaluate(retrieved, now=expiration - timedelta(minutes=30)).status is Status.PASS
    late = CHECK.evaluate(retrieved, now=expiration + timedelta(days=1))
    assert codes(late.errors) == ["key_expired"]


def test_a_key_server_timeout_is_an_error(fetcher: FakeFetcher, alice: pysequoia.Tsk) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice))
    fetcher.fail(KEY_URL, "timeout")
    result = assess(fetcher)
    assert result.status is Status.ERROR
    assert codes(result.errors) == ["timeout"]


def test_an_html_page_instead_of_a_key(fetcher: FakeFetcher, alice: pysequoia.Tsk) -> None:
    fetcher.serve(WELL_KNOWN, signed_file(alice))
    fetcher.serve(KEY_URL, "<html><body>Our key</body></html>", content_type="text/html")
    result = assess(fetcher)
    assert codes(result.errors) == ["key_not_found"]
    assert "not an OpenPGP public key" in result.errors[0].message


SIGNED_CORPUS = [
    p
    for p in corpus_files("securitytxt", "*.txt")
    if not p.exists() or p.read_bytes().lstrip().startswith(b"-----BEGIN PGP SIGNED MESSAGE-----")
]


@corpus
def test_the_corpus_has_signed_files() -> None:
    assert len(SIGNED_CORPUS) >= 25


@corpus
@pytest.mark.parametrize("path", SIGNED_CORPUS, ids=lambda p: p.name)
def test_corpus_signed_files_without_their_keys(fetcher: FakeFetcher, path: Path) -> None:
    # The keys are not in the corpus: each file must be judged, not crash, and never pass.
    fetcher.serve(WELL_KNOWN, path.read_bytes())
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors)[0] in {"key_not_found", "bad_signature"}
