"""An organisation's standing with the coalition: suspension, reinstatement and removal.

Only the secretariat decides it, always saying why, and each decision is an audit event
and a notification to the organisation's admins. What a standing means is decided
elsewhere, once: in `accord.accounts.rules` (a suspended organisation's members read its
pages but act for it in nothing, and nothing of it is public; a removed one is outside
every rule) and in `selectors.counted_organisations` (the figures count neither).

Removal keeps the organisation's row, its memberships and its history: the audit log
must still name what it is about. Its API tokens are revoked, for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord import errors
from accord.accounts.models import ApiToken, Membership, Organisation
from accord.accounts.permissions import Permission
from accord.accounts.services._common import AccountError, InvalidInput, _require
from accord.audit.services import record_event
from accord.notifications import services as notifications

MAX_REASON_LENGTH = 2000
Standing = Organisation.Standing
# The audit event's action, by the standing it leads to.
_ACTIONS: dict[str, str] = {
    Standing.ACTIVE: "reinstate",
    Standing.SUSPENDED: "suspend",
    Standing.REMOVED: "remove",
}


class StandingUnchanged(AccountError, errors.Conflict):
    """The organisation has that standing already (suspended twice, say)."""


@transaction.atomic
def suspend_organisation(
    *, organisation: Organisation, reason: str, actor: Any, now: datetime | None = None
) -> Organisation:
    """Suspend the organisation: its members can no longer act for it (commit, upload,
    manage, use its API tokens), its scorecard and badges are not public, and the figures
    leave it out from the next snapshot on, until it is reinstated. Days already stored
    keep their figures. Raises `InvalidInput` without a reason."""
    _require(
        actor,
        Permission.ORGANISATION_SUSPEND,
        organisation,
        "Only the secretariat suspends organisations.",
    )
    locked = _locked(organisation)
    if locked.standing == Standing.SUSPENDED:
        raise StandingUnchanged(f"{locked.name} is suspended already.")
    _change(locked, Standing.SUSPENDED, _reason(reason), actor, now)
    _tell_admins(
        locked,
        subject=f"{locked.name} is suspended",
        body=(
            f"The secretariat suspended {locked.name}: {locked.standing_reason}\n\n"
            "While it is suspended, nobody can act for it and its scorecard is not public."
        ),
    )
    return locked


@transaction.atomic
def reinstate_organisation(
    *, organisation: Organisation, actor: Any, reason: str = "", now: datetime | None = None
) -> Organisation:
    """End a suspension: the organisation is in good standing again."""
    _require(
        actor,
        Permission.ORGANISATION_SUSPEND,
        organisation,
        "Only the secretariat reinstates organisations.",
    )
    locked = _locked(organisation)
    if locked.standing != Standing.SUSPENDED:
        raise StandingUnchanged(f"{locked.name} is not suspended.")
    _change(locked, Standing.ACTIVE, _reason(reason, required=False), actor, now)
    _tell_admins(
        locked,
        subject=f"{locked.name} is reinstated",
        body=f"The secretariat reinstated {locked.name}; you can act for it again.",
    )
    return locked


@dataclass(frozen=True)
class Removal:
    """What removing an organisation did."""

    organisation: Organisation
    tokens_revoked: int


@transaction.atomic
def remove_organisation(
    *, organisation: Organisation, reason: str, actor: Any, now: datetime | None = None
) -> Removal:
    """Remove the organisation from the coalition, for good: it is hidden everywhere and
    its API tokens are revoked. Its record and history stay, for the audit log."""
    _require(
        actor,
        Permission.ORGANISATION_REMOVE,
        organisation,
        "Only the secretariat removes organisations.",
    )
    locked = _locked(organisation)
    if locked.standing == Standing.REMOVED:
        raise StandingUnchanged(f"{locked.name} was removed already.")
    moment = now or timezone.now()
    revoked = ApiToken.objects.active().filter(organisation=locked).update(revoked_at=moment)
    _change(locked, Standing.REMOVED, _reason(reason), actor, moment, tokens_revoked=revoked)
    _tell_admins(
        locked,
        subject=f"{locked.name} is removed",
        body=f"The secretariat removed {locked.name} from the coalition: {locked.standing_reason}",
        link=False,
    )
    return Removal(organisation=locked, tokens_revoked=revoked)


def _locked(organisation: Organisation) -> Organisation:
    return Organisation.all_objects.select_for_update().get(pk=organisation.pk)


def _reason(reason: str, *, required: bool = True) -> str:
    reason = reason.strip()
    if required and not reason:
        raise InvalidInput("Say why; the organisation's admins are told.", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_LENGTH} characters.", field="reason")
    return reason


def _change(
    organisation: Organisation,
    standing: str,
    reason: str,
    actor: Any,
    now: datetime | None,
    **data: Any,
) -> None:
    previous = organisation.standing
    organisation.standing = standing
    organisation.standing_since = now or timezone.now()
    organisation.standing_reason = "" if standing == Standing.ACTIVE else reason
    organisation.save(update_fields=["standing", "standing_since", "standing_reason"])
    record_event(
        tag=f"accounts:organisation:{_ACTIONS[standing]}",
        actor=actor,
        target=organisation,
        organisation=organisation,
        data={"name": organisation.name, "from": previous, "reason": reason, **data},
    )


def _tell_admins(organisation: Organisation, *, subject: str, body: str, link: bool = True) -> None:
    admins = Membership.objects.filter(
        organisation=organisation, role=Membership.Role.ORG_ADMIN
    ).select_related("user")
    notifications.notify(
        recipients=[membership.user for membership in admins],
        kind="accounts:organisation:standing",
        subject=subject,
        body=body,
        link=reverse("accounts:organisation", args=[organisation.slug]) if link else "",
    )
