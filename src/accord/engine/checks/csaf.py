"""The CSAF checks: `csaf-provider` and `csaf-security-txt` (CSAF 2.0, section 7).

Discovery follows CSAF 2.0 section 7.3.1 ("Finding provider-metadata.json"): the well-known
URL (requirement 9), then every `CSAF` field of security.txt (requirement 8), and only when
neither gave a candidate, the DNS path `https://csaf.data.security.<domain>/`
(requirement 10). The first candidate that answers with provider metadata is the one used.

Then the provider metadata is validated against the CSAF 2.0 provider schema, each
distribution is fetched (a directory's index.txt and changes.csv, requirements 12-13, or
its ROLIE feeds, requirement 15), and one advisory listed there is fetched and validated
against the CSAF 2.0 advisory schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from accord.engine import limits
from accord.engine.checks.base import (
    HOST_FAILURES,
    AssessmentContext,
    answered,
    describe_outcome,
    fetch_error_result,
    is_https,
    success,
    verdict,
)
from accord.engine.checks.securitytxt import (
    SecurityTxtRetrieval,
    absent_result,
    parse_security_txt,
    retrieve_security_txt,
)
from accord.engine.types import (
    FETCH_ERROR_CODES,
    CheckResult,
    FetchError,
    FetchOutcome,
    Finding,
    Status,
)

METADATA_MAX_BYTES = 1_048_576
LISTING_MAX_BYTES = 262_144  # only the first entries of index.txt and changes.csv are used
ADVISORY_MAX_BYTES = 16_777_216
MAX_DISTRIBUTIONS = 3
MAX_FEEDS = 3
MAX_SCHEMA_FINDINGS = 10
# The fetcher caps the size; these cap the nesting and the time of reading what it got.
# Deep enough for an advisory's product tree (each branch level is two), shallow enough
# for the schema validator's recursion.
METADATA_LIMITS = limits.Limits(max_bytes=METADATA_MAX_BYTES, max_depth=32, max_seconds=1.0)
LISTING_LIMITS = limits.Limits(max_bytes=LISTING_MAX_BYTES, max_seconds=1.0)
ADVISORY_LIMITS = limits.Limits(max_bytes=ADVISORY_MAX_BYTES, max_depth=64, max_seconds=2.0)


@dataclass(frozen=True)
class Fetched:
    """One URL the discovery looked at: `role` says what it was expected to be."""

    role: str
    url: str
    outcome: FetchOutcome | None  # None: not fetched (not HTTPS)


@dataclass(frozen=True)
class CsafDiscovery:
    domain: str
    candidates: tuple[Fetched, ...]
    chosen: Fetched | None = None
    distributions: tuple[Fetched, ...] = ()
    advisory: Fetched | None = None


def load_json(outcome: FetchOutcome | None, within: limits.Limits = METADATA_LIMITS) -> Any:
    """The JSON body of a successful response, or None (also when it is over `within`)."""
    try:
        return parse_json(outcome, within)
    except limits.ParseRefused:
        return None


def parse_json(outcome: FetchOutcome | None, within: limits.Limits = METADATA_LIMITS) -> Any:
    """The JSON body of a successful response, or None when there is no such response;
    raises `limits.ParseRefused` when the body is not JSON or over `within`."""
    response = success(outcome)
    return None if response is None else limits.parse_json(response.body, within)


def looks_like_provider_metadata(document: Any) -> bool:
    """The shape requirement 7 promises, before any schema validation."""
    return isinstance(document, dict) and {"metadata_version", "publisher", "role"} <= set(document)


async def discover(ctx: AssessmentContext) -> CsafDiscovery:
    """Find, fetch and follow the provider metadata once per assessment."""
    return await ctx.once("csaf", lambda: _discover(ctx))


async def _discover(ctx: AssessmentContext) -> CsafDiscovery:
    candidates, chosen = await _find_provider_metadata(ctx)
    if chosen is None:
        return CsafDiscovery(ctx.domain, candidates)
    distributions = tuple(
        [
            await _candidate(ctx, role, url, max_bytes)
            for role, url, max_bytes in distribution_urls(load_json(chosen.outcome))
        ]
    )
    advisory_url = first_advisory_url(distributions)
    advisory = None
    if advisory_url is not None:
        advisory = await _candidate(ctx, "advisory", advisory_url, ADVISORY_MAX_BYTES)
    return CsafDiscovery(ctx.domain, candidates, chosen, distributions, advisory)


async def _find_provider_metadata(
    ctx: AssessmentContext,
) -> tuple[tuple[Fetched, ...], Fetched | None]:
    """CSAF 2.0 section 7.3.1: well-known and security.txt always, the DNS path as last resort."""
    well_known = f"https://{ctx.domain}/.well-known/csaf/provider-metadata.json"
    candidates = [await _candidate(ctx, "well-known", well_known)]
    for url in csaf_fields(await retrieve_security_txt(ctx)):
        candidates.append(await _candidate(ctx, "security.txt", url))
    if not any(_serves_provider_metadata(c) for c in candidates):
        dns_path = f"https://csaf.data.security.{ctx.domain}/"
        candidates.append(await _candidate(ctx, "dns", dns_path))
    chosen = next((c for c in candidates if _serves_provider_metadata(c)), None)
    return tuple(candidates), chosen


def _serves_provider_metadata(candidate: Fetched) -> bool:
    return looks_like_provider_metadata(load_json(candidate.outcome))


# A security.txt may list several CSAF fields, but each is a fetch the file's author
# makes the scanner do: a handful is plenty, and the rest are not followed.
MAX_CSAF_FIELDS = 5


def csaf_fields(retrieved: SecurityTxtRetrieval) -> list[str]:
    parser = parse_security_txt(retrieved, now=None)
    return parser.fields("csaf")[:MAX_CSAF_FIELDS] if parser else []


async def _candidate(
    ctx: AssessmentContext, role: str, url: str, max_bytes: int = METADATA_MAX_BYTES
) -> Fetched:
    if not is_https(url):
        return Fetched(role, url, None)
    return Fetched(role, url, await ctx.fetch(url, max_bytes=max_bytes))


def distribution_urls(metadata: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(role, URL, size cap) of what to fetch for the first few distributions."""
    urls: list[tuple[str, str, int]] = []
    distributions = metadata.get("distributions")
    for distribution in (
        distributions[:MAX_DISTRIBUTIONS] if isinstance(distributions, list) else []
    ):
        if not isinstance(distribution, dict):
            continue
        directory = distribution.get("directory_url")
        if isinstance(directory, str):
            base = directory if directory.endswith("/") else directory + "/"
            urls += [
                (name, base + name, LISTING_MAX_BYTES) for name in ("index.txt", "changes.csv")
            ]
        rolie = distribution.get("rolie")
        feeds = rolie.get("feeds") if isinstance(rolie, dict) else None
        for feed in feeds[:MAX_FEEDS] if isinstance(feeds, list) else []:
            if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                urls.append(("rolie feed", feed["url"], METADATA_MAX_BYTES))
    return urls


def first_advisory_url(distributions: tuple[Fetched, ...]) -> str | None:
    """The first advisory a distribution lists: index.txt, then changes.csv, then ROLIE."""
    for item in distributions:
        response = success(item.outcome)
        entry = _first_entry(item.role, response.body) if response else None
        if entry:
            return urljoin(item.url, entry)
    return None


def _first_entry(role: str, body: bytes) -> str | None:
    if role == "index.txt":
        text = body.decode("utf-8", errors="replace")
        return next((line.strip() for line in text.splitlines() if line.strip()), None)
    try:
        if role == "changes.csv":
            rows = limits.parse_csv(body, LISTING_LIMITS, max_rows=1)
            return rows[0][0].strip() or None if rows and rows[0] else None
        entries = limits.parse_json(body, METADATA_LIMITS)["feed"]["entry"]
        return str(entries[0]["content"]["src"])
    except (limits.ParseRefused, KeyError, IndexError, TypeError):
        return None


class CsafProviderCheck:
    """A valid CSAF 2.0 provider-metadata.json whose distributions answer."""

    id = "csaf-provider"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> CsafDiscovery:
        return await discover(ctx)

    def evaluate(self, retrieved: CsafDiscovery, *, now: datetime) -> CheckResult:
        chosen = retrieved.chosen
        if chosen is None or chosen.outcome is None or isinstance(chosen.outcome, FetchError):
            return _not_found(self.id, retrieved)
        metadata = load_json(chosen.outcome)
        errors, recommendations = _metadata_findings(chosen, metadata)
        errors += _distribution_findings(metadata, retrieved.distributions)
        errors += _advisory_findings(retrieved.advisory)
        return CheckResult(
            self.id,
            verdict(errors, recommendations),
            url=chosen.url,
            errors=errors,
            recommendations=recommendations,
            details={
                "found_via": chosen.role,
                "role": metadata.get("role"),
                "publisher": (metadata.get("publisher") or {}).get("name"),
                "candidates": [
                    {"via": c.role, "url": c.url, "outcome": describe_outcome(c.outcome)}
                    for c in retrieved.candidates
                ],
                "distributions": [
                    {"kind": d.role, "url": d.url, "outcome": describe_outcome(d.outcome)}
                    for d in retrieved.distributions
                ],
                "advisory": retrieved.advisory.url if retrieved.advisory else None,
            },
        )


def _not_found(check_id: str, discovery: CsafDiscovery) -> CheckResult:
    well_known = discovery.candidates[0] if discovery.candidates else None
    outcome = well_known.outcome if well_known else None
    if isinstance(outcome, FetchError) and outcome.code in HOST_FAILURES:
        return fetch_error_result(check_id, outcome)
    tried = "; ".join(f"{c.url} ({describe_outcome(c.outcome)})" for c in discovery.candidates)
    errors = [Finding("no_provider_metadata", f"No provider-metadata.json was found: {tried}.")]
    errors += [
        Finding("provider_metadata_over_limits", f"{c.url}: {reason}.")
        for c in discovery.candidates
        if (reason := _over_limits(c.outcome, METADATA_LIMITS)) is not None
    ]
    return CheckResult(
        check_id,
        Status.FAIL,
        url=well_known.url if well_known else None,
        errors=errors,
        details={"candidates": [c.url for c in discovery.candidates]},
    )


def _over_limits(outcome: FetchOutcome | None, within: limits.Limits) -> str | None:
    """Why a JSON body was not read, if it was for its size, nesting or time."""
    try:
        parse_json(outcome, within)
    except limits.ParseRefused as exc:
        return None if exc.code == limits.MALFORMED else exc.message
    return None


def _metadata_findings(
    chosen: Fetched, metadata: dict[str, Any]
) -> tuple[list[Finding], list[Finding]]:
    from accord.engine.checks import schemas  # imports jsonschema: only when needed

    errors = [
        Finding("provider_metadata_invalid", message)
        for message in schemas.schema_errors(
            schemas.CSAF_PROVIDER_METADATA, metadata, limit=MAX_SCHEMA_FINDINGS
        )
    ]
    recommendations: list[Finding] = []
    outcome = chosen.outcome
    if outcome is not None and not isinstance(outcome, FetchError) and outcome.redirects:
        errors.append(
            Finding(
                "provider_metadata_redirected",
                "provider-metadata.json must be served without redirects (CSAF 2.0 requirement 6).",
            )
        )
    if metadata.get("canonical_url") != chosen.url:
        recommendations.append(
            Finding(
                "canonical_url_mismatch",
                f"canonical_url is {metadata.get('canonical_url')!r}, "
                f"but the file was found at {chosen.url}.",
            )
        )
    return errors, recommendations


def _distribution_findings(metadata: dict[str, Any], fetched: tuple[Fetched, ...]) -> list[Finding]:
    if not metadata.get("distributions"):
        return [
            Finding(
                "no_distributions",
                "The provider metadata lists no distributions (directory or ROLIE).",
            )
        ]
    errors: list[Finding] = []
    for item in fetched:
        if item.outcome is None:
            errors.append(
                Finding(
                    "distribution_not_https",
                    f"{item.url} is not an HTTPS URL (CSAF 2.0 requirement 3).",
                )
            )
        elif not answered(item.outcome):
            code = {
                "index.txt": "index_txt_unreachable",
                "changes.csv": "changes_csv_unreachable",
            }.get(item.role, "rolie_feed_unreachable")
            errors.append(
                Finding(code, f"{item.url} did not answer: {describe_outcome(item.outcome)}.")
            )
        elif item.role == "rolie feed" and not _is_rolie_feed(load_json(item.outcome)):
            reason = _over_limits(item.outcome, METADATA_LIMITS) or "JSON with a 'feed' object"
            errors.append(
                Finding("rolie_feed_invalid", f"{item.url} is not a ROLIE feed ({reason}).")
            )
    return errors


def _is_rolie_feed(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("feed"), dict)


def _advisory_findings(advisory: Fetched | None) -> list[Finding]:
    if advisory is None:
        return [
            Finding(
                "no_advisory_listed",
                "No advisory is listed in index.txt, changes.csv or a ROLIE feed.",
            )
        ]
    if advisory.outcome is None:
        return [
            Finding(
                "advisory_not_https",
                f"{advisory.url} is not an HTTPS URL (CSAF 2.0 requirement 3).",
            )
        ]
    if not answered(advisory.outcome):
        return [
            Finding(
                "advisory_unreachable",
                f"{advisory.url} did not answer: {describe_outcome(advisory.outcome)}.",
            )
        ]
    try:
        document = parse_json(advisory.outcome, ADVISORY_LIMITS)
    except limits.ParseRefused as exc:
        code = {limits.MALFORMED: "advisory_invalid_json"}.get(exc.code, "advisory_over_limits")
        return [Finding(code, f"{advisory.url} is not read: {exc.message}.")]
    if document is None:
        return [Finding("advisory_invalid_json", f"{advisory.url} is not JSON.")]
    from accord.engine.checks import schemas  # imports jsonschema: only when needed

    return [
        Finding("advisory_invalid", f"{advisory.url}: {message}")
        for message in schemas.schema_errors(
            schemas.CSAF_ADVISORY, document, limit=MAX_SCHEMA_FINDINGS
        )
    ]


@dataclass(frozen=True)
class CsafSecurityTxtRetrieval:
    security_txt: SecurityTxtRetrieval
    fields: tuple[Fetched, ...] = ()


class CsafSecurityTxtCheck:
    """security.txt has a CSAF field naming (over HTTPS) a provider-metadata.json that exists."""

    id = "csaf-security-txt"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> CsafSecurityTxtRetrieval:
        security_txt = await retrieve_security_txt(ctx)
        fields = [await _candidate(ctx, "security.txt", url) for url in csaf_fields(security_txt)]
        return CsafSecurityTxtRetrieval(security_txt, tuple(fields))

    def evaluate(self, retrieved: CsafSecurityTxtRetrieval, *, now: datetime) -> CheckResult:
        if retrieved.security_txt.response is None:
            return absent_result(self.id, retrieved.security_txt)
        url = retrieved.security_txt.url
        if not retrieved.fields:
            return CheckResult(
                self.id,
                Status.FAIL,
                url=url,
                errors=[Finding("no_csaf_field", "security.txt has no CSAF field.")],
            )
        errors = [e for f in retrieved.fields for e in _field_findings(f)]
        # Only fetch failures: the check could not judge the fields.
        could_not_judge = errors and all(e.code in FETCH_ERROR_CODES for e in errors)
        return CheckResult(
            self.id,
            Status.ERROR if could_not_judge else verdict(errors, []),
            url=retrieved.fields[0].url,
            errors=errors,
            details={"csaf": [f.url for f in retrieved.fields]},
        )


def _field_findings(field: Fetched) -> list[Finding]:
    if field.outcome is None:
        return [Finding("csaf_not_https", f"The CSAF field {field.url} must use https://.")]
    if isinstance(field.outcome, FetchError):
        return [Finding(field.outcome.code, f"{field.url}: {field.outcome.message}")]
    if not answered(field.outcome):
        return [Finding("csaf_unreachable", f"{field.url} answered HTTP {field.outcome.status}.")]
    if not looks_like_provider_metadata(load_json(field.outcome)):
        return [
            Finding("csaf_not_provider_metadata", f"{field.url} is not a provider-metadata.json.")
        ]
    return []
