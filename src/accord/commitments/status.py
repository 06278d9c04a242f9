"""Deriving a commitment's status: pure functions of its proof and evidence, no I/O.

The rules, by how the catalogue says a practice is verified:

`automated:<check>` (the evidence engine decides)
    - verified when the latest observation passes. `warn` counts as passing: the check
      found no error, only recommendations, so the practice is in place with advice.
    - when the evidence fails (`fail` or `error`) after a pass, the commitment stays
      verified for a grace period (default 14 days), measured from the first failing
      observation after the last pass; once the failure has lasted longer, it lapses.
    - the next passing observation makes it verified again.
    - before any pass: implemented if the organisation attested, else committed. A
      commitment lapses only after it was verified; failing from the start is not a lapse.
    - an organisation with several domains passes only when every scanned domain
      passes (the practices say "on every primary domain"): `combine_domains`.

`document` and `attestation` (the secretariat decides)
    - verified when the most recently reviewed document was accepted.
    - lapsed when a document was accepted once but a later one was rejected: the newer
      document is the organisation's current proof, and it does not hold.
    - implemented when a document awaits review or the organisation attested.
    - committed otherwise (also when the only documents were rejected).
    An attestation is the organisation's own word: it makes a practice implemented,
    never verified. For `attestation` practices the catalogue asks for a signed
    declaration; it is verified when the secretariat accepts that declaration uploaded
    as a document, like any other document.

Overdue is not a status: a commitment still committed (or lapsed) after its target date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from accord.commitments.models import Status

GRACE = timedelta(days=14)
PASSING = frozenset({"pass", "warn"})
# The worst status of several domains is the organisation's: fail before error (the
# site answered and is wrong, rather than could not be checked), then warn, then pass.
_SEVERITY = {"pass": 0, "warn": 1, "error": 2, "fail": 3}

ACCEPTED = "accepted"
REJECTED = "rejected"
PENDING = "pending"

Observed = tuple[datetime, str]
Reviewed = tuple[datetime, str]


def derive_status(
    *,
    verification: str,
    attested: bool,
    document_reviews: Sequence[Reviewed],
    observations: Sequence[Observed],
    previous_status: str,
    now: datetime,
    grace: timedelta = GRACE,
) -> tuple[Status, str]:
    """The commitment's status at `now`, and the cause to record when it changes.

    `document_reviews` holds `(moment, review)` per document: when it was reviewed, or
    uploaded while it awaits review. `observations` holds `(observed_at, status)` of the
    organisation's evidence for the practice's check (see `combine_domains`); those
    after `now` are ignored.
    """
    if verification == "automated":
        return _from_evidence(attested, observations, previous_status, now, grace)
    return _from_reviews(attested, document_reviews)


def _declared(attested: bool, what: str) -> tuple[Status, str]:
    if attested:
        return Status.IMPLEMENTED, f"implementation attested; {what}"
    return Status.COMMITTED, what


def _from_evidence(
    attested: bool,
    observations: Sequence[Observed],
    previous_status: str,
    now: datetime,
    grace: timedelta,
) -> tuple[Status, str]:
    series = sorted(item for item in observations if item[0] <= now)
    if not series:
        return _declared(attested, "no evidence observed yet")
    latest_at, latest = series[-1]
    if latest in PASSING:
        again = " again" if previous_status == Status.LAPSED else ""
        advice = " with recommendations" if latest == "warn" else ""
        return Status.VERIFIED, f"evidence passes{again}{advice} ({_day(latest_at)})"
    passes = [index for index, (_, status) in enumerate(series) if status in PASSING]
    if not passes:
        return _declared(attested, f"evidence does not pass yet ({latest}, {_day(latest_at)})")
    failing_since = series[passes[-1] + 1][0]
    if now - failing_since > grace:
        return (
            Status.LAPSED,
            f"evidence has failed since {_day(failing_since)}, "
            f"longer than the {_days(grace)} grace period",
        )
    until = _day(failing_since + grace)
    return Status.VERIFIED, f"evidence fails since {_day(failing_since)}; grace until {until}"


def _from_reviews(attested: bool, reviews: Sequence[Reviewed]) -> tuple[Status, str]:
    reviewed = sorted(item for item in reviews if item[1] in (ACCEPTED, REJECTED))
    waiting = any(review == PENDING for _, review in reviews)
    if reviewed and reviewed[-1][1] == ACCEPTED:
        return Status.VERIFIED, f"document accepted by the secretariat ({_day(reviewed[-1][0])})"
    if any(review == ACCEPTED for _, review in reviewed):
        return (
            Status.LAPSED,
            f"a newer document was rejected ({_day(reviewed[-1][0])}); "
            "the accepted one no longer stands",
        )
    if waiting:
        return Status.IMPLEMENTED, "document uploaded, awaiting review"
    if reviewed:
        return _declared(attested, "document rejected")
    return _declared(attested, "no proof yet")


def combine_domains(
    per_domain: Mapping[Any, Iterable[Observed]], *, start: datetime
) -> list[Observed]:
    """One series for the organisation from each domain's observations of one check.

    At each moment the organisation's status is the worst of each domain's latest
    status. Observations before `start` (the commitment) count only as the state at
    `start`: what happened before the organisation committed is not the commitment's
    history.
    """
    events = sorted(
        (observed_at, key, status)
        for key, observations in per_domain.items()
        for observed_at, status in observations
    )
    latest: dict[Any, str] = {}
    series: list[Observed] = []
    for observed_at, key, status in events:
        latest[key] = status
        moment = max(observed_at, start)
        combined = worst(latest.values()) or status
        if series and series[-1][0] == moment:
            series[-1] = (moment, combined)
        else:
            series.append((moment, combined))
    return series


def worst(statuses: Iterable[str]) -> str | None:
    """The worst of several domains' verdicts: the organisation's; None for none."""
    return max(statuses, key=lambda status: _SEVERITY.get(status, 3), default=None)


def failing_since(observations: Sequence[Observed], *, now: datetime) -> datetime | None:
    """When the current run of failing evidence began, after the last pass; else None."""
    series = sorted(item for item in observations if item[0] <= now)
    if not series or series[-1][1] in PASSING:
        return None
    passes = [index for index, (_, status) in enumerate(series) if status in PASSING]
    return series[passes[-1] + 1][0] if passes else None


@dataclass(frozen=True)
class Situation:
    """What the scorecard knows of one commitment, to say what to do next."""

    verification: str
    status: str
    overdue: bool
    target_date: date
    awaiting_review: bool = False
    evidence_status: str | None = None  # the organisation's combined latest verdict
    lapses_on: date | None = None  # a verified commitment whose evidence fails


def next_step(situation: Situation) -> str:
    """The one thing the organisation should do next, in a sentence."""
    step = _step(situation)
    if situation.overdue:
        return f"Overdue since {situation.target_date:%d %B %Y}. {step}"
    return step


def _step(s: Situation) -> str:
    automated = s.verification == "automated"
    if s.status == Status.VERIFIED:
        if s.lapses_on is not None:
            return (
                f"The evidence fails: fix what the latest observation reports before "
                f"{s.lapses_on:%d %B %Y}, or the commitment lapses."
            )
        if s.evidence_status == "warn":
            return "Verified. The latest observation has recommendations worth following."
        return "Verified. Nothing to do but keep it so."
    if automated:
        if s.evidence_status is None:
            return (
                "Register your domains and put the practice in place; the evidence engine "
                "verifies it at the next scan."
            )
        return "Fix what the latest observation reports; the next passing scan verifies it."
    if s.awaiting_review:
        return "A document awaits the secretariat's review; nothing to do until then."
    if s.status == Status.LAPSED:
        return "Upload a document that meets the practice; the latest one was rejected."
    if s.verification == "attestation" and s.status == Status.COMMITTED:
        return (
            "Attest the implementation, and upload the signed declaration the practice asks "
            "for; the secretariat's acceptance verifies it."
        )
    return "Upload the document the practice asks for; the secretariat's acceptance verifies it."


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _days(grace: timedelta) -> str:
    days = grace / timedelta(days=1)
    return f"{days:g}-day"
