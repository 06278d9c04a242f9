"""Who may read and change accounts' resources: organisations, memberships, API tokens,
applications and invitations.

The querysets here are the rules; the models' managers use them, and `has_perm` asks
them (see `accord.access`). Two standings decide everything: the instance role
(`secretariat`) and the role within an organisation (`Role`). An inactive account or a
signed-out visitor holds neither.

The organisation's own standing (`Standing`) narrows that: the members of a suspended
organisation still read its member zone but act for it in nothing, and a removed
organisation is outside every rule, for everyone.
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


class Standing(models.TextChoices):
    """An organisation's standing with the coalition (`Organisation.Standing`)."""

    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    REMOVED = "removed", "Removed"


def in_good_standing(via: str = "") -> Q:
    """Objects of organisations neither suspended nor removed; `via` is the lookup from
    the objects to the organisation (`""` for organisations themselves)."""
    return Q(**{f"{via}standing": Standing.ACTIVE})


def not_removed(via: str = "") -> Q:
    """Objects of organisations that have not been removed (suspended ones included)."""
    return ~Q(**{f"{via}standing": Standing.REMOVED})


def is_secretariat(user: Viewer) -> bool:
    """An active secretariat admin: the instance's own role, not a membership."""
    return active(user) and bool(getattr(user, "is_secretariat", False))


def _members[QS: models.QuerySet[Any]](
    objects: QS, user: Viewer, *, via: str, role: str | None = None, acting: bool = False
) -> QS:
    """Objects of organisations the user belongs to (with `role`, if given), whatever
    the user's instance role; `via` is the lookup from the objects to the organisation.
    To act for it (`acting`), the organisation must also be in good standing."""
    if not active(user):
        return objects.none()
    lookups: dict[str, object] = {f"{via}memberships__user": user}
    token_organisation = getattr(user, "acting_organisation_id", None)
    if token_organisation is not None:
        # An API token acts within its own organisation only, whatever else its owner
        # belongs to (set on the token's user by `accounts.api.BearerToken`).
        lookups[f"{via}pk"] = token_organisation
    if role is not None:
        lookups[f"{via}memberships__role"] = role
    standing = in_good_standing(via) if acting else not_removed(via)
    return objects.filter(standing, **lookups).distinct()


def _member_zone[QS: models.QuerySet[Any]](
    objects: QS, user: Viewer, *, via: str, role: str | None = None, acting: bool = False
) -> QS:
    """As `_members`, and everything not removed for the secretariat, who act for a
    suspended organisation too (to edit it, or reinstate it)."""
    if is_secretariat(user):
        return objects.filter(not_removed(via))
    return _members(objects, user, via=via, role=role, acting=acting)


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: Viewer) -> OrganisationQuerySet:
        """Organisations whose member-zone data the user may read: the secretariat all,
        a person those they belong to (`ORGANISATION_VIEW`), suspended or not."""
        return _member_zone(self, user, via="")

    def manageable_by(self, user: Viewer) -> OrganisationQuerySet:
        """Organisations the user runs: the secretariat all, an org admin their own
        while it is in good standing (`ORGANISATION_MANAGE`)."""
        return _member_zone(self, user, via="", role=Role.ORG_ADMIN, acting=True)

    def joined_by(self, user: Viewer, *, role: str | None = None) -> OrganisationQuerySet:
        """Organisations the user is a member of (with `role`, if given) and may act
        for: those in good standing. Being secretariat does not make someone a member."""
        return _members(self, user, via="", role=role, acting=True)

    def in_good_standing(self) -> OrganisationQuerySet:
        return self.filter(in_good_standing())


class OrganisationManager(models.Manager.from_queryset(OrganisationQuerySet)):  # type: ignore[misc]
    """`Organisation.objects`: every organisation but those the secretariat removed."""

    def get_queryset(self) -> OrganisationQuerySet:
        return super().get_queryset().filter(not_removed())


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
        """A token is seen only by the person who created it (none for an organisation
        that was removed)."""
        if not active(user):
            return self.none()
        return self.filter(not_removed("organisation__"), user=user)

    def usable_by(self, user: Viewer) -> ApiTokenQuerySet:
        """The user's own tokens for organisations they still belong to: a token stops
        working the moment its owner leaves, or the organisation is suspended
        (`TOKEN_USE`)."""
        return _members(self.visible_to(user), user, via="organisation__", acting=True)

    def revocable_by(self, user: Viewer) -> ApiTokenQuerySet:
        """The user's own tokens, and those of the organisations they run."""
        managed = _member_zone(self, user, via="organisation__", role=Role.ORG_ADMIN, acting=True)
        return self.filter(
            Q(pk__in=self.visible_to(user).values("pk")) | Q(pk__in=managed.values("pk"))
        )

    def showing_contacts_to(self, user: Viewer) -> ApiTokenQuerySet:
        """Tokens that may read members' email addresses: a token acts with its owner's
        role in its organisation (an org admin's), never with the instance-wide role."""
        return _members(
            self.visible_to(user), user, via="organisation__", role=Role.ORG_ADMIN, acting=True
        )


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Viewer) -> ApplicationQuerySet:
        """Applications are read and decided by the secretariat alone
        (`APPLICATION_REVIEW`); the applicant sees theirs through its private link."""
        return self.all() if is_secretariat(user) else self.none()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, user: Viewer) -> InvitationQuerySet:
        """Invitations the user may see and revoke (`INVITATION_MANAGE`): an org admin
        those to their organisation while it is in good standing, the secretariat all (to
        the instance too)."""
        return _member_zone(self, user, via="organisation__", role=Role.ORG_ADMIN, acting=True)

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
# Only the secretariat decides an organisation's standing with the coalition.
declare(
    Permission.ORGANISATION_SUSPEND,
    owner=__name__,
    scopes={ORGANISATION: everything_if(is_secretariat)},
)
declare(
    Permission.ORGANISATION_REMOVE,
    owner=__name__,
    scopes={ORGANISATION: everything_if(is_secretariat)},
)
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
