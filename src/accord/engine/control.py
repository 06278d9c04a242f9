"""Proof that an organisation controls a domain, the two ways ACME (RFC 8555) proves it.

The organisation is given a random token for its claim and shows it by either:

- DNS: a TXT record at `_accord-challenge.<domain>` whose value is the token;
- a file: `https://<domain>/.well-known/accord-verification/<token>` whose content is
  the token (white space around it ignored), fetched through the safe fetcher, so its
  address policy, size cap, deadline and redirect rules apply.

As with the checks, retrieving (`check_control`, async I/O) is apart from judging
(`evaluate_txt`, `evaluate_file`: pure functions of what was retrieved). DNS is asked
first; the file is fetched only when DNS does not hold the token.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.engine.dns import TxtLookup, TxtResolver
from accord.engine.types import Fetcher, FetchError, FetchOutcome

CHALLENGE_LABEL = "_accord-challenge"
WELL_KNOWN_PREFIX = "/.well-known/accord-verification/"
# A token file is one short line; a larger answer is not one.
MAX_FILE_BYTES = 1024
SHOWN_VALUE_CHARS = 60

DNS = "dns"
FILE = "file"


def challenge_name(domain: str) -> str:
    """Where the TXT record goes."""
    return f"{CHALLENGE_LABEL}.{domain}"


def challenge_url(domain: str, token: str) -> str:
    """Where the token file goes."""
    return f"https://{domain}{WELL_KNOWN_PREFIX}{token}"


@dataclass(frozen=True)
class MethodResult:
    """What one method found. `code` is stable (`found`, `different_value`, a
    `TXT_ERROR_CODES` or `FETCH_ERROR_CODES` value, `not_found`, `http_status`);
    `message` says it to a person."""

    method: str
    proven: bool
    code: str
    message: str


@dataclass(frozen=True)
class ControlResult:
    """The outcome of one check of control: each method tried, in order."""

    domain: str
    methods: tuple[MethodResult, ...]

    @property
    def proven(self) -> bool:
        return any(method.proven for method in self.methods)

    @property
    def method(self) -> str | None:
        """The method that proved control, if one did."""
        return next((m.method for m in self.methods if m.proven), None)

    @property
    def summary(self) -> str:
        """One line for a person: what each method found."""
        labels = {DNS: "DNS", FILE: "File"}
        return "; ".join(f"{labels[m.method]}: {m.message}" for m in self.methods)


def _shown(value: str) -> str:
    short = value if len(value) <= SHOWN_VALUE_CHARS else value[:SHOWN_VALUE_CHARS] + "…"
    return f'"{short}"'


def evaluate_txt(lookup: TxtLookup, token: str) -> MethodResult:
    """Whether the TXT lookup of the challenge name holds the token."""
    if lookup.error is not None:
        return MethodResult(DNS, False, lookup.error, lookup.message)
    values = [record.strip() for record in lookup.records]
    if token in values:
        return MethodResult(DNS, True, "found", f"the TXT record at {lookup.name} holds the token")
    found = ", ".join(_shown(value) for value in values[:3])
    message = f"TXT record found but holds a different value ({found})"
    return MethodResult(DNS, False, "different_value", message)


def evaluate_file(outcome: FetchOutcome, token: str) -> MethodResult:
    """Whether the fetched token file holds the token."""
    if isinstance(outcome, FetchError):
        reason = {"blocked_address": "refused to fetch the file"}.get(
            outcome.code, "the file could not be fetched"
        )
        return MethodResult(FILE, False, outcome.code, f"{reason}: {outcome.message}")
    if outcome.status == 404:
        return MethodResult(FILE, False, "not_found", "file not found (404)")
    if outcome.status != 200:
        message = f"the server answered HTTP {outcome.status}, not 200"
        return MethodResult(FILE, False, "http_status", message)
    try:
        content = outcome.body.decode("utf-8").strip()
    except UnicodeDecodeError:
        content = None
    if content == token and not outcome.truncated:
        return MethodResult(FILE, True, "found", f"the file at {outcome.url} holds the token")
    shown = _shown(content) if content else "nothing readable"
    message = f"file found but holds a different value ({shown})"
    return MethodResult(FILE, False, "different_value", message)


async def check_control(
    domain: str, token: str, *, resolver: TxtResolver, fetcher: Fetcher
) -> ControlResult:
    """Look for the token in DNS, then (when DNS does not hold it) in the file."""
    by_dns = evaluate_txt(await resolver.txt(challenge_name(domain)), token)
    if by_dns.proven:
        return ControlResult(domain, (by_dns,))
    outcome = await fetcher.get(challenge_url(domain, token), max_bytes=MAX_FILE_BYTES)
    return ControlResult(domain, (by_dns, evaluate_file(outcome, token)))
