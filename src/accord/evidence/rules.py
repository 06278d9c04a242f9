"""Who may see evidence, ask for scans, prove control of domains and settle disputes.

Domains and evidence belong to the member zone of the organisation they were registered
or gathered for: its members and the secretariat read them; those who run the
organisation ask for scans and check control of its domains. Only the secretariat
awards a contested domain to one organisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from accord.access import Permission, Viewer, declare, everything_if
from accord.accounts import selectors as accounts
from accord.accounts.rules import OrganisationQuerySet, is_secretariat

if TYPE_CHECKING:
    # The querysets' type parameters.
    from accord.evidence.models import Domain, Observation  # noqa: F401


def _of_visible_organisations[QS: models.QuerySet[Any]](objects: QS, user: Viewer) -> QS:
    return objects.filter(organisation__in=accounts.organisations_for(user))


class DomainQuerySet(models.QuerySet["Domain"]):
    def visible_to(self, user: Viewer) -> DomainQuerySet:
        """Domains of the organisations whose member zone the user may read."""
        return _of_visible_organisations(self, user)

    def manageable_by(self, user: Viewer) -> DomainQuerySet:
        """Domains of the organisations the user runs."""
        return self.filter(organisation__in=accounts.organisations_managed_by(user))

    def counting(self) -> DomainQuerySet:
        """Domains whose observations count as evidence: control proven (or demo)."""
        return self.filter(control__in=["verified", "demo"])


class ObservationQuerySet(models.QuerySet["Observation"]):
    def visible_to(self, user: Viewer) -> ObservationQuerySet:
        """Observations of the organisations whose member-zone data the user may read."""
        return _of_visible_organisations(self, user)


ORGANISATION = "accounts.Organisation"
DOMAIN = "evidence.Domain"

declare(
    Permission.EVIDENCE_VIEW,
    owner=__name__,
    scopes={
        ORGANISATION: OrganisationQuerySet.visible_to,
        DOMAIN: DomainQuerySet.visible_to,
        "evidence.Observation": ObservationQuerySet.visible_to,
        "evidence.VerdictChange": _of_visible_organisations,
    },
)
declare(
    Permission.EVIDENCE_SCAN,
    owner=__name__,
    scopes={ORGANISATION: OrganisationQuerySet.manageable_by, DOMAIN: DomainQuerySet.manageable_by},
)
declare(
    Permission.DOMAIN_PROVE,
    owner=__name__,
    scopes={ORGANISATION: OrganisationQuerySet.manageable_by, DOMAIN: DomainQuerySet.manageable_by},
)
declare(
    Permission.DOMAIN_AWARD,
    owner=__name__,
    allows=is_secretariat,
    # The secretariat's, on every claim but those of removed organisations.
    scopes={
        DOMAIN: lambda objects, user: _of_visible_organisations(
            everything_if(is_secretariat)(objects, user), user
        )
    },
)
