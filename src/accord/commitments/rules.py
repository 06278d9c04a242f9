"""Who may see and change commitments, their proof and their scorecards.

Scorecards, commitments and proof are in the member zone of their organisation, and
public once the organisation publishes its profile: attestations and documents only
when marked public, and a document only once the secretariat has accepted it.
Commitments are made and changed by the organisation's own admins; the secretariat
reviews documents but does not commit for anyone. A suspended organisation shows
nothing publicly, and a removed one nothing to anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from accord.access import Permission, Viewer, declare, instance_admin
from accord.accounts import selectors as accounts
from accord.accounts.rules import OrganisationQuerySet, Role, in_good_standing

if TYPE_CHECKING:
    # The querysets' type parameters.
    from accord.commitments.models import Attestation, Commitment, EvidenceDocument  # noqa: F401


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def active(self) -> CommitmentQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def visible_to(self, user: Viewer) -> CommitmentQuerySet:
        """Commitments on the scorecards the user may see: their own organisations' (all,
        for the secretariat) and those of organisations that publish their profile: the
        reach of `SCORECARD_VIEW`."""
        members = Q(organisation__in=accounts.organisations_for(user))
        return self.filter(members | _published("organisation__"))


def _published(via: str) -> Q:
    """Of organisations that publish their profile and are in good standing: a suspended
    organisation shows nothing publicly."""
    return Q(**{f"{via}publication__public_profile": True}) & in_good_standing(via)


def _proof_visible(user: Viewer, *, accepted: str | None) -> Q:
    """The one definition of `PROOF_VIEW`: attestations or documents of the user's own
    organisations (all, for the secretariat), and, for anyone, those marked public of
    organisations that publish their profile; a document only once its review is
    `accepted`."""
    members = Q(commitment__organisation__in=accounts.organisations_for(user))
    published = Q(is_public=True) & _published("commitment__organisation__")
    if accepted is not None:
        published &= Q(review=accepted)
    return members | published


class AttestationQuerySet(models.QuerySet["Attestation"]):
    def visible_to(self, user: Viewer) -> AttestationQuerySet:
        return self.filter(_proof_visible(user, accepted=None))


class EvidenceDocumentQuerySet(models.QuerySet["EvidenceDocument"]):
    def visible_to(self, user: Viewer) -> EvidenceDocumentQuerySet:
        """Documents the user may see; the public never sees one not accepted."""
        return self.filter(_proof_visible(user, accepted=self.model.Review.ACCEPTED))


def _scorecards(organisations: OrganisationQuerySet, user: Viewer) -> OrganisationQuerySet:
    members = organisations.visible_to(user).values("pk")
    return organisations.filter(Q(pk__in=members) | _published(""))


def _administered(organisations: OrganisationQuerySet, user: Viewer) -> OrganisationQuerySet:
    return organisations.joined_by(user, role=Role.ORG_ADMIN)


def _reviewable(documents: EvidenceDocumentQuerySet, user: Viewer) -> EvidenceDocumentQuerySet:
    """Every document, for the secretariat, but those of a removed organisation."""
    if not instance_admin(user):
        return documents.none()
    return documents.filter(commitment__organisation__in=accounts.organisations_for(user))


ORGANISATION = "accounts.Organisation"

declare(Permission.COMMITMENT_MANAGE, owner=__name__, scopes={ORGANISATION: _administered})
declare(
    Permission.SCORECARD_VIEW,
    owner=__name__,
    public=True,
    scopes={ORGANISATION: _scorecards, "commitments.Commitment": CommitmentQuerySet.visible_to},
)
declare(
    Permission.PROOF_VIEW,
    owner=__name__,
    public=True,
    scopes={
        "commitments.Attestation": AttestationQuerySet.visible_to,
        "commitments.EvidenceDocument": EvidenceDocumentQuerySet.visible_to,
    },
)
declare(
    Permission.DOCUMENT_REVIEW,
    owner=__name__,
    allows=instance_admin,
    scopes={"commitments.EvidenceDocument": _reviewable},
)
declare(
    Permission.ASSESSMENT_EXPORT,
    owner=__name__,
    scopes={ORGANISATION: OrganisationQuerySet.visible_to},
)
