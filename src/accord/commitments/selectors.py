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

from accord.accounts import selectors as accounts
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
    situation = Situation(
        verification=commitment.practice.verification,
        status=commitment.status,
        overdue=overdue,
        target_date=commitment.target_date,
        awaiting_review=awaiting_review,
        evidence_status=evidence_status,
        lapses_on=_lapses_on(commitment, evidence_status, now),
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
    )


def _lapses_on(commitment: Commitment, evidence_status: str | None, now: datetime) -> date | None:
    if commitment.status != Status.VERIFIED or evidence_status in (None, *PASSING):
        return None
    series, _ = evidence_series(commitment, now=now)
    since = failing_since(series, now=now)
    return timezone.localdate(since + grace_period()) if since is not None else None


def practice_averages(
    organisation: Organisation, practice_ids: list[int]
) -> dict[int, PracticeAverage]:
    """Per practice: the organisations committed to it and how many verified it.

    Fictional demo organisations are compared only with each other.
    """
    rows = (
        Commitment.objects.active()
        .filter(practice_id__in=practice_ids, organisation__is_demo=organisation.is_demo)
        .values("practice_id")
        .annotate(
            organisations=Count("organisation", distinct=True),
            verified=Count("organisation", filter=Q(status=Status.VERIFIED), distinct=True),
        )
    )
    return {
        row["practice_id"]: PracticeAverage(row["organisations"], row["verified"]) for row in rows
    }


def _coalition_share(organisation: Organisation) -> float | None:
    """The share of all active commitments in the coalition that are verified."""
    totals = (
        Commitment.objects.active()
        .filter(organisation__is_demo=organisation.is_demo)
        .aggregate(
            organisations=Count("organisation", distinct=True),
            commitments=Count("pk"),
            verified=Count("pk", filter=Q(status=Status.VERIFIED)),
        )
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


@dataclass(frozen=True)
class ReviewQueue:
    pending: list[EvidenceDocument]
    recent: list[EvidenceDocument]


def review_queue(user: Any, *, recent: int = 20) -> ReviewQueue | None:
    """Documents awaiting review, oldest first, and the latest reviewed; None unless the
    user reviews documents."""
    if not has_perm(user, Permission.DOCUMENT_REVIEW):
        return None
    documents = EvidenceDocument.objects.select_related(
        "commitment__organisation", "commitment__practice", "uploaded_by", "reviewed_by"
    ).filter(commitment__withdrawn_at__isnull=True)
    pending = documents.filter(review=EvidenceDocument.Review.PENDING).order_by("uploaded_at")
    reviewed = documents.exclude(review=EvidenceDocument.Review.PENDING).order_by("-reviewed_at")
    return ReviewQueue(pending=list(pending), recent=list(reviewed[:recent]))


def document_to_review(user: Any, document_id: int) -> EvidenceDocument | None:
    if not has_perm(user, Permission.DOCUMENT_REVIEW):
        return None
    return EvidenceDocument.objects.select_related("commitment").filter(pk=document_id).first()


# Publication ---------------------------------------------------------------------------


def publication_of(organisation: Organisation) -> PublicationPreference:
    """The organisation's publication preference (unsaved defaults when it has none)."""
    preference = PublicationPreference.objects.filter(organisation=organisation).first()
    return preference or PublicationPreference(organisation=organisation)


# The API: one organisation, the token's ------------------------------------------------


CommitmentRecord = tuple[int, int, int, datetime, datetime | None, datetime | None]


def member_commitment_rows(*, before: datetime) -> list[CommitmentRecord]:
    """(id, organisation id, practice id, committed at, withdrawn at, first verified at)
    of the member organisations' commitments made before `before`, for the figures."""
    return list(
        Commitment.objects.filter(organisation__is_member=True, committed_at__lt=before)
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
