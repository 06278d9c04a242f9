"""The `security-contact-reachable` check: every security.txt Contact can be used.

- `mailto:` (RFC 6068): each address must be a valid email address. Syntax only: no DNS or
  SMTP probe, which would be slow, unreliable, and noticed by the recipient.
- `tel:` (RFC 3966): a global number (`+` then digits and visual separators, no spaces), or
  a local number with a `phone-context` parameter.
- `https:`: fetched; the final answer must be 2xx or 3xx.
- `http:` is refused (RFC 9116 section 2.5.3 wants web URIs to use https).
- Other URI schemes are noted but not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email

from accord.engine.checks.base import AssessmentContext, describe_outcome, verdict
from accord.engine.checks.securitytxt import (
    SECTXT_MESSAGES,
    SecurityTxtRetrieval,
    absent_result,
    parse_security_txt,
    retrieve_security_txt,
)
from accord.engine.types import CheckResult, FetchError, FetchOutcome, Finding, Status

MAX_FETCHES = 10
MAX_BYTES = 65_536
_GLOBAL_NUMBER = re.compile(r"\+[\d\-.()]*\d[\d\-.()]*")
_LOCAL_NUMBER = re.compile(r"[\dA-Fa-f*#\-.()]*[\dA-Fa-f*#][\dA-Fa-f*#\-.()]*")
_PARAMETER = re.compile(r";[A-Za-z\d-]+(=[^;]*)?")


@dataclass(frozen=True)
class ContactsRetrieval:
    security_txt: SecurityTxtRetrieval
    fetched: tuple[tuple[str, FetchOutcome], ...] = ()


class SecurityContactReachableCheck:
    """Every Contact URI is well formed and its web page answers."""

    id = "security-contact-reachable"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> ContactsRetrieval:
        security_txt = await retrieve_security_txt(ctx)
        parser = parse_security_txt(security_txt, now=None)
        contacts = parser.fields("contact") if parser else []
        web = [c for c in contacts if urlsplit(c).scheme.lower() == "https"][:MAX_FETCHES]
        fetched = [(url, await ctx.fetch(url, max_bytes=MAX_BYTES)) for url in web]
        return ContactsRetrieval(security_txt, tuple(fetched))

    def evaluate(self, retrieved: ContactsRetrieval, *, now: datetime) -> CheckResult:
        parser = parse_security_txt(retrieved.security_txt, now=now)
        if parser is None:
            return absent_result(self.id, retrieved.security_txt)
        url = retrieved.security_txt.url
        contacts = parser.fields("contact")
        if not contacts:
            finding = Finding("no_contact", SECTXT_MESSAGES["no_contact"])
            return CheckResult(self.id, Status.FAIL, url=url, errors=[finding])
        fetched = dict(retrieved.fetched)
        errors: list[Finding] = []
        notifications: list[Finding] = []
        for contact in contacts:
            problem = contact_problem(contact, fetched)
            if problem is not None and problem.code == "contact_not_checked":
                notifications.append(problem)
            elif problem is not None:
                errors.append(problem)
        return CheckResult(
            self.id,
            verdict(errors, []),
            url=url,
            errors=errors,
            notifications=notifications,
            details={"contacts": contacts},
        )


def contact_problem(contact: str, fetched: dict[str, FetchOutcome]) -> Finding | None:
    """What is wrong with one Contact value, or None when it is usable."""
    scheme = urlsplit(contact).scheme.lower()
    if scheme == "mailto":
        return _mailto_problem(contact)
    if scheme == "tel":
        return (
            None
            if valid_tel(contact[4:])
            else Finding("invalid_tel", f"{contact} is not a valid tel: URI (RFC 3966).")
        )
    if scheme == "https":
        return _web_problem(contact, fetched.get(contact))
    if scheme == "http":
        return Finding(
            "contact_not_https", f"{contact} must use https:// (RFC 9116 section 2.5.3)."
        )
    if not scheme:
        hint = " (write it as mailto:...)" if "@" in contact else ""
        return Finding("invalid_contact_uri", f"{contact} is not a URI{hint}.")
    return Finding("contact_not_checked", f"{contact} uses a scheme Accord does not check.")


def valid_email(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def valid_tel(number: str) -> bool:
    """RFC 3966: a global number, or a local number with a phone-context parameter."""
    digits, _, parameters = number.partition(";")
    parameters = ";" + parameters if parameters else ""
    if re.fullmatch(f"(?:{_PARAMETER.pattern})*", parameters) is None:
        return False
    if _GLOBAL_NUMBER.fullmatch(digits):
        return True
    return bool(_LOCAL_NUMBER.fullmatch(digits)) and ";phone-context=" in parameters.lower()


def _mailto_problem(contact: str) -> Finding | None:
    addresses = unquote(contact[len("mailto:") :].split("?", 1)[0])
    invalid = [a for a in addresses.split(",") if not valid_email(a.strip())]
    if invalid or not addresses.strip():
        return Finding("invalid_email", f"{contact} does not hold a valid email address.")
    return None


def _web_problem(contact: str, outcome: FetchOutcome | None) -> Finding | None:
    if outcome is None:
        return Finding("contact_not_checked", f"{contact} was not fetched (too many web contacts).")
    if isinstance(outcome, FetchError) or not 200 <= outcome.status < 400:
        return Finding(
            "contact_unreachable", f"{contact} did not answer: {describe_outcome(outcome)}."
        )
    return None
