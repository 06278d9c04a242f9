"""The secretariat's workspace overview: one figure from each app that asks for the
secretariat's attention, read through that app's selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.commitments import selectors as commitments
from accord.evidence import selectors as evidence
from accord.notifications import selectors as notifications


@dataclass(frozen=True)
class Overview:
    """What waits for the secretariat, in counts."""

    active: int
    suspended: int
    awaiting_review: int
    failing_domains: int
    lapsed: int
    in_grace: int
    outbox: int
    applications: int
    disputes: int
    lapsed_domains: int
    people: int
    deactivated: int


def overview(user: Any) -> Overview | None:
    """The counts of the workspace, for those who administer the instance; else None."""
    if not has_perm(user, Permission.INSTANCE_ADMIN):
        return None
    standings = accounts.organisation_facets(user).standings
    lapses = commitments.lapses(user)
    in_grace = sum(lapse.in_grace for lapse in lapses)
    return Overview(
        active=standings.get("active", 0),
        suspended=standings.get("suspended", 0),
        awaiting_review=commitments.documents_awaiting_review(user) or 0,
        failing_domains=evidence.failing_domain_count(user),
        lapsed=len(lapses) - in_grace,
        in_grace=in_grace,
        outbox=notifications.outbox(user).count(),
        applications=accounts.applications_for(user, state="pending").count(),
        disputes=len(evidence.disputes(user) or []),
        lapsed_domains=evidence.lapsed_domains(user).count(),
        people=accounts.account_count(user, active=True) or 0,
        deactivated=accounts.account_count(user, active=False) or 0,
    )
