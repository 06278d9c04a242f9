"""The automated checks, and `assess_domain`, which runs them against one domain.

Each check retrieves through the fetcher it is given (never the network directly) and
evaluates without I/O. Checks of one assessment share an `AssessmentContext`, so
security.txt and every other URL is fetched once however many checks need it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from accord.engine.checks.base import AssessmentContext, Check
from accord.engine.checks.contacts import SecurityContactReachableCheck
from accord.engine.checks.csaf import CsafProviderCheck, CsafSecurityTxtCheck
from accord.engine.checks.fresh import SecurityTxtFreshCheck
from accord.engine.checks.hsts import HttpsHstsCheck
from accord.engine.checks.securitytxt import SecurityTxtCheck
from accord.engine.checks.signed import SecurityTxtSignedCheck
from accord.engine.checks.vdp import VdpCheck
from accord.engine.domains import normalise_domain
from accord.engine.registry import CHECKS as DEFINITIONS
from accord.engine.types import CheckResult, Fetcher, Finding, Status

__all__ = [
    "CHECKS",
    "AssessmentContext",
    "Check",
    "UnknownCheckError",
    "assess_domain",
    "get_check",
]

logger = logging.getLogger(__name__)

CHECKS: dict[str, Check[Any]] = {
    check.id: check
    for check in (
        SecurityTxtCheck(),
        SecurityTxtSignedCheck(),
        SecurityTxtFreshCheck(),
        VdpCheck(),
        CsafProviderCheck(),
        CsafSecurityTxtCheck(),
        HttpsHstsCheck(),
        SecurityContactReachableCheck(),
    )
}
assert list(CHECKS) == list(DEFINITIONS), "checks and accord.engine.registry disagree"


class UnknownCheckError(KeyError):
    """A check id that is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_check(check_id: str) -> Check[Any]:
    """The check with this id; UnknownCheckError (a KeyError) names the known ones otherwise."""
    try:
        return CHECKS[check_id]
    except KeyError:
        known = ", ".join(CHECKS)
        raise UnknownCheckError(f"unknown check {check_id!r}; known checks: {known}") from None


async def assess_domain(
    domain: str,
    fetcher: Fetcher,
    *,
    check_ids: list[str] | None = None,
    now: datetime | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, CheckResult]:
    """Run the checks (all, or `check_ids` in that order) against `domain`, concurrently.

    `options`: `policy_url` (the disclosure policy to judge when security.txt names none)
    and `openpgp_key` (an armored public key, str or bytes, to verify security.txt with).
    Raises UnknownCheckError for an unknown check id and ValueError for a malformed domain,
    both before any fetch.
    """
    wanted = list(CHECKS) if check_ids is None else check_ids
    checks = [get_check(check_id) for check_id in dict.fromkeys(wanted)]
    ctx = AssessmentContext(normalise_domain(domain), fetcher, options=options or {})
    moment = now or datetime.now(UTC)
    results = await asyncio.gather(*(_run(check, ctx, moment) for check in checks))
    return {check.id: result for check, result in zip(checks, results, strict=True)}


async def _run(check: Check[Any], ctx: AssessmentContext, now: datetime) -> CheckResult:
    try:
        return check.evaluate(await check.retrieve(ctx), now=now)
    except Exception as exc:
        # One broken check must not lose the others' results for this domain.
        logger.exception("check %s failed on %s", check.id, ctx.domain)
        finding = Finding("internal_error", f"{type(exc).__name__}: {exc}")
        return CheckResult(check.id, Status.ERROR, errors=[finding])
