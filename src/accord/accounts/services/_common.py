"""What every accounts service shares: the domain errors it raises and the checks it makes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from accord import errors
from accord.accounts.models import (
    Membership,
    Organisation,
    User,
)
from accord.accounts.permissions import Permission, has_perm
from accord.accounts.selectors import normal_email


class AccountError(errors.DomainError):
    """A change to accounts that cannot be made; the message is meant for the person."""


class NotAllowed(AccountError, errors.NotAllowed):
    """The actor may not make this change."""


class InvalidInput(AccountError, errors.Invalid):
    """A value that is not acceptable: an email address, a name, a country, an expiry."""


class EmailTaken(AccountError, errors.Invalid):
    """Another account already uses this email address."""

    field = "email"


class WeakPassword(AccountError, errors.Invalid):
    """The password fails the instance's password rules."""

    field = "password"


class WouldLockOut(AccountError, errors.Conflict):
    """The change would leave an organisation without an admin, or the instance without
    a secretariat admin."""


class AlreadyMember(AccountError, errors.Conflict):
    """The person already belongs to the organisation."""


class NotAMember(AccountError, errors.Conflict):
    """The person does not belong to the organisation."""


class InvalidCode(AccountError, errors.Invalid):
    """A two-factor code that is wrong, expired or already used."""

    field = "code"


class TwoFactorState(AccountError, errors.Conflict):
    """Two-factor authentication is already on, or its set-up was not started."""


class InvalidLink(AccountError, errors.Invalid):
    """An emailed link that is malformed, expired, or already used."""


def _messages(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _validated(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        fields = [name for name in getattr(exc, "error_dict", {}) if name != "__all__"]
        raise InvalidInput(_messages(exc), field=fields[0] if fields else None) from exc


def _valid_email(email: str, *, field: str) -> str:
    """The address in its stored form, or `InvalidInput` on `field` if it is not one."""
    email = normal_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field=field) from exc
    return email


def _require(actor: Any, permission: Permission, obj: Any, message: str) -> None:
    if not has_perm(actor, permission, obj):
        raise NotAllowed(message)


# People ------------------------------------------------------------------------------


def _other_admins(organisation: Organisation, user: User) -> list[Membership]:
    # Locks the organisation's admin memberships, so two demotions at once cannot both
    # pass this check and leave no admin behind.
    admins = Membership.objects.select_for_update().filter(
        organisation=organisation, role=Membership.Role.ORG_ADMIN
    )
    return [m for m in admins.select_related("user") if m.user_id != user.pk and m.user.is_active]


def require_demo(organisations: Iterable[Organisation], *, message: str) -> None:
    """Refuse (`message`) unless every organisation is a demo one: the bulk imports of
    `accord demo` skip the one-by-one services, so only fictional data may take them."""
    if not all(organisation.is_demo for organisation in organisations):
        raise NotAllowed(message)
