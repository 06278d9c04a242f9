"""Planning one demo organisation's history, and replaying the status rules over it.

Pure but for `CatalogueView.load`: a plan is drawn from the organisation's own seeded
generator, and `replay_status` runs `accord.commitments.status.derive_status` at each moment
the commitment's proof or evidence changed, as the services would have.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from accord.accounts.models import Organisation
from accord.catalogue.models import Practice, Profile
from accord.commitments.models import EvidenceDocument, Status
from accord.commitments.status import GRACE, combine_domains, derive_status
from accord.demo.adoption.organisations import join_moment, rng_for
from accord.engine.registry import CHECKS

# The daily refresh that turns a long failure into a lapse runs at this time of day.
DAILY_REFRESH = time(2, 0, tzinfo=UTC)
# How long an organisation of each size takes, relative to a medium one.
SIZE_PACE = {"micro": 1.5, "small": 1.3, "medium": 1.0, "large": 0.9, "enterprise": 0.8}

# The profiles an organisation of a sector starts with: (profile, probability).
SECTOR_PROFILES = {
    "software": [("cvd-baseline", 1.0), ("supply-chain-baseline", 0.6), ("secure-by-default", 0.5)],
    "cloud": [("cvd-baseline", 1.0), ("secure-by-default", 0.7), ("supply-chain-baseline", 0.4)],
    "iot": [("secure-by-default", 1.0), ("cvd-baseline", 0.8), ("supply-chain-baseline", 0.5)],
    "security": [("cvd-baseline", 1.0), ("sharing-baseline", 0.7)],
    "telecoms": [
        ("cvd-baseline", 1.0),
        ("sharing-baseline", 0.6),
        ("incident-response-baseline", 0.5),
    ],
    "finance": [
        ("incident-response-baseline", 1.0),
        ("sharing-baseline", 0.7),
        ("cvd-baseline", 0.5),
    ],
    "energy": [
        ("incident-response-baseline", 1.0),
        ("sharing-baseline", 0.6),
        ("cvd-baseline", 0.3),
    ],
    "water": [("incident-response-baseline", 1.0), ("sharing-baseline", 0.5)],
    "health": [
        ("incident-response-baseline", 1.0),
        ("cvd-baseline", 0.5),
        ("sharing-baseline", 0.4),
    ],
    "transport": [("incident-response-baseline", 1.0), ("sharing-baseline", 0.5)],
    "manufacturing": [
        ("supply-chain-baseline", 1.0),
        ("cvd-baseline", 0.5),
        ("secure-by-default", 0.4),
    ],
    "media": [("cvd-baseline", 1.0), ("incident-response-baseline", 0.3)],
    "retail": [("cvd-baseline", 1.0), ("incident-response-baseline", 0.4)],
}
LATER_PROFILE_CHANCE = 0.25
NO_OFFENCE_PLEDGE_CHANCE = 0.4
EXTRA_PRACTICE_CHANCE = 0.35
PUBLISH_CHANCE = 0.2
PUBLISHED_BY_DEFAULT = {"aurora-cloud", "delta-payments", "granite-software", "fjord-telecom"}

# Typical days to put a practice in place, by verification method and level.
PACE = {
    ("automated", "baseline"): 45,
    ("automated", "advanced"): 220,
    ("document", "baseline"): 140,
    ("document", "advanced"): 300,
    ("attestation", "baseline"): 25,
    ("attestation", "advanced"): 60,
}
NEVER_DONE = {"baseline": 0.1, "advanced": 0.3}
ALREADY_PASSING = {"https-hsts": 0.55, "security-txt": 0.2}  # before joining, without committing
PASSING_ANYWAY = {"https-hsts": 0.3, "security-txt": 0.1}  # later, without committing
REQUIRES = {
    "security-txt-fresh": ("security-txt",),
    "security-txt-signed": ("security-txt",),
    "security-contact-reachable": ("security-txt",),
    "vdp": ("security-txt",),
    "csaf-security-txt": ("security-txt", "csaf-provider"),
}
MEAN_DAYS_BETWEEN_FAILURES = {"security-txt-fresh": 240}  # expiry dates get missed
DEFAULT_DAYS_BETWEEN_FAILURES = 420


# Planning one organisation's history (pure) ---------------------------------------------


@dataclass(frozen=True)
class PracticeInfo:
    pk: int
    slug: str
    verification: str
    check_id: str
    level: str


@dataclass
class DocumentPlan:
    uploaded_at: datetime
    review: str = EvidenceDocument.Review.PENDING
    reviewed_at: datetime | None = None
    note: str = ""


@dataclass
class CommitmentPlan:
    practice: PracticeInfo
    committed_at: datetime
    target_date: date
    profile: str | None
    done_at: datetime | None  # when the practice is in place, if ever
    attestations: list[datetime] = field(default_factory=list)
    documents: list[DocumentPlan] = field(default_factory=list)
    withdrawn_at: datetime | None = None


@dataclass
class OrganisationPlan:
    joined: datetime
    commitments: list[CommitmentPlan]
    verdicts: dict[str, list[tuple[datetime, str]]]  # check id -> (from, verdict)
    publish: bool
    public_proof: float


@dataclass(frozen=True)
class CatalogueView:
    practices: dict[str, PracticeInfo]
    profiles: dict[str, list[str]]

    @classmethod
    def load(cls) -> CatalogueView:
        practices = {
            p.slug: PracticeInfo(p.pk, p.slug, p.verification, p.check_id, p.level)
            for p in Practice.objects.current()
        }
        profiles = {
            profile.slug: [p.slug for p in profile.practices.all() if p.slug in practices]
            for profile in Profile.objects.prefetch_related("practices")
        }
        return cls(practices, profiles)

    @property
    def loose_practices(self) -> list[str]:
        in_profiles = {slug for slugs in self.profiles.values() for slug in slugs}
        return sorted(set(self.practices) - in_profiles)


def plan_organisation(
    organisation: Organisation, catalogue: CatalogueView, *, now: datetime
) -> OrganisationPlan:
    """One organisation's two years, drawn from its own seeded generator."""
    rng = rng_for(organisation.slug)
    joined = join_moment(rng, now)
    pace = SIZE_PACE.get(organisation.size_band, 1.0) * rng.lognormvariate(0, 0.35)
    batches = _batches(rng, organisation.sector, catalogue, joined, now)
    commitments: dict[str, CommitmentPlan] = {}
    for moment, profile, slugs, horizon in batches:
        for slug in slugs:
            if slug not in commitments:
                commitments[slug] = _commitment(
                    rng, catalogue.practices[slug], moment, profile, horizon, pace, now
                )
    verdicts = _verdicts(rng, list(commitments.values()), joined, now)
    publish = organisation.slug in PUBLISHED_BY_DEFAULT or rng.random() < PUBLISH_CHANCE
    return OrganisationPlan(joined, list(commitments.values()), verdicts, publish, 0.6)


Batch = tuple[datetime, str | None, list[str], int]


def _batches(
    rng: random.Random, sector: str, catalogue: CatalogueView, joined: datetime, now: datetime
) -> list[Batch]:
    """What the organisation commits to and when: (moment, profile, practices, days given)."""
    horizon = rng.choice([180, 270, 365])
    first = [p for p, chance in SECTOR_PROFILES.get(sector, []) if rng.random() < chance]
    batches: list[Batch] = [
        (joined, p, catalogue.profiles[p], horizon) for p in first if p in catalogue.profiles
    ]
    for profile, slugs in catalogue.profiles.items():
        later = joined + timedelta(days=rng.uniform(120, 450))
        if profile not in first and rng.random() < LATER_PROFILE_CHANCE and later < now:
            batches.append((later, profile, slugs, rng.choice([180, 365])))
    pledge = [slug for slug in catalogue.loose_practices if slug.startswith("no-offence.")]
    if rng.random() < NO_OFFENCE_PLEDGE_CHANCE:
        moment = joined + timedelta(days=rng.uniform(0, 200))
        batches.append((min(moment, now - timedelta(days=2)), None, pledge, 90))
    if rng.random() < EXTRA_PRACTICE_CHANCE:
        extra = rng.sample(catalogue.loose_practices, k=min(3, len(catalogue.loose_practices)))
        moment = joined + timedelta(days=rng.uniform(30, 500))
        if moment < now:
            batches.append((moment, None, extra[: rng.randint(1, 3)], 365))
    return sorted(batches, key=lambda batch: batch[0])


def _commitment(
    rng: random.Random,
    practice: PracticeInfo,
    moment: datetime,
    profile: str | None,
    horizon: int,
    pace: float,
    now: datetime,
) -> CommitmentPlan:
    target = (moment + timedelta(days=horizon)).date()
    done_at = None
    if rng.random() >= NEVER_DONE.get(practice.level, 0.1) * max(pace, 0.5):
        days = PACE.get((practice.verification, practice.level), 90) * pace
        done_at = moment + timedelta(days=days * rng.lognormvariate(0, 0.5))
    plan = CommitmentPlan(practice, moment, target, profile, done_at)
    if practice.verification == Practice.Verification.AUTOMATED:
        _automated_proof(rng, plan, now)
    else:
        _document_proof(rng, plan, now)
    if done_at is None or done_at > now:
        _maybe_withdraw(rng, plan, now)
    return plan


def _automated_proof(rng: random.Random, plan: CommitmentPlan, now: datetime) -> None:
    # Some say it is in place before the check agrees (a mistake in the file, say).
    if plan.done_at is not None and rng.random() < 0.25:
        span = (plan.done_at - plan.committed_at) * rng.uniform(0.3, 0.9)
        _add_attestation(plan, plan.committed_at + span, now)


def _document_proof(rng: random.Random, plan: CommitmentPlan, now: datetime) -> None:
    attests = plan.practice.verification == Practice.Verification.ATTESTATION
    if plan.done_at is None:
        if rng.random() < 0.3:  # said to be in progress, never proven
            _add_attestation(plan, plan.committed_at + timedelta(days=rng.uniform(10, 120)), now)
        return
    if attests or rng.random() < 0.4:
        _add_attestation(plan, plan.done_at - timedelta(days=rng.uniform(0, 20)), now)
    accepted = _submit(rng, plan, plan.done_at, now, accept_chance=0.85)
    if accepted is not None and rng.random() < 0.5:
        _submit(rng, plan, accepted + timedelta(days=rng.uniform(330, 380)), now, 0.85)


def _submit(
    rng: random.Random,
    plan: CommitmentPlan,
    uploaded: datetime,
    now: datetime,
    accept_chance: float,
) -> datetime | None:
    """Upload a document, and again after a rejection; returns when one was accepted."""
    for _ in range(3):
        if uploaded >= now:
            return None
        document = DocumentPlan(max(uploaded, plan.committed_at + timedelta(hours=1)))
        plan.documents.append(document)
        reviewed = document.uploaded_at + timedelta(days=rng.uniform(2, 25))
        if reviewed >= now:
            return None
        document.reviewed_at = reviewed
        if rng.random() < accept_chance:
            document.review = EvidenceDocument.Review.ACCEPTED
            return reviewed
        document.review = EvidenceDocument.Review.REJECTED
        document.note = "The document does not show the practice in place; see the practice."
        uploaded = reviewed + timedelta(days=rng.uniform(7, 45))
        accept_chance = 0.95
    return None


def _add_attestation(plan: CommitmentPlan, moment: datetime, now: datetime) -> None:
    moment = max(moment, plan.committed_at + timedelta(hours=1))
    if moment < now:
        plan.attestations.append(moment)


def _maybe_withdraw(rng: random.Random, plan: CommitmentPlan, now: datetime) -> None:
    if plan.attestations or plan.documents or rng.random() >= 0.2:
        return
    moment = datetime.combine(plan.target_date, time(10), tzinfo=UTC)
    moment += timedelta(days=rng.uniform(30, 120))
    if moment < now:
        plan.withdrawn_at = moment


def _verdicts(
    rng: random.Random, commitments: list[CommitmentPlan], joined: datetime, now: datetime
) -> dict[str, list[tuple[datetime, str]]]:
    """Each check's verdicts on the organisation's domain, from the day it joined."""
    done = {
        c.practice.check_id: c.done_at
        for c in commitments
        if c.practice.check_id and c.withdrawn_at is None
    }
    passing_from: dict[str, datetime | None] = {}
    for check_id in CHECKS:
        if check_id in done:
            passing_from[check_id] = done[check_id]
        else:
            passing_from[check_id] = _uncommitted_pass(rng, check_id, joined, now)
    for check_id, needs in REQUIRES.items():
        moments = [passing_from[check_id], *(passing_from[need] for need in needs)]
        passing_from[check_id] = None if None in moments else max(m for m in moments if m)
    return {
        check_id: _series(rng, check_id, joined, passing_from[check_id], now) for check_id in CHECKS
    }


def _uncommitted_pass(
    rng: random.Random, check_id: str, joined: datetime, now: datetime
) -> datetime | None:
    if rng.random() < ALREADY_PASSING.get(check_id, 0.02):
        return joined
    if rng.random() < PASSING_ANYWAY.get(check_id, 0.03):
        return joined + (now - joined) * rng.random()
    return None


def _series(
    rng: random.Random, check_id: str, joined: datetime, passing: datetime | None, now: datetime
) -> list[tuple[datetime, str]]:
    """Failing until `passing`, then passing with the odd failure, short or long."""
    if passing is None or passing >= now:
        return [(joined, "fail")]
    series = [(joined, "fail")] if passing > joined else []
    moment = max(passing, joined)
    series.append((moment, "pass"))
    mean = MEAN_DAYS_BETWEEN_FAILURES.get(check_id, DEFAULT_DAYS_BETWEEN_FAILURES)
    while True:
        moment += timedelta(days=rng.expovariate(1 / mean) + 1)
        if moment >= now:
            return series
        series.append((moment, "fail"))
        long_failure = rng.random() < 0.35
        moment += timedelta(days=rng.uniform(16, 100) if long_failure else rng.uniform(1, 12))
        if moment >= now:
            return series
        series.append((moment, "pass"))


# Replaying the status rules (pure) -------------------------------------------------------


@dataclass(frozen=True)
class Change:
    from_status: str
    to_status: str
    at: datetime
    cause: str
    observed_index: int | None = None  # which of the check's observations, if evidence


def replay_status(
    plan: CommitmentPlan, observed: Sequence[tuple[datetime, str]], *, now: datetime
) -> list[Change]:
    """The status changes the services would record for this commitment, in order.

    `observed` is the stored observations of the practice's check, oldest first.
    """
    committed_at = plan.committed_at
    via = f" (profile {plan.profile})" if plan.profile else ""
    changes = [
        Change(
            "", Status.COMMITTED, committed_at, f"committed{via}, target date {plan.target_date}"
        )
    ]
    automated = plan.practice.verification == Practice.Verification.AUTOMATED
    series = combine_domains({"domain": observed}, start=committed_at) if automated else []
    end = min(now, plan.withdrawn_at or now)
    times = [moment for moment, _ in observed]
    status = Status.COMMITTED
    for moment in _moments(plan, series, end):
        derived, cause = derive_status(
            verification=plan.practice.verification,
            attested=any(at <= moment for at in plan.attestations),
            document_reviews=_reviews_at(plan.documents, moment),
            observations=series,
            previous_status=status,
            now=moment,
        )
        if derived != status:
            index = bisect.bisect_right(times, moment) - 1 if automated else None
            changes.append(Change(status, derived, moment, cause, index if index != -1 else None))
            status = derived
    return changes


def _moments(
    plan: CommitmentPlan, series: list[tuple[datetime, str]], end: datetime
) -> list[datetime]:
    moments = {plan.committed_at, *plan.attestations}
    for document in plan.documents:
        moments.add(document.uploaded_at)
        if document.reviewed_at is not None:
            moments.add(document.reviewed_at)
    moments.update(moment for moment, _ in series)
    moments.update(_lapse_checks(series))
    return sorted(m for m in moments if plan.committed_at <= m <= end)


def _lapse_checks(series: list[tuple[datetime, str]]) -> list[datetime]:
    """The daily refresh after each failure's grace period: when a lapse would be seen."""
    checks = []
    for (_, before), (moment, verdict) in itertools.pairwise(series):
        if before == "pass" and verdict != "pass":
            due = moment + GRACE
            refresh = datetime.combine(due.date(), DAILY_REFRESH)
            checks.append(refresh if refresh > due else refresh + timedelta(days=1))
    return checks


def _reviews_at(documents: list[DocumentPlan], moment: datetime) -> list[tuple[datetime, str]]:
    reviews = []
    for document in documents:
        if document.reviewed_at is not None and document.reviewed_at <= moment:
            reviews.append((document.reviewed_at, document.review))
        elif document.uploaded_at <= moment:
            reviews.append((document.uploaded_at, EvidenceDocument.Review.PENDING))
    return reviews
