"""Who may read and change accounts' resources: organisations, memberships, API tokens,
applications and invitations.

The querysets here are the rules; the models' managers use them, and `has_perm` asks
them (see `accord.access`). Two standings decide everything: the instance role
(`secretariat`) and the role within an organisation (`Role`). An inactive account or a
signed-out visitor holds neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.access import Permission, Viewer, active, declare, everything_if

if TYPE_CHECKING:
    # The querysets' type parameters.
    from accord.accounts.models import (  # noqa: F401
        ApiToken,
        Application,
        Invitation,
        Membership,
        Organisation,
    )


class Role(models.TextChoices):
    """A person's role within one organisation (`Membership.Role`)."""

    ORG_ADMIN = "org_admin", "Organisation admin"
    MEMBER = "member", "Member"


def is_secretariat(user: Viewer) -> bool:
    """An active secretariat admin: the instance's own role, not a membership."""
    return active(user) and bool(getattr(user, "is_secretariat", False))


def _members[QS: models.QuerySet[Any]](
    objects: QS, user: Viewer, *, via: str, role: str | None = None
) -> QS:
    """Objects of organisations the user belongs to (with `role`, if given), whatever
    the user's instance role; `via` is the lookup from the objects to the organisation."""
    if not active(user):
        return objects.none()
    lookups: dict[str, object] = {f"{via}memberships__user": user}
    if role is not None:
        lookups[f"{via}memberships__role"] = role
    return objects.filter(**lookups).distinct()


def _member_zone[QS: models.QuerySet[Any]](
    objects: QS, user: Viewer, *, via: str, role: str | None = None
) -> QS:
    """As `_members`, and everything for the secretariat."""
    return objects.all() if is_secretariat(user) else _members(objects, user, via=via, role=role)


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: Viewer) -> OrganisationQuerySet:
        """Organisations whose member-zone data the user may read: the secretariat all,
        a person those they belong to (`ORGANISATION_VIEW`)."""
        return _member_zone(self, user, via="")

    def manageable_by(self, user: Viewer) -> OrganisationQuerySet:
        """Organisations the user runs: the secretariat all, an org admin their own
        (`ORGANISATION_MANAGE`)."""
        return _member_zone(self, user, via="", role=Role.ORG_ADMIN)

    def joined_by(self, user: Viewer, *, role: str | None = None) -> OrganisationQuerySet:
        """Organisations the user is a member of (with `role`, if given); being
        secretariat does not make someone a member."""
        return _members(self, user, via="", role=role)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def held_by(self, user: Viewer) -> MembershipQuerySet:
        """The user's own memberships (none for an inactive account)."""
        return self.filter(user=user) if active(user) else self.none()

    def role_of(self, user: Viewer, organisation: Organisation | None) -> str | None:
        """The user's role in the organisation, or None."""
        if organisation is None:
            return None
        held = self.held_by(user).filter(organisation=organisation)
        return held.values_list("role", flat=True).first()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )

    def visible_to(self, user: Viewer) -> ApiTokenQuerySet:
        """A token is seen only by the person who created it."""
        return self.filter(user=user) if active(user) else self.none()

    def usable_by(self, user: Viewer) -> ApiTokenQuerySet:
        """The user's own tokens for organisations they still belong to: a token stops
        working the moment its owner leaves (`TOKEN_USE`)."""
        return _members(self.visible_to(user), user, via="organisation__")

    def revocable_by(self, user: Viewer) -> ApiTokenQuerySet:
        """The user's own tokens, and those of the organisations they run."""
        managed = _member_zone(self, user, via="organisation__", role=Role.ORG_ADMIN)
        return self.filter(
            Q(pk__in=self.visible_to(user).values("pk")) | Q(pk__in=managed.values("pk"))
        )

    def showing_contacts_to(self, user: Viewer) -> ApiTokenQuerySet:
        """Tokens that may read members' email addresses: a token acts with its owner's
        role in its organisation (an org admin's), never with the instance-wide role."""
        return _members(self.visible_to(user), user, via="organisation__", role=Role.ORG_ADMIN)


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Viewer) -> ApplicationQuerySet:
        """Applications are read and decided by the secretariat alone
        (`APPLICATION_REVIEW`); the applicant sees theirs through its private link."""
        return self.all() if is_secretariat(user) else self.none()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, user: Viewer) -> InvitationQuerySet:
        """Invitations the user may see and revoke (`INVITATION_MANAGE`): an org admin
        those to their organisation, the secretariat all (to the instance too)."""
        return _member_zone(self, user, via="organisation__", role=Role.ORG_ADMIN)

    def open(self) -> InvitationQuerySet:
        """Pending and not expired: the link still works."""
        return self.filter(state="pending", expires_at__gt=timezone.now())


def _not_secretariat(user: Viewer) -> bool:
    # The instance's admins always keep a second factor.
    return not is_secretariat(user)


ORGANISATION = "accounts.Organisation"
TOKEN = "accounts.ApiToken"  # noqa: S105 (a model label)
APPLICATION = "accounts.Application"
INVITATION = "accounts.Invitation"

declare(Permission.INSTANCE_ADMIN, owner=__name__, allows=is_secretariat)
declare(Permission.ORGANISATION_CREATE, owner=__name__, allows=is_secretariat)
declare(
    Permission.ORGANISATION_VIEW,
    owner=__name__,
    scopes={ORGANISATION: OrganisationQuerySet.visible_to},
)
declare(
    Permission.ORGANISATION_MANAGE,
    owner=__name__,
    scopes={ORGANISATION: OrganisationQuerySet.manageable_by},
)
# Members see who belongs to their organisation; only those who manage it see the email
# addresses, so a member's account cannot be used to harvest them.
declare(
    Permission.MEMBER_CONTACTS_VIEW,
    owner=__name__,
    scopes={
        ORGANISATION: OrganisationQuerySet.manageable_by,
        TOKEN: ApiTokenQuerySet.showing_contacts_to,
    },
)
declare(Permission.TWO_FACTOR_DISABLE, owner=__name__, allows=_not_secretariat)
# Tokens act for a person within an organisation they belong to.
declare(
    Permission.TOKEN_CREATE, owner=__name__, scopes={ORGANISATION: OrganisationQuerySet.joined_by}
)
declare(Permission.TOKEN_REVOKE, owner=__name__, scopes={TOKEN: ApiTokenQuerySet.revocable_by})
declare(Permission.TOKEN_USE, owner=__name__, scopes={TOKEN: ApiTokenQuerySet.usable_by})
# Admission is the secretariat's; invitations are sent by whoever runs the organisation
# (its admins, the secretariat), and to the instance itself (observers, secretariat) by
# the secretariat only. A token invites with its owner's role there, as it reads contacts.
declare(
    Permission.APPLICATION_REVIEW,
    owner=__name__,
    allows=is_secretariat,
    scopes={APPLICATION: everything_if(is_secretariat)},
)
declare(
    Permission.INVITATION_CREATE,
    owner=__name__,
    allows=is_secretariat,
    scopes={
        ORGANISATION: OrganisationQuerySet.manageable_by,
        TOKEN: ApiTokenQuerySet.showing_contacts_to,
    },
)
declare(
    Permission.INVITATION_MANAGE,
    owner=__name__,
    scopes={INVITATION: InvitationQuerySet.visible_to},
)
