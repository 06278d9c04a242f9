"""The `security-txt` check (RFC 9116), and the retrieval every security.txt check shares.

Validation of the file is sectxt's: its `Parser` runs on the fetched bytes and its error,
recommendation and notification codes are reported unchanged. Two differences only:

- sectxt judges `Expires` against the wall clock; here the same rule runs against the
  injected `now`, so evaluation is a pure function.
- the HTTP-level findings sectxt makes in `SecurityTXT` (which does its own unsafe fetching)
  are reproduced with the same codes and messages (`SECTXT_HTTP_CODES`), from the response
  our safe fetcher returned.

What sectxt does not check is added on top with codes of our own (`ACCORD_CODES`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from urllib.parse import urlsplit

import sectxt
from dateutil.relativedelta import relativedelta

from accord.engine.checks.base import (
    HOST_FAILURES,
    AssessmentContext,
    fetch_error_result,
    verdict,
)
from accord.engine.types import CheckResult, FetchError, Finding, Response, Status

WELL_KNOWN_PATH = "/.well-known/security.txt"
LEGACY_PATH = "/security.txt"
MAX_BYTES = 262_144

# sectxt's own codes for what its SecurityTXT class finds over HTTP.
SECTXT_HTTP_CODES = frozenset(
    {"location", "no_content_type", "invalid_media", "invalid_charset", "invalid_cert",
     "no_security_txt"}
)  # fmt: skip
# What Accord adds that sectxt does not check.
ACCORD_CODES = frozenset(
    {"file_too_large", "html_content", "redirected", "redirect_other_host", "unparseable"}
)

# Messages as sectxt 0.9.8 words them, so a finding reads the same whichever tool made it.
SECTXT_MESSAGES = {
    "no_security_txt": "security.txt could not be located.",
    "invalid_cert": "security.txt must be served with a valid TLS certificate.",
    "location": "security.txt was located on the top-level path (legacy place), but must be "
    "placed under the '/.well-known/' path.",
    "no_content_type": "HTTP Content-Type header must be sent.",
    "invalid_media": "Media type in Content-Type header must be 'text/plain'.",
    "invalid_charset": "Charset parameter in Content-Type header must be 'utf-8' if present.",
    "expired": "Date and time in 'Expires' field must not be in the past.",
    "long_expiry": "Date and time in 'Expires' field should be less than a year into the future.",
    "invalid_expiry": "Date and time in 'Expires' field must be formatted according to ISO 8601.",
    "no_expire": "'Expires' field must be present.",
    "multi_expire": "'Expires' field must not appear more than once.",
    "no_contact": "'Contact' field must appear at least once.",
}

_HTML_STARTS = ("<!doctype html", "<html", "<head", "<body", "<meta", "<script", "<title")


@dataclass(frozen=True)
class SecurityTxtRetrieval:
    """Where security.txt was looked for and what answered.

    `response` is set when a file was found at `url`; otherwise `fetch_error` holds the first
    transport failure (if any) and `tried` says what each location returned.
    """

    domain: str
    url: str | None
    response: Response | None
    fetch_error: FetchError | None = None
    tried: tuple[tuple[str, str], ...] = ()
    # The file parsed, by `now`: parsed once however many checks of an assessment ask.
    parsed: dict[datetime | None, SecurityTxtParser | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def final_url(self) -> str | None:
        return self.response.url if self.response is not None else None

    @property
    def urls(self) -> list[str]:
        """The URLs sectxt's Canonical comparison accepts: the first and last of the chain."""
        if self.url is None or self.response is None:
            return []
        if self.response.url and self.response.url != self.url:
            return [self.url, self.response.url]
        return [self.url]


async def retrieve_security_txt(ctx: AssessmentContext) -> SecurityTxtRetrieval:
    """Fetch security.txt once per assessment, however many checks ask for it."""
    return await ctx.once("security.txt", lambda: _locate(ctx))


async def _locate(ctx: AssessmentContext) -> SecurityTxtRetrieval:
    tried: list[tuple[str, str]] = []
    first_error: FetchError | None = None
    for path in (WELL_KNOWN_PATH, LEGACY_PATH):
        url = f"https://{ctx.domain}{path}"
        outcome = await ctx.fetch(url, max_bytes=MAX_BYTES)
        if isinstance(outcome, FetchError):
            tried.append((url, outcome.code))
            first_error = first_error or outcome
            if outcome.code in HOST_FAILURES:
                break
            continue
        if _is_security_txt(outcome, path):
            return SecurityTxtRetrieval(ctx.domain, url, outcome, None, tuple(tried))
        tried.append((url, f"HTTP {outcome.status}"))
    return SecurityTxtRetrieval(ctx.domain, None, None, first_error, tuple(tried))


def _is_security_txt(response: Response, path: str) -> bool:
    # As sectxt: a 200, and a redirect counts only if it ends on a security.txt path.
    if response.status != 200:
        return False
    return not response.redirects or urlsplit(response.url).path.endswith(path)


class SecurityTxtParser(sectxt.Parser):
    """sectxt's parser, judging `Expires` against an injected clock instead of the wall clock.

    With `now=None` it behaves exactly as sectxt does.
    """

    def __init__(self, content: bytes, *, urls: list[str] | None, now: datetime | None) -> None:
        self._now = now if now is None or now.tzinfo else now.replace(tzinfo=UTC)
        super().__init__(content, urls=urls or None, recommend_unknown_fields=True)

    def _parse_expires(self, value: str) -> None:
        errors, recommendations = len(self._errors), len(self._recommendations)
        try:
            super()._parse_expires(value)
        except (OverflowError, ValueError):
            # dateutil raises these for absurd numbers, which sectxt does not catch.
            self._add_error("invalid_expiry", SECTXT_MESSAGES["invalid_expiry"])
            return
        if self._now is None:
            return
        new_errors = self._errors[errors:]
        if any(e["code"] == "invalid_expiry" for e in new_errors):
            return
        del self._errors[errors:]
        del self._recommendations[recommendations:]
        self._errors.extend(e for e in new_errors if e["code"] != "expired")
        if self._expires_date > self._now + relativedelta(years=1):
            self._add_recommendation("long_expiry", SECTXT_MESSAGES["long_expiry"])
        elif self._expires_date < self._now:
            self._add_error("expired", SECTXT_MESSAGES["expired"])

    @property
    def signed(self) -> bool:
        return bool(self._signed)

    def fields(self, name: str) -> list[str]:
        """Every value of the field `name` (case-insensitive), in file order."""
        return [
            line["value"]
            for line in self.lines
            if line["type"] == "field" and line["field_name"] == name.lower()
        ]


def parse_security_txt(
    retrieved: SecurityTxtRetrieval, *, now: datetime | None
) -> SecurityTxtParser | None:
    """Parse the file that was found, or None when there is none or sectxt cannot parse it.

    The parse is kept on `retrieved` (by `now`), so the checks that share a retrieval
    share the parse too; callers only read it.
    """
    if retrieved.response is None:
        return None
    if now in retrieved.parsed:
        return retrieved.parsed[now]
    parser: SecurityTxtParser | None
    try:
        parser = SecurityTxtParser(retrieved.response.body, urls=retrieved.urls, now=now)
    except Exception:  # a crash in the third-party parser is reported as `unparseable`
        parser = None
    retrieved.parsed[now] = parser
    return parser


def absent_result(check_id: str, retrieved: SecurityTxtRetrieval) -> CheckResult:
    """The result of any security.txt check when no file was found."""
    error = retrieved.fetch_error
    if error is not None and error.code == "tls_error":
        # A certificate researchers' tools reject is a finding about the site, not a failed scan.
        invalid_cert = Finding("invalid_cert", SECTXT_MESSAGES["invalid_cert"])
        return CheckResult(check_id, Status.FAIL, url=error.url, errors=[invalid_cert])
    if error is not None:
        return fetch_error_result(check_id, error)
    return CheckResult(
        check_id,
        Status.FAIL,
        url=f"https://{retrieved.domain}{WELL_KNOWN_PATH}",
        errors=[Finding("no_security_txt", SECTXT_MESSAGES["no_security_txt"])],
        details={"tried": [{"url": url, "outcome": outcome} for url, outcome in retrieved.tried]},
    )


def finding(entry: dict[str, object]) -> Finding:
    line = entry.get("line")
    return Finding(
        str(entry["code"]), str(entry["message"]), line if isinstance(line, int) else None
    )


class SecurityTxtCheck:
    """RFC 9116: a valid security.txt at /.well-known/security.txt."""

    id = "security-txt"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> SecurityTxtRetrieval:
        return await retrieve_security_txt(ctx)

    def evaluate(self, retrieved: SecurityTxtRetrieval, *, now: datetime) -> CheckResult:
        response = retrieved.response
        if response is None or retrieved.url is None:
            return absent_result(self.id, retrieved)
        errors = _http_errors(retrieved.url, response)
        recommendations: list[Finding] = []
        notifications: list[Finding] = []
        parser = parse_security_txt(retrieved, now=now)
        if parser is None:
            errors.append(Finding("unparseable", "sectxt could not parse the file at all."))
        else:
            errors += [finding(e) for e in parser.errors]
            recommendations += [finding(r) for r in parser.recommendations]
            notifications += [finding(n) for n in parser.notifications]
        errors += _content_errors(response)
        redirect_recommendations, redirect_notifications = _redirect_findings(
            retrieved.domain, retrieved.url, response
        )
        recommendations += redirect_recommendations
        notifications += redirect_notifications
        return CheckResult(
            self.id,
            verdict(errors, recommendations),
            url=retrieved.url,
            errors=errors,
            recommendations=recommendations,
            notifications=notifications,
            details={
                "final_url": response.url,
                "redirects": list(response.redirects),
                "content_type": response.headers.get("content-type"),
                "signed": bool(parser and parser.signed),
                "validator": f"sectxt {sectxt.__version__}",
            },
        )


def _http_errors(url: str, response: Response) -> list[Finding]:
    """What sectxt's SecurityTXT reports over HTTP, with its codes and messages."""
    errors: list[Finding] = []
    if urlsplit(url).path != WELL_KNOWN_PATH:
        errors.append(Finding("location", SECTXT_MESSAGES["location"]))
    content_type = response.headers.get("content-type")
    if content_type is None:
        errors.append(Finding("no_content_type", SECTXT_MESSAGES["no_content_type"]))
        return errors
    message = Message()
    message["content-type"] = content_type
    params = dict(message.get_params() or [])
    if "text/plain" not in params:
        errors.append(Finding("invalid_media", SECTXT_MESSAGES["invalid_media"]))
    if params.get("charset", "utf-8").lower() not in ("utf-8", "csutf8"):
        errors.append(Finding("invalid_charset", SECTXT_MESSAGES["invalid_charset"]))
    return errors


def _content_errors(response: Response) -> list[Finding]:
    errors: list[Finding] = []
    if response.truncated:
        errors.append(
            Finding(
                "file_too_large",
                f"The file is larger than {MAX_BYTES} bytes; only the start was read.",
            )
        )
    head = response.body[:1024].removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith(tuple(s.encode() for s in _HTML_STARTS)):
        errors.append(
            Finding("html_content", "An HTML page was served instead of a plain-text file.")
        )
    return errors


def _redirect_findings(
    domain: str, url: str, response: Response
) -> tuple[list[Finding], list[Finding]]:
    chain = [url, *response.redirects, response.url]
    if not response.redirects and response.url == url:
        return [], []
    notifications = [
        Finding("redirected", f"The file was served through a redirect to {response.url}.")
    ]
    foreign = sorted(
        {
            host
            for host in (urlsplit(u).hostname or "" for u in chain)
            if host != domain and not host.endswith("." + domain)
        }
    )
    if not foreign:
        return [], notifications
    recommendation = Finding(
        "redirect_other_host",
        "The file was served through a redirect to another host ("
        + ", ".join(foreign)
        + "); RFC 9116 section 3 asks researchers to check such redirects are legitimate.",
    )
    return [recommendation], notifications
