"""Reading what a badge and its verification page show.

A badge exists only for an organisation that opted in (`PublicationPreference.badges`)
and a profile of the catalogue; anything else is None, and the views answer 404, so a
badge URL does not tell whether an organisation exists.

The page is public and the same for every viewer, so evidence is linked only where it is
already public: an attestation, or an accepted document, that the organisation marked
public under a published profile (the proof querysets' `visible_to` for an anonymous
visitor, which is the `PROOF_VIEW` rule); and for an automated practice the address the
check read, when the organisation publishes its profile (its domains are member-zone
data otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.urls import reverse

from accord.accounts import selectors as accounts
from accord.badges.render import verified_percent
from accord.catalogue import selectors as catalogue
from accord.commitments import selectors as commitments
from accord.commitments.status import Status

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.catalogue.models import Practice, Profile
    from accord.commitments.models import (
        Attestation,
        Commitment,
        EvidenceDocument,
        PublicationPreference,
    )
    from accord.evidence.models import Observation

DIRECTORY_PAGE_SIZE = 24

NOT_COMMITTED = "not_committed"
STATUS_LABELS = {**dict(Status.choices), NOT_COMMITTED: "Not committed"}


@dataclass(frozen=True)
class EvidenceLink:
    """One piece of public evidence: what it is, and where to read it (if anywhere)."""

    label: str
    url: str = ""


@dataclass(frozen=True)
class PracticeStanding:
    """Where the organisation stands on one practice of the profile."""

    practice: Practice
    status: str
    since: datetime | None = None
    evidence: list[EvidenceLink] = field(default_factory=list)
    grace_until: date | None = None  # verified, but failing evidence: when it lapses

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ProfileStanding:
    """An organisation's standing on every practice of one profile, at `computed_at`."""

    organisation: Organisation
    profile: Profile
    practices: list[PracticeStanding]
    computed_at: datetime

    @property
    def total(self) -> int:
        return len(self.practices)

    @property
    def verified(self) -> int:
        return sum(1 for row in self.practices if row.status == Status.VERIFIED)

    @property
    def percent(self) -> int:
        return verified_percent(self.verified, self.total)


def _serves_badges(organisation: Organisation) -> bool:
    # A suspended organisation shows nothing publicly, whatever it chose.
    return organisation.in_good_standing and commitments.publication_of(organisation).badges


def _badge_source(organisation_slug: str) -> tuple[Organisation, PublicationPreference] | None:
    # The organisation and its publication choices, read once, if it serves badges.
    organisation = accounts.organisation_with_slug(organisation_slug)
    if organisation is None or not organisation.in_good_standing:
        return None
    publication = commitments.publication_of(organisation)
    return (organisation, publication) if publication.badges else None


def badge_organisation(organisation_slug: str) -> Organisation | None:
    """The organisation, if it serves badges (and is in good standing)."""
    source = _badge_source(organisation_slug)
    return source[0] if source is not None else None


def serves_badges(organisation: Organisation) -> bool:
    """Whether the organisation opted in to public badges."""
    return bool(commitments.publication_of(organisation).badges)


def badge_profiles(organisation: Organisation) -> list[Profile]:
    """The profiles the organisation has a badge for: those it committed to a practice of,
    while it serves badges; none otherwise."""
    if not _serves_badges(organisation):
        return []
    return catalogue.profiles_with_practices(commitments.committed_practice_ids(organisation))


def profile_standing(
    *, organisation_slug: str, profile_slug: str, now: datetime, with_evidence: bool = True
) -> ProfileStanding | None:
    """The organisation's standing on the profile, or None when there is no badge to show."""
    source = _badge_source(organisation_slug)
    profile = catalogue.get_profile(profile_slug) if source is not None else None
    if source is None or profile is None:
        return None
    organisation, publication = source
    practices: list[Practice] = list(profile.current_practices)  # type: ignore[attr-defined]
    found = commitments.commitments_with_public_proof(
        organisation, practices, with_proof=with_evidence
    )
    # Observations show only where the organisation also made its profile public.
    public = with_evidence and publication.public_profile
    observed = commitments.latest_by_check(organisation) if public else {}
    rows = []
    for practice in practices:
        commitment = found.get(practice.pk)
        if commitment is None:
            rows.append(PracticeStanding(practice, NOT_COMMITTED))
            continue
        evidence = _evidence(commitment, observed) if with_evidence else []
        grace = commitments.grace_period_end(commitment, now=now) if with_evidence else None
        rows.append(
            PracticeStanding(practice, commitment.status, commitment.status_since, evidence, grace)
        )
    return ProfileStanding(organisation, profile, rows, computed_at=now)


def _evidence(commitment: Commitment, observed: dict[str, list[Observation]]) -> list[EvidenceLink]:
    check_id = commitment.practice.check_id
    links = [_observation_link(o) for o in observed.get(check_id, [])] if check_id else []
    links += [_attestation_link(a) for a in commitment.attestations.all()]
    links += [_document_link(d) for d in commitment.documents.all()]
    return links


def _observation_link(observation: Observation) -> EvidenceLink:
    label = f"{observation.check_title} on {observation.domain_name}: {observation.status}"
    url = str(observation.result.get("url") or "")
    return EvidenceLink(label, url if url.startswith("https://") else "")


def _document_link(document: EvidenceDocument) -> EvidenceLink:
    return EvidenceLink(f"Document {document.filename}, accepted", _document_url(document))


def _attestation_link(attestation: Attestation) -> EvidenceLink:
    return EvidenceLink(
        f"Attestation of {attestation.declared_at:%Y-%m-%d}: {attestation.text[:200]}"
    )


def _document_url(document: EvidenceDocument) -> str:
    return reverse("commitments:document", args=[document.pk])


# The directory of published scorecards ----------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    """One organisation that publishes its scorecard: how far it is, and its badges."""

    organisation: Organisation
    commitments: int
    verified: int
    badges: list[Profile]

    @property
    def percent(self) -> int:
        return verified_percent(self.verified, self.commitments)


@dataclass(frozen=True)
class Directory:
    """One page of the directory, for `search`."""

    page: Page[Any]
    entries: list[DirectoryEntry]
    search: str


def directory(*, search: str = "", page: Any = 1) -> Directory:
    """The organisations that publish their scorecard, a page at a time, by name. A page
    number that is not one gives the nearest page (the first, or the last)."""
    preferences = commitments.published_scorecards(search=search)
    found = Paginator(preferences, DIRECTORY_PAGE_SIZE).get_page(page)
    shown: list[PublicationPreference] = list(found.object_list)
    totals = commitments.scorecard_totals([p.organisation_id for p in shown])
    entries = []
    for preference in shown:
        organisation = preference.organisation
        total, verified = totals.get(organisation.pk, (0, 0))
        entries.append(DirectoryEntry(organisation, total, verified, _published_badges(preference)))
    return Directory(page=found, entries=entries, search=search.strip())


def _published_badges(preference: PublicationPreference) -> list[Profile]:
    if not preference.badges:
        return []
    practices = commitments.committed_practice_ids(preference.organisation)
    return catalogue.profiles_with_practices(practices)
