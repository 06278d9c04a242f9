"""A stand-in check set with the real one's `assess_domain` signature, for tests.

Two checks on one fetch of /.well-known/security.txt: `security-txt` passes when the
file answers 200 with a Contact field, fails on 404 and is an error when the fetch
fails; `https-hsts` passes with a Strict-Transport-Security header, else warns.
"""

from __future__ import annotations

import datetime as dt
import os

from accord.engine.types import CheckResult, Fetcher, FetchError, FetchOutcome, Finding, Status

STUB_CHECK_IDS = ["security-txt", "https-hsts"]


async def assess_domain(
    domain: str,
    fetcher: Fetcher,
    *,
    check_ids: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, CheckResult]:
    ids = check_ids if check_ids is not None else STUB_CHECK_IDS
    unknown = set(ids) - set(STUB_CHECK_IDS)
    if unknown:
        raise KeyError(f"no such stub check: {sorted(unknown)}")
    url = f"https://{domain}/.well-known/security.txt"
    outcome = await fetcher.get(url, max_bytes=32_768)
    results = {
        "security-txt": _security_txt(url, outcome),
        "https-hsts": _hsts(url, outcome),
    }
    return {check_id: results[check_id] for check_id in ids}


def _security_txt(url: str, outcome: FetchOutcome) -> CheckResult:
    if isinstance(outcome, FetchError):
        finding = Finding(outcome.code, outcome.message)
        return CheckResult("security-txt", Status.ERROR, url, errors=[finding])
    if outcome.status == 200 and b"Contact:" in outcome.body:
        return CheckResult("security-txt", Status.PASS, url)
    finding = Finding("no_security_txt", f"answered {outcome.status} without a Contact field")
    return CheckResult("security-txt", Status.FAIL, url, errors=[finding])


def _hsts(url: str, outcome: FetchOutcome) -> CheckResult:
    if isinstance(outcome, FetchError):
        finding = Finding(outcome.code, outcome.message)
        return CheckResult("https-hsts", Status.ERROR, url, errors=[finding])
    if "strict-transport-security" in outcome.headers:
        return CheckResult("https-hsts", Status.PASS, url)
    finding = Finding("no_hsts", "no Strict-Transport-Security header")
    return CheckResult("https-hsts", Status.WARN, url, recommendations=[finding])


async def assess_domain_with_pid(
    domain: str,
    fetcher: Fetcher,
    *,
    check_ids: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, CheckResult]:
    """`assess_domain`, each result's details naming the process that assessed it."""
    results = await assess_domain(domain, fetcher, check_ids=check_ids, now=now)
    for result in results.values():
        result.details["pid"] = os.getpid()
    return results


async def assess_domain_or_die(
    domain: str,
    fetcher: Fetcher,
    *,
    check_ids: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, CheckResult]:
    """`assess_domain`, but the whole process dies at once on `die.example`."""
    if domain == "die.example":
        os._exit(3)
    return await assess_domain(domain, fetcher, check_ids=check_ids, now=now)
