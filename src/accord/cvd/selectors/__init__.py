"""The CVD app's reads, each through the permission rules of `accord.cvd.rules`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accord.cvd import rules
from accord.cvd.models import Case

if TYPE_CHECKING:
    from accord.access import Viewer

LEAD = "lead"


def cases_for(user: Viewer) -> QuerySet[Case]:
    """The cases `user` takes part in or leads, newest first."""
    return Case.objects.visible_to(user)


def case_for(user: Viewer, reference: str) -> Case | None:
    """The case `reference` if `user` may see it; None whether or not it exists."""
    if not reference or len(reference) > 20:
        return None
    return cases_for(user).filter(reference=reference).first()


def roles_in(user: Viewer, case: Case) -> frozenset[str]:
    """The roles `user` holds in `case`: its participants' roles, and `lead` for the
    coordinators who lead it."""
    held = set(rules.mine(user).filter(case=case).values_list("role", flat=True))
    if rules.led_cases(user).filter(pk=case.pk).exists():
        held.add(LEAD)
    return frozenset(held)
