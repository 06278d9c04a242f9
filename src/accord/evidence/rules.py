"""Who may see evidence and ask for scans.

Domains and evidence belong to the member zone of the organisation they were registered
or gathered for: its members and the secretariat read them; those who run the
organisation ask for scans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from accord.access import Permission, Viewer, declare
from accord.accounts import selectors as accounts
from accord.accounts.rules import OrganisationQuerySet

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
