"""Reading commitments: scorecards, one commitment with its proof, the review queue, and
what the status derivation needs.

Every selector that answers a person takes the user and returns None (or nothing) for
what they may not see, whether or not it exists; `has_perm` and the `visible_to(user)`
querysets decide, never the caller.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accord.access import scope_of
from accord.accounts import selectors as accounts
from accord.accounts.countries import codes_named
from accord.accounts.permissions import Permission, has_perm
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
    StatusChange,
)
from accord.commitments.status import (
    GRACE,
    PASSING,
    Observed,
    Reviewed,
    Situation,
    combine_domains,
    failing_since,
    next_step,
    worst,
)
from accord.evidence import selectors as evidence

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.catalogue.models import Practice
    from accord.evidence.models import Domain, Observation

# Below this many committed organisations a practice's average would single them out.
MIN_ORGANISATIONS_FOR_AVERAGE = 5


def grace_period() -> timedelta:
    """How long failing evidence leaves a verified commitment verified
    (ACCORD_LAPSE_GRACE_DAYS, 14 by default)."""
    days = getattr(settings, "ACCORD_LAPSE_GRACE_DAYS", None)
    return GRACE if days is None else timedelta(days=float(days))


# What the status derivation reads ------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """The inputs of `status.derive_status` for one commitment."""

    attested: bool
    document_reviews: list[Reviewed]
    observations: list[Observed]
    latest_observation_id: int | None


def proof_for_status(commitment: Commitment, *, now: datetime) -> Proof:
    """Everything the commitment's status is derived from, as the system sees it."""
    documents = commitment.documents.filter(uploaded_at__lte=now)
    reviews = [
        (reviewed_at or uploaded_at, review)
        for uploaded_at, reviewed_at, review in documents.values_list(
            "uploaded_at", "reviewed_at", "review"
        )
    ]
    observations, latest = evidence_series(commitment, now=now)
    return Proof(
        attested=commitment.attestations.filter(declared_at__lte=now).exists(),
        document_reviews=reviews,
        observations=observations,
        latest_observation_id=latest,
    )


def evidence_series(commitment: Commitment, *, now: datetime) -> tuple[list[Observed], int | None]:
    """The organisation's evidence for an automated practice over the commitment's life,
    one status per moment across its registered domains, and the latest observation."""
    practice = commitment.practice
    if practice.verification != "automated" or not practice.check_id:
        return [], None
    start = commitment.committed_at
    rows = evidence.check_history(
        commitment.organisation, practice.check_id, since=start, until=now
    )
    per_domain: dict[Any, list[Observed]] = defaultdict(list)
    for domain_id, observed_at, status, _ in rows:
        per_domain[domain_id].append((observed_at, status))
    latest = max(rows, key=lambda row: (row[1], row[3]))[3] if rows else None
    return combine_domains(per_domain, start=start), latest


# Scorecards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeAverage:
    """How many organisations committed to a practice, and how many of them verified it."""

    organisations: int
    verified: int

    @property
    def shown(self) -> bool:
        return self.organisations >= MIN_ORGANISATIONS_FOR_AVERAGE

    @property
    def share(self) -> float | None:
        """The share of committed organisations that verified it; None when too few."""
        return self.verified / self.organisations if self.shown else None

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


@dataclass(frozen=True)
class CommitmentRow:
    """One commitment as the scorecard and the commitment page show it."""

    commitment: Commitment
    overdue: bool
    next_step: str
    evidence: list[Observation]
    evidence_status: str | None
    evidence_checked_at: datetime | None
    attestations: list[Attestation]
    documents: list[EvidenceDocument]
    history: list[StatusChange]
    coalition: PracticeAverage
    # Verified, but the evidence fails: the day it lapses unless the evidence passes again.
    grace_until: date | None = None

    @property
    def practice(self) -> Any:
        return self.commitment.practice

    @property
    def status(self) -> str:
        return self.commitment.status

    @property
    def passing_domains(self) -> int:
        return sum(observation.status in PASSING for observation in self.evidence)


@dataclass(frozen=True)
class Scorecard:
    organisation: Organisation
    rows: list[CommitmentRow]
    counts: dict[str, int]
    coalition_share: float | None
    is_public: bool
    can_manage: bool
    can_view_evidence: bool
    # The organisation's registered domains whose evidence does not count (control not
    # proven), shown to those who may see its evidence.
    uncounted_domains: list[Domain] = field(default_factory=list)

    @property
    def verified_percent(self) -> int | None:
        total = len(self.rows)
        return round(100 * self.counts.get(Status.VERIFIED, 0) / total) if total else None

    @property
    def coalition_percent(self) -> int | None:
        share = self.coalition_share
        return None if share is None else round(share * 100)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for each status, in the order of the lifecycle."""
        return [(value, label, self.counts.get(value, 0)) for value, label in Status.choices]


def scorecard_organisation(user: Any, slug: str) -> Organisation | None:
    """The organisation if the user may see its scorecard; None whether or not it exists."""
    organisation = accounts.organisation_with_slug(slug)
    if organisation is None or not has_perm(user, Permission.SCORECARD_VIEW, organisation):
        return None
    return organisation


def can_manage(user: Any, organisation: Organisation) -> bool:
    return has_perm(user, Permission.COMMITMENT_MANAGE, organisation)


def scorecard(user: Any, organisation: Organisation, *, now: datetime | None = None) -> Scorecard:
    """Every active commitment of the organisation, as `user` may see it, with the
    coalition's averages. The caller has the organisation from `scorecard_organisation`."""
    moment = now or timezone.now()
    commitments = list(_commitments(user, organisation))
    shows_evidence = has_perm(user, Permission.EVIDENCE_VIEW, organisation)
    rows = _rows(organisation, commitments, moment, shows_evidence=shows_evidence)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    return Scorecard(
        organisation=organisation,
        rows=rows,
        counts=dict(counts),
        coalition_share=_coalition_share(organisation),
        is_public=publication_of(organisation).public_profile,
        can_manage=can_manage(user, organisation),
        can_view_evidence=shows_evidence,
        uncounted_domains=evidence.uncounted_domains(organisation) if shows_evidence else [],
    )


def _commitments(user: Any, organisation: Organisation) -> QuerySet[Commitment]:
    return (
        Commitment.objects.active()
        .visible_to(user)
        .filter(organisation=organisation)
        .select_related("practice__area", "organisation")
        .prefetch_related(
            Prefetch("attestations", queryset=Attestation.objects.visible_to(user)),
            Prefetch("documents", queryset=EvidenceDocument.objects.visible_to(user)),
            "status_changes",
        )
    )


def _rows(
    organisation: Organisation,
    commitments: list[Commitment],
    now: datetime,
    *,
    shows_evidence: bool,
) -> list[CommitmentRow]:
    if not commitments:
        return []
    averages = practice_averages(organisation, [c.practice_id for c in commitments])
    latest = latest_by_check(organisation)
    waiting = set(
        EvidenceDocument.objects.filter(
            commitment__in=commitments, review=EvidenceDocument.Review.PENDING
        ).values_list("commitment_id", flat=True)
    )
    return [
        _row(
            commitment,
            evidence=latest.get(commitment.practice.check_id, [])
            if commitment.practice.verification == "automated"
            else [],
            shows_evidence=shows_evidence,
            awaiting_review=commitment.pk in waiting,
            average=averages.get(commitment.practice_id, PracticeAverage(0, 0)),
            now=now,
        )
        for commitment in commitments
    ]


def latest_by_check(organisation: Organisation) -> dict[str, list[Observation]]:
    """The organisation's latest observation per domain and check, grouped by check."""
    by_check: dict[str, list[Observation]] = defaultdict(list)
    for observation in evidence.latest_observations(organisation):
        by_check[observation.check_id].append(observation)
    return by_check


def _row(
    commitment: Commitment,
    *,
    evidence: list[Observation],
    shows_evidence: bool,
    awaiting_review: bool,
    average: PracticeAverage,
    now: datetime,
) -> CommitmentRow:
    today = timezone.localdate(now)
    overdue = commitment.is_overdue(today=today)
    evidence_status = worst(o.status for o in evidence)
    lapses_on = _lapses_on(commitment, evidence_status, now)
    situation = Situation(
        verification=commitment.practice.verification,
        status=commitment.status,
        overdue=overdue,
        target_date=commitment.target_date,
        awaiting_review=awaiting_review,
        evidence_status=evidence_status,
        lapses_on=lapses_on,
    )
    return CommitmentRow(
        commitment=commitment,
        overdue=overdue,
        next_step=next_step(situation),
        evidence=evidence if shows_evidence else [],
        evidence_status=evidence_status,
        evidence_checked_at=max((o.observed_at for o in evidence), default=None),
        attestations=list(commitment.attestations.all()),
        documents=list(commitment.documents.all()),
        history=list(commitment.status_changes.all()),
        coalition=average,
        grace_until=lapses_on,
    )


def _lapses_on(commitment: Commitment, evidence_status: str | None, now: datetime) -> date | None:
    if commitment.status != Status.VERIFIED or evidence_status in (None, *PASSING):
        return None
    return grace_period_end(commitment, now=now)


def grace_period_end(commitment: Commitment, *, now: datetime) -> date | None:
    """For a verified commitment whose evidence fails (still within the grace period,
    ACCORD_LAPSE_GRACE_DAYS): the day it lapses unless the evidence passes again. None
    for any other commitment: not verified, not automated, or its evidence passes."""
    if commitment.status != Status.VERIFIED or commitment.practice.verification != "automated":
        return None
    series, _ = evidence_series(commitment, now=now)
    since = failing_since(series, now=now)
    return timezone.localdate(since + grace_period()) if since is not None else None


def practice_averages(
    organisation: Organisation, practice_ids: list[int]
) -> dict[int, PracticeAverage]:
    """Per practice: the organisations committed to it and how many verified it.

    Fictional demo organisations are compared only with each other, and neither
    suspended nor removed organisations count.
    """
    rows = (
        _counted_commitments(organisation)
        .filter(practice_id__in=practice_ids)
        .values("practice_id")
        .annotate(
            organisations=Count("organisation", distinct=True),
            verified=Count("organisation", filter=Q(status=Status.VERIFIED), distinct=True),
        )
    )
    return {
        row["practice_id"]: PracticeAverage(row["organisations"], row["verified"]) for row in rows
    }


def _counted_commitments(organisation: Organisation) -> QuerySet[Commitment]:
    """The active commitments the organisation is compared with: of organisations in
    good standing, demo ones only with demo ones."""
    return Commitment.objects.active().filter(
        organisation__in=accounts.organisations_in_good_standing(),
        organisation__is_demo=organisation.is_demo,
    )


def _coalition_share(organisation: Organisation) -> float | None:
    """The share of all active commitments in the coalition that are verified."""
    totals = _counted_commitments(organisation).aggregate(
        organisations=Count("organisation", distinct=True),
        commitments=Count("pk"),
        verified=Count("pk", filter=Q(status=Status.VERIFIED)),
    )
    if totals["organisations"] < MIN_ORGANISATIONS_FOR_AVERAGE:
        return None
    return float(totals["verified"]) / totals["commitments"]


# One commitment ------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentPage:
    row: CommitmentRow
    can_manage: bool
    takes_documents: bool
    can_view_evidence: bool


def commitment_page(
    user: Any, organisation: Organisation, practice_slug: str, *, now: datetime | None = None
) -> CommitmentPage | None:
    """The organisation's active commitment to the practice, as the user may see it."""
    commitment = _commitments(user, organisation).filter(practice__slug=practice_slug).first()
    if commitment is None:
        return None
    shows_evidence = has_perm(user, Permission.EVIDENCE_VIEW, organisation)
    row = _rows(organisation, [commitment], now or timezone.now(), shows_evidence=shows_evidence)[0]
    return CommitmentPage(
        row=row,
        can_manage=can_manage(user, organisation),
        takes_documents=commitment.practice.verification != "automated",
        can_view_evidence=shows_evidence,
    )


def managed_commitment(user: Any, organisation: Organisation, practice_slug: str) -> Commitment:
    """The active commitment for a change; raises Commitment.DoesNotExist if the user may
    not see it. Whether they may change it is the service's to decide."""
    return (
        Commitment.objects.active()
        .visible_to(user)
        .select_related("organisation", "practice")
        .get(organisation=organisation, practice__slug=practice_slug)
    )


def document_for(user: Any, document_id: int) -> EvidenceDocument | None:
    """The document if the user may see it (`PROOF_VIEW`, which is this queryset); None
    whether or not it exists."""
    return (
        EvidenceDocument.objects.visible_to(user)
        .select_related("commitment__organisation", "commitment__practice")
        .filter(pk=document_id)
        .first()
    )


# The secretariat's review queue --------------------------------------------------------

REVIEW_STATES = {
    "pending": "Awaiting review",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "all": "Any",
}
REVIEW_ORDERS = {
    "newest": ("Newest first", ("-uploaded_at", "-pk")),
    "oldest": ("Oldest first", ("uploaded_at", "pk")),
    "organisation": ("Organisation", ("commitment__organisation__name", "-uploaded_at", "-pk")),
    "practice": ("Practice", ("commitment__practice__slug", "-uploaded_at", "-pk")),
}


@dataclass(frozen=True)
class ReviewFilter:
    """Which documents the review queue lists, and in what order (newest first)."""

    state: str = "pending"
    organisation: str = ""
    practice: str = ""
    order: str = "newest"


def can_review(user: Any) -> bool:
    return has_perm(user, Permission.DOCUMENT_REVIEW)


def _reviewable(user: Any) -> QuerySet[EvidenceDocument] | None:
    if not can_review(user):
        return None
    documents = scope_of(user, Permission.DOCUMENT_REVIEW, EvidenceDocument)
    return documents.filter(commitment__withdrawn_at__isnull=True)


def review_documents(user: Any, wanted: ReviewFilter) -> QuerySet[EvidenceDocument] | None:
    """The documents of active commitments that `wanted` asks for, for a person who
    reviews documents; None for anyone else."""
    documents = _reviewable(user)
    if documents is None:
        return None
    if wanted.state in EvidenceDocument.Review.values:
        documents = documents.filter(review=wanted.state)
    if wanted.organisation:
        documents = documents.filter(commitment__organisation__slug=wanted.organisation)
    if wanted.practice:
        documents = documents.filter(commitment__practice__slug=wanted.practice)
    _, order = REVIEW_ORDERS.get(wanted.order, REVIEW_ORDERS["newest"])
    return documents.select_related(
        "commitment__organisation", "commitment__practice", "uploaded_by", "reviewed_by"
    ).order_by(*order)


@dataclass(frozen=True)
class ReviewChoices:
    """The organisations and practices the review queue can be narrowed to: those with
    documents, as (slug, label)."""

    organisations: list[tuple[str, str]]
    practices: list[tuple[str, str]]


def review_choices(user: Any) -> ReviewChoices:
    documents = _reviewable(user)
    if documents is None:
        return ReviewChoices([], [])
    organisations = documents.values_list(
        "commitment__organisation__slug", "commitment__organisation__name"
    ).order_by("commitment__organisation__name")
    practices = documents.values_list(
        "commitment__practice__slug", "commitment__practice__title"
    ).order_by("commitment__practice__slug")
    return ReviewChoices(
        organisations=list(dict.fromkeys(organisations)),
        practices=[(slug, f"{slug}: {title}") for slug, title in dict.fromkeys(practices)],
    )


def documents_awaiting_review(user: Any) -> int | None:
    """How many documents wait for review, for a person who reviews them; else None."""
    documents = _reviewable(user)
    pending = EvidenceDocument.Review.PENDING
    return None if documents is None else documents.filter(review=pending).count()


def document_to_review(user: Any, document_id: int) -> EvidenceDocument | None:
    """The document, for a person who reviews documents; None for anyone else."""
    documents = _reviewable(user)
    if documents is None:
        return None
    related = documents.select_related(
        "commitment__organisation", "commitment__practice", "reviewed_by"
    )
    return related.filter(pk=document_id).first()


# Lapses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lapse:
    """A commitment that lapsed, or that will when its grace period ends (`lapses_on`)."""

    commitment: Commitment
    lapses_on: date | None

    @property
    def in_grace(self) -> bool:
        return self.lapses_on is not None


def lapses(user: Any, *, now: datetime | None = None) -> list[Lapse]:
    """The active commitments, of organisations whose member zone the user may read, that
    have lapsed (latest first), then those verified whose evidence fails now, in their
    grace period (the soonest to lapse first)."""
    moment = now or timezone.now()
    active = (
        Commitment.objects.active()
        .filter(organisation__in=accounts.organisations_for(user))
        .select_related("organisation", "practice")
    )
    lapsed = [
        Lapse(commitment, None)
        for commitment in active.filter(status=Status.LAPSED).order_by("-status_since", "pk")
    ]
    return lapsed + _in_grace(user, active, moment)


def _in_grace(user: Any, active: QuerySet[Commitment], now: datetime) -> list[Lapse]:
    failing = {
        (verdict.domain.organisation_id, verdict.check_id)
        for verdict in evidence.failing_checks(user)
    }
    verified = active.filter(
        status=Status.VERIFIED,
        practice__verification="automated",
        organisation_id__in={organisation for organisation, _ in failing},
    ).order_by("pk")
    found = []
    for commitment in verified:
        if (commitment.organisation_id, commitment.practice.check_id) not in failing:
            continue
        lapses_on = _lapses_on(commitment, "fail", now)
        if lapses_on is not None:
            found.append(Lapse(commitment, lapses_on))
    return sorted(found, key=lambda lapse: lapse.lapses_on or date.max)


# Publication ---------------------------------------------------------------------------


def publication_of(organisation: Organisation) -> PublicationPreference:
    """The organisation's publication preference (unsaved defaults when it has none)."""
    preference = PublicationPreference.objects.filter(organisation=organisation).first()
    return preference or PublicationPreference(organisation=organisation)


def published_scorecards(*, search: str = "") -> QuerySet[PublicationPreference]:
    """The publication preferences of the organisations that publish their scorecard,
    by organisation name, each with its organisation: the public directory. `search`
    matches the name, the sector or the country (by name or code). The same for every
    viewer: a member's own unpublished scorecard is not in a public list."""
    found = PublicationPreference.objects.filter(public_profile=True).select_related("organisation")
    text = search.strip()[:100]
    if text:
        found = found.filter(
            Q(organisation__name__icontains=text)
            | Q(organisation__sector__icontains=text)
            | Q(organisation__country__in=codes_named(text))
        )
    return found.order_by("organisation__name", "organisation_id")


def scorecard_totals(organisation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(active commitments, verified ones) per organisation id."""
    rows = (
        Commitment.objects.active()
        .filter(organisation_id__in=organisation_ids)
        .values("organisation_id")
        .annotate(total=Count("pk"), verified=Count("pk", filter=Q(status=Status.VERIFIED)))
    )
    return {row["organisation_id"]: (row["total"], row["verified"]) for row in rows}


# The API: one organisation, the token's ------------------------------------------------


CommitmentRecord = tuple[int, int, int, datetime, datetime | None, datetime | None]


def member_commitment_rows(*, before: datetime) -> list[CommitmentRecord]:
    """(id, organisation id, practice id, committed at, withdrawn at, first verified at)
    of the commitments made before `before` by the organisations the figures count."""
    return list(
        Commitment.objects.filter(
            organisation__in=accounts.counted_organisations(), committed_at__lt=before
        )
        .order_by("pk")
        .values_list(
            "id", "organisation_id", "practice_id", "committed_at", "withdrawn_at",
            "first_verified_at",
        )
    )  # fmt: skip


def status_change_rows(*, before: datetime) -> list[tuple[int, str, datetime]]:
    """(commitment id, to status, changed at) of every status change before `before`,
    in the order they happened."""
    return list(
        StatusChange.objects.filter(changed_at__lt=before)
        .order_by("changed_at", "pk")
        .values_list("commitment_id", "to_status", "changed_at")
    )


def committed_practice_ids(organisation: Organisation) -> list[int]:
    """The practices the organisation stands committed to (not withdrawn)."""
    active = Commitment.objects.active().filter(organisation=organisation)
    return list(active.values_list("practice_id", flat=True))


def commitments_with_public_proof(
    organisation: Organisation, practices: list[Practice], *, with_proof: bool
) -> dict[int, Commitment]:
    """The organisation's active commitments to these practices, by practice id, with
    the proof an anonymous visitor may see (`PROOF_VIEW`) prefetched if asked for."""
    active = Commitment.objects.active().filter(organisation=organisation, practice__in=practices)
    active = active.select_related("practice")
    if with_proof:
        anonymous = AnonymousUser()
        active = active.prefetch_related(
            Prefetch("attestations", queryset=Attestation.objects.visible_to(anonymous)),
            Prefetch("documents", queryset=EvidenceDocument.objects.visible_to(anonymous)),
        )
    return {commitment.practice_id: commitment for commitment in active}


def commitments_of(organisation: Organisation) -> QuerySet[Commitment]:
    """The organisation's active commitments, for its own API token."""
    return (
        Commitment.objects.active()
        .filter(organisation=organisation)
        .select_related("practice")
        .prefetch_related("status_changes")
    )


def commitment_of(organisation: Organisation, practice_slug: str) -> Commitment | None:
    return commitments_of(organisation).filter(practice__slug=practice_slug).first()
