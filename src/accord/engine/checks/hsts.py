"""The `https-hsts` check: HTTPS with a valid certificate, and HSTS for at least a year.

The certificate is judged by the fetcher (a TLS failure is `tls_error`). The
Strict-Transport-Security header is parsed as RFC 6797 section 6.1 specifies: `;`-separated
directives, names case-insensitive, values a token or a quoted-string, no directive twice,
`max-age` required (delta-seconds), `includeSubDomains` without a value. A header that does
not conform is one a browser ignores, so it counts as invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from accord.engine.checks.base import AssessmentContext, fetch_error_result, verdict
from accord.engine.types import CheckResult, FetchError, FetchOutcome, Finding, Status

ONE_YEAR = 31_536_000
MAX_BYTES = 65_536
# RFC 9110 tchar
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class HstsSyntaxError(ValueError):
    """The header does not follow RFC 6797's grammar."""


@dataclass(frozen=True)
class HstsRetrieval:
    url: str
    outcome: FetchOutcome


def parse_hsts(value: str) -> dict[str, str | None]:
    """The directives of a Strict-Transport-Security value, names lower-cased.

    Raises HstsSyntaxError when the value is not valid per RFC 6797 section 6.1.
    """
    directives: dict[str, str | None] = {}
    for part in _split_directives(value):
        name, has_value, raw = part.partition("=")
        name = name.strip()
        if not name or not set(name) <= _TOKEN_CHARS:
            raise HstsSyntaxError(f"{name!r} is not a directive name")
        key = name.lower()
        if key in directives:
            raise HstsSyntaxError(f"the {name} directive appears more than once")
        directives[key] = _directive_value(raw.strip()) if has_value else None
    if "max-age" not in directives:
        raise HstsSyntaxError("the max-age directive is missing")
    max_age = directives["max-age"]
    if max_age is None or not max_age.isascii() or not max_age.isdigit():
        raise HstsSyntaxError(f"max-age must be a number of seconds, not {max_age!r}")
    if "includesubdomains" in directives and directives["includesubdomains"] is not None:
        raise HstsSyntaxError("includeSubDomains takes no value")
    return directives


def _split_directives(value: str) -> list[str]:
    """Split on `;` outside quoted strings; empty directives are allowed and dropped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise HstsSyntaxError("a quoted string is not closed")
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _directive_value(raw: str) -> str:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise HstsSyntaxError(f"{raw!r} is not a quoted string")
        inner, out, escaped = raw[1:-1], [], False
        for char in inner:
            if escaped or char != "\\":
                out.append(char)
                escaped = False
            else:
                escaped = True
        return "".join(out)
    if not raw or not set(raw) <= _TOKEN_CHARS:
        raise HstsSyntaxError(f"{raw!r} is not a valid directive value")
    return raw


class HttpsHstsCheck:
    """A valid certificate and Strict-Transport-Security of a year or more."""

    id = "https-hsts"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> HstsRetrieval:
        url = f"https://{ctx.domain}/"
        return HstsRetrieval(url, await ctx.fetch(url, max_bytes=MAX_BYTES))

    def evaluate(self, retrieved: HstsRetrieval, *, now: datetime) -> CheckResult:
        outcome = retrieved.outcome
        if isinstance(outcome, FetchError):
            if outcome.code == "tls_error":
                finding = Finding(
                    "invalid_certificate", f"The TLS connection failed: {outcome.message}"
                )
                return CheckResult(self.id, Status.FAIL, url=retrieved.url, errors=[finding])
            return fetch_error_result(self.id, outcome)
        if urlsplit(outcome.url).scheme.lower() != "https":
            finding = Finding(
                "redirected_to_http", f"HTTPS redirects to plain HTTP ({outcome.url})."
            )
            return CheckResult(self.id, Status.FAIL, url=retrieved.url, errors=[finding])
        header = outcome.headers.get("strict-transport-security")
        if header is None:
            finding = Finding(
                "no_hsts", "The HTTPS response has no Strict-Transport-Security header."
            )
            return CheckResult(self.id, Status.FAIL, url=retrieved.url, errors=[finding])
        return _judge(self.id, retrieved.url, header)


def _judge(check_id: str, url: str, header: str) -> CheckResult:
    details: dict[str, object] = {"header": header}
    try:
        directives = parse_hsts(header)
    except HstsSyntaxError as exc:
        finding = Finding("hsts_invalid", f"Strict-Transport-Security is not valid: {exc}.")
        return CheckResult(check_id, Status.FAIL, url=url, errors=[finding], details=details)
    max_age = int(directives["max-age"] or 0)
    details.update(
        max_age=max_age,
        include_subdomains="includesubdomains" in directives,
        preload="preload" in directives,
    )
    errors = []
    if max_age < ONE_YEAR:
        errors.append(
            Finding(
                "hsts_too_short", f"max-age is {max_age} seconds; it should be at least {ONE_YEAR}."
            )
        )
    return CheckResult(check_id, verdict(errors, []), url=url, errors=errors, details=details)
