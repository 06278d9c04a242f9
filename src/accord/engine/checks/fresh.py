"""The `security-txt-fresh` check: the `Expires` date is in the future, but not too far.

RFC 9116 section 2.5.5: `Expires` MUST be present once, in the Internet date/time format
of RFC 3339, and it is RECOMMENDED to be less than a year into the future. Accord also
warns when fewer than 30 days are left, so a member can renew before the file lapses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dateutil.parser
from dateutil.relativedelta import relativedelta

from accord.engine.checks.base import AssessmentContext, verdict
from accord.engine.checks.securitytxt import (
    SECTXT_MESSAGES,
    SecurityTxtParser,
    SecurityTxtRetrieval,
    absent_result,
    parse_security_txt,
    retrieve_security_txt,
)
from accord.engine.types import CheckResult, Finding, Status

SOON = timedelta(days=30)


def parse_expires(value: str) -> datetime | None:
    """The date of an `Expires` value, or None when it is not an RFC 3339 date-time."""
    if not SecurityTxtParser.iso8601_re.match(value):
        return None
    try:
        return dateutil.parser.parse(value)
    except (OverflowError, ValueError):
        return None


class SecurityTxtFreshCheck:
    """security.txt's Expires is more than 30 days and less than a year away."""

    id = "security-txt-fresh"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> SecurityTxtRetrieval:
        return await retrieve_security_txt(ctx)

    def evaluate(self, retrieved: SecurityTxtRetrieval, *, now: datetime) -> CheckResult:
        parser = parse_security_txt(retrieved, now=now)
        if parser is None:
            return absent_result(self.id, retrieved)
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        values = parser.fields("expires")
        result = CheckResult(self.id, Status.FAIL, url=retrieved.url)
        if not values:
            result.errors.append(Finding("no_expire", SECTXT_MESSAGES["no_expire"]))
            return result
        if len(values) > 1:
            result.errors.append(Finding("multi_expire", SECTXT_MESSAGES["multi_expire"]))
        expires = parse_expires(values[0])
        if expires is None:
            result.errors.append(Finding("invalid_expiry", SECTXT_MESSAGES["invalid_expiry"]))
            result.details["expires"] = values[0]
            return result
        result.details.update(
            expires=expires.isoformat(), days_left=(expires - now) // timedelta(days=1)
        )
        _judge(result, expires, now)
        return result


def _judge(result: CheckResult, expires: datetime, now: datetime) -> None:
    if expires <= now:
        result.errors.append(Finding("expired", SECTXT_MESSAGES["expired"]))
    elif expires - now < SOON:
        result.recommendations.append(
            Finding("expires_soon", "The file expires in less than 30 days; renew it.")
        )
    elif expires > now + relativedelta(years=1):
        result.recommendations.append(Finding("long_expiry", SECTXT_MESSAGES["long_expiry"]))
    result.status = verdict(result.errors, result.recommendations)
