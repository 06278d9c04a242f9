"""assess_domain end to end over the in-memory internet, and the check registry."""

from __future__ import annotations

import json

import pysequoia
import pytest
from tests.corpus import corpus
from tests.engine.checks.fakes import CORPUS, NOW, FakeFetcher, run, security_txt

from accord.engine import registry
from accord.engine.checks import CHECKS, assess_domain, get_check
from accord.engine.domains import InvalidDomain
from accord.engine.types import Status

DOMAIN = "example.com"
WELL_KNOWN = "https://example.com/.well-known/security.txt"
PMD = "https://example.com/.well-known/csaf/provider-metadata.json"
POLICY = "https://example.com/security-policy"
KEY = "https://example.com/pgp-key.txt"
FORM = "https://example.com/report"


def exemplary_site(fetcher: FakeFetcher) -> None:
    """A domain that does everything the checks ask for."""
    signer = pysequoia.Tsk.generate("PSIRT <psirt@example.com>")
    text = security_txt(
        "Contact: mailto:psirt@example.com",
        f"Contact: {FORM}",
        "Expires: 2027-06-01T00:00:00.000Z",
        f"Encryption: {KEY}",
        f"Policy: {POLICY}",
        f"CSAF: {PMD}",
        "Preferred-Languages: en",
        f"Canonical: {WELL_KNOWN}",
    )
    fetcher.serve(
        WELL_KNOWN,
        pysequoia.sign(signer.signer(), text.encode(), mode=pysequoia.SignatureMode.CLEAR),
    )
    fetcher.serve(KEY, str(signer.extract_certificate()))
    fetcher.serve(FORM, "<html>Report form</html>", content_type="text/html")
    fetcher.serve(
        POLICY,
        "Scope: all example.com services. Report to psirt@example.com. We reply within 2 business "
        "days. Safe harbour: no legal action against good-faith research.\n",
    )
    document = json.loads((CORPUS / "csaf" / "provider-metadata-clouditor.json").read_bytes())
    document["canonical_url"] = PMD
    document["distributions"] = [{"directory_url": "https://example.com/.well-known/csaf/white/"}]
    fetcher.serve(PMD, json.dumps(document), content_type="application/json")
    fetcher.serve("https://example.com/.well-known/csaf/white/index.txt", "2024/a.json\n")
    fetcher.serve(
        "https://example.com/.well-known/csaf/white/changes.csv",
        '"2024/a.json","2024-01-01T00:00:00Z"\n',
    )
    fetcher.serve(
        "https://example.com/.well-known/csaf/white/2024/a.json",
        (CORPUS / "csaf" / "oasis-bsi-2022-0001.json").read_bytes(),
        content_type="application/json",
    )
    fetcher.serve(
        "https://example.com/",
        "<html></html>",
        content_type="text/html",
        headers={"Strict-Transport-Security": "max-age=63072000; includeSubDomains"},
    )


def test_the_checks_are_the_registrys() -> None:
    assert list(CHECKS) == list(registry.CHECKS)
    for check_id, check in CHECKS.items():
        assert check.id == check_id
        assert isinstance(check.version, str)
        assert check.version


def test_an_unknown_check_is_a_key_error_that_names_it() -> None:
    with pytest.raises(KeyError, match="security-txt-typo"):
        get_check("security-txt-typo")


def test_an_unknown_check_stops_the_assessment_before_any_fetch(fetcher: FakeFetcher) -> None:
    with pytest.raises(KeyError, match="nope"):
        run(assess_domain(DOMAIN, fetcher, check_ids=["security-txt", "nope"]))
    assert fetcher.requests == []


@pytest.mark.parametrize("domain", ["https://example.com", "example.com/path", "", "exa mple.com"])
def test_a_malformed_domain_is_refused(fetcher: FakeFetcher, domain: str) -> None:
    # The one normaliser the registration form and `accord scan` use refuses it too.
    with pytest.raises(InvalidDomain):
        run(assess_domain(domain, fetcher))


@corpus
def test_an_exemplary_domain_passes_every_check(fetcher: FakeFetcher) -> None:
    exemplary_site(fetcher)
    results = run(assess_domain("Example.COM.", fetcher, now=NOW))
    assert list(results) == list(registry.CHECKS)
    statuses = {check_id: result.status for check_id, result in results.items()}
    assert statuses == dict.fromkeys(registry.CHECKS, Status.PASS), {
        k: v.as_dict() for k, v in results.items() if v.status is not Status.PASS
    }
    assert fetcher.requests.count(WELL_KNOWN) == 1
    assert len(fetcher.requests) == len(set(fetcher.requests))
    assert results["security-txt-signed"].details["fingerprint"]
    for result in results.values():
        json.dumps(result.as_dict())


def test_an_empty_domain_fails_or_errs_but_never_crashes(fetcher: FakeFetcher) -> None:
    results = run(assess_domain(DOMAIN, fetcher, now=NOW))
    assert {r.status for r in results.values()} <= {Status.FAIL, Status.ERROR}
    assert results["security-txt"].errors[0].code == "no_security_txt"
    assert results["https-hsts"].errors[0].code == "no_hsts"
    for result in results.values():
        json.dumps(result.as_dict())


def test_a_dead_domain_is_an_error_everywhere(fetcher: FakeFetcher) -> None:
    for url in (WELL_KNOWN, PMD, "https://example.com/"):
        fetcher.fail(url, "dns_error", "no such host")
    results = run(assess_domain(DOMAIN, fetcher, now=NOW))
    for check_id in ("security-txt", "security-txt-fresh", "csaf-provider", "https-hsts"):
        assert results[check_id].status is Status.ERROR, check_id
        assert results[check_id].errors[0].code == "dns_error"


def test_only_the_requested_checks_run_in_the_requested_order(fetcher: FakeFetcher) -> None:
    results = run(assess_domain(DOMAIN, fetcher, check_ids=["https-hsts", "security-txt"], now=NOW))
    assert list(results) == ["https-hsts", "security-txt"]
    assert PMD not in fetcher.requests


def test_a_crashing_check_is_reported_not_raised(
    fetcher: FakeFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = get_check("https-hsts")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(check, "evaluate", explode)
    results = run(assess_domain(DOMAIN, fetcher, check_ids=["https-hsts", "security-txt"], now=NOW))
    assert results["https-hsts"].status is Status.ERROR
    assert results["https-hsts"].errors[0].code == "internal_error"
    assert results["security-txt"].status is Status.FAIL
