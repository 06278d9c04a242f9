"""The `vdp` check: a vulnerability disclosure policy is published, with its key elements.

The policy is the security.txt `Policy` URI (the first HTTPS one), or `options["policy_url"]`.
It must answer over HTTPS with HTML or text. HTML is reduced to its text with the standard
library's `html.parser` (script, style, template and SVG content dropped); the phrase heuristics
below then run on that text only.

The four elements are those ISO/IEC 29147 (5.5, 6.2) expects a vendor's disclosure policy
to state. Each is detected by documented English phrases (`ELEMENTS`). Limits: English
only; a phrase may appear in a sentence that says the opposite ("we do not offer safe
harbour"); a policy written as an image or a PDF cannot be read; a channel given only on a
linked page is not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from html.parser import HTMLParser

from accord.engine.checks.base import (
    AssessmentContext,
    fetch_error_result,
    is_https,
    verdict,
)
from accord.engine.checks.securitytxt import (
    SecurityTxtRetrieval,
    absent_result,
    parse_security_txt,
    retrieve_security_txt,
)
from accord.engine.types import CheckResult, FetchError, FetchOutcome, Finding, Status

MAX_BYTES = 2_097_152
_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty|ninety)"
_DURATION = rf"{_NUMBER}[\s-]+(?:business |working |calendar )?(?:hours?|days?|weeks?|months?)"

# element -> (code, message, patterns). A pattern matching the policy's text means present.
ELEMENTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "scope": (
        "vdp_no_scope",
        "The policy does not say which systems or products it covers (its scope).",
        (r"\bscope\b", r"\bapplies to\b", r"\bcover(?:s|ed by)\b", r"\bin[- ]scope\b"),
    ),
    "reporting_channel": (
        "vdp_no_reporting_channel",
        "The policy does not say how to report a vulnerability.",
        (
            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
            r"\bmailto:",
            r"\b(?:hackerone|bugcrowd|intigriti|yeswehack|openbugbounty)\b",
            r"\b(?:report|submit|send|disclose)\w*\s+(?:\w+\s+){0,4}?"
            r"(?:vulnerabilit|security (?:issue|bug|problem|flaw)|finding|weakness)",
            r"\b(?:web ?form|contact form|report form|submission form)\b",
        ),
    ),
    "response_time": (
        "vdp_no_response_time",
        "The policy does not say how soon reports are acknowledged or answered.",
        (
            rf"\b(?:within|in|up to|no later than|no more than)\s+{_DURATION}\b",
            rf"\b{_DURATION}\s+(?:of|after|from)\s+(?:receipt|receiving|submission|your report)",
            r"\bresponse (?:time|target|timeline)s?\b",
        ),
    ),
    "safe_harbour": (
        "vdp_no_safe_harbour",
        "The policy does not promise researchers safe harbour from legal action.",
        (
            r"\bsafe[- ]?harbou?r\b",
            r"\blegal action\b",
            r"\b(?:prosecute|prosecution|lawsuit|sue you)\b",
            r"\bgood[- ]faith\b",
            r"\bauthori[sz]ed (?:conduct|research|testing|activit)",
        ),
    ),
}
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "svg"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section"}
)


@dataclass(frozen=True)
class VdpRetrieval:
    security_txt: SecurityTxtRetrieval | None
    policy_url: str | None
    outcome: FetchOutcome | None = None


class VdpCheck:
    """The Policy URI answers over HTTPS with scope, reporting channel, response time and safe
    harbour."""

    id = "vdp"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> VdpRetrieval:
        policy_url = ctx.options.get("policy_url")
        security_txt = None
        if not policy_url:
            security_txt = await retrieve_security_txt(ctx)
            parser = parse_security_txt(security_txt, now=None)
            policies = parser.fields("policy") if parser else []
            policy_url = next(
                (p for p in policies if is_https(p)), policies[0] if policies else None
            )
        if policy_url is None or not is_https(policy_url):
            return VdpRetrieval(security_txt, policy_url)
        return VdpRetrieval(
            security_txt, policy_url, await ctx.fetch(policy_url, max_bytes=MAX_BYTES)
        )

    def evaluate(self, retrieved: VdpRetrieval, *, now: datetime) -> CheckResult:
        url, outcome = retrieved.policy_url, retrieved.outcome
        if url is None:
            if retrieved.security_txt is not None and retrieved.security_txt.response is None:
                absent = absent_result(self.id, retrieved.security_txt)
                if absent.status is Status.ERROR:
                    return absent
            return _fail(self.id, None, "no_policy", "No Policy URI was found in security.txt.")
        if not is_https(url):
            return _fail(self.id, url, "policy_not_https", "The Policy URI must use https://.")
        if isinstance(outcome, FetchError):
            return fetch_error_result(self.id, outcome)
        if outcome is None or not 200 <= outcome.status < 300:
            status = outcome.status if outcome is not None else "nothing"
            return _fail(self.id, url, "policy_unreachable", f"The policy answered HTTP {status}.")
        text = policy_text(outcome.headers.get("content-type"), outcome.body)
        if text is None:
            note = Finding(
                "policy_not_text",
                "The policy is neither HTML nor text, so its elements could not be checked.",
            )
            return CheckResult(self.id, Status.WARN, url=url, recommendations=[note])
        return _judge(self.id, url, text)


def _judge(check_id: str, url: str, text: str) -> CheckResult:
    found = find_elements(text)
    missing = [
        Finding(code, message)
        for element, (code, message, _) in ELEMENTS.items()
        if element not in found
    ]
    return CheckResult(
        check_id,
        verdict([], missing),
        url=url,
        recommendations=missing,
        details={"elements": {element: found.get(element) for element in ELEMENTS}},
    )


def find_elements(text: str) -> dict[str, str]:
    """Each element present in `text`, with the phrase that showed it."""
    normalised = " ".join(text.lower().split())
    found: dict[str, str] = {}
    for element, (_, _, patterns) in ELEMENTS.items():
        for pattern in patterns:
            match = re.search(pattern, normalised)
            if match:
                found[element] = match.group(0)
                break
    return found


def policy_text(content_type: str | None, body: bytes) -> str | None:
    """The readable text of a policy page, or None when it is not HTML or text."""
    message = Message()
    message["content-type"] = content_type or "text/plain"
    media = message.get_content_type()
    charset = message.get_content_charset() or "utf-8"
    try:
        decoded = body.decode(charset, errors="replace")
    except LookupError:
        decoded = body.decode("utf-8", errors="replace")
    if media in ("text/html", "application/xhtml+xml"):
        return html_text(decoded)
    if media.startswith("text/"):
        return decoded
    return None


def html_text(html: str) -> str:
    """The text a reader sees, plus mailto: link targets (a channel is often only a link)."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join(extractor.parts)


def _fail(check_id: str, url: str | None, code: str, message: str) -> CheckResult:
    return CheckResult(check_id, Status.FAIL, url=url, errors=[Finding(code, message)])


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.lower().startswith("mailto:"):
                self.parts.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
