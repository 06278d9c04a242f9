"""Which organisations coordinate: public knowledge, so reporters can choose one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.accounts import selectors as accounts
from accord.cvd.models import Coordinator

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accord.accounts.models import Organisation


def coordinator_organisations() -> QuerySet[Organisation]:
    """The organisations in good standing that act as coordinators, by name."""
    ids = Coordinator.objects.values("organisation_id")
    return accounts.organisations_in_good_standing().filter(pk__in=ids).order_by("name")


def coordinator_choices() -> list[tuple[str, str]]:
    """The coordinators a reporter may send a report to: (slug, name)."""
    return list(coordinator_organisations().values_list("slug", "name"))


def coordinator_with_slug(slug: str) -> Organisation | None:
    """The coordinator organisation in good standing with this slug, or None."""
    if not slug or len(slug) > 100:
        return None
    return coordinator_organisations().filter(slug=slug).first()


def is_coordinator(organisation: Organisation) -> bool:
    return Coordinator.objects.filter(organisation=organisation).exists()
