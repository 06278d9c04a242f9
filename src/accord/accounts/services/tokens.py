"""API tokens: issued once, stored as a digest, revoked, and checked on each request."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import (
    ApiToken,
    Organisation,
    User,
)
from accord.accounts.permissions import Permission, has_perm
from accord.accounts.services._common import (
    InvalidInput,
    _require,
)
from accord.audit.services import record_event
from accord.notifications import services as notifications

TOKEN_PREFIX = "acc_"  # noqa: S105 (the public prefix, not a secret)
TOKEN_PREFIX_LENGTH = 8
# Longer than any secret we issue; a longer header is refused before hashing.
MAX_TOKEN_LENGTH = 128
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def create_api_token(
    *, user: User, organisation: Organisation, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token acting for `user` within `organisation`.

    Every token expires: at `expires_at`, or after ACCORD_TOKEN_DEFAULT_DAYS if none is
    given, and never later than ACCORD_TOKEN_MAX_DAYS from now, so a secret that leaks
    unnoticed stops working on its own. Returns the token and its secret; the secret is
    not stored and cannot be shown again.
    """
    _require(
        user,
        Permission.TOKEN_CREATE,
        organisation,
        "You can create tokens only for organisations you belong to.",
    )
    name = _token_name(name)
    expires_at = _token_expiry(expires_at)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        name=name,
        prefix=secret[:TOKEN_PREFIX_LENGTH],
        digest=ApiToken.digest_of(secret),
        expires_at=expires_at,
    )
    record_event(
        tag="accounts:token:create",
        actor=user,
        target=token,
        organisation=organisation,
        data={"name": name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return token, secret


def _token_expiry(expires_at: datetime | None) -> datetime:
    now = timezone.now()
    if expires_at is None:
        return now + timedelta(days=settings.ACCORD_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise InvalidInput("A token's expiry must be in the future.", field="expires")
    # A minute's grace, so "in a year" chosen a moment ago is still within a year.
    if expires_at > now + timedelta(days=settings.ACCORD_TOKEN_MAX_DAYS, minutes=1):
        raise InvalidInput(
            f"A token expires within {settings.ACCORD_TOKEN_MAX_DAYS} days.", field="expires"
        )
    return expires_at


def _token_name(name: str) -> str:
    name = name.strip()
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if not name or len(name) > max_length:
        raise InvalidInput(f"Give the token a name of 1 to {max_length} characters.", field="name")
    return name


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """Stop a token from working. Revoking a revoked token changes nothing."""
    _require(actor, Permission.TOKEN_REVOKE, token, "You may not revoke this token.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    record_event(
        tag="accounts:token:revoke",
        actor=actor,
        target=locked,
        organisation=locked.organisation,
        data={"name": locked.name, "prefix": locked.prefix},
    )
    return locked


def use_api_token(*, secret: str) -> ApiToken | None:
    """The active token with this secret whose owner may still use it, or None.

    Notes the use at most once a minute. Not wrapped in a transaction: it is one
    UPDATE, and opening a write transaction on every API call would serialise them
    on SQLite.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "organisation")
        .filter(digest=ApiToken.digest_of(secret))
        .first()
    )
    if token is None or not has_perm(token.user, Permission.TOKEN_USE, token):
        return None
    now = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_RESOLUTION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
    return token


def expired_api_token(*, secret: str) -> ApiToken | None:
    """The unrevoked token with this secret if it has expired, so the API can say why it
    is refused; None for any other secret."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    return ApiToken.objects.filter(
        digest=ApiToken.digest_of(secret), revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).first()


@transaction.atomic
def warn_of_expiring_tokens(*, now: datetime | None = None) -> int:
    """Tell each owner, once, that a token of theirs expires within ACCORD_TOKEN_WARN_DAYS.

    Idempotent: a token whose owner was told is not told again. Returns how many were.
    """
    now = now or timezone.now()
    due = (
        ApiToken.objects.select_for_update()
        .filter(revoked_at__isnull=True, expiry_warned_at__isnull=True)
        .filter(expires_at__gt=now)
        .filter(expires_at__lte=now + timedelta(days=settings.ACCORD_TOKEN_WARN_DAYS))
        .select_related("user", "organisation")
    )
    warned = 0
    for token in due:
        _warn_of_expiry(token)
        token.expiry_warned_at = now
        token.save(update_fields=["expiry_warned_at"])
        record_event(
            tag="accounts:token:warn",
            target=token,
            organisation=token.organisation,
            data={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
        )
        warned += 1
    return warned


def _warn_of_expiry(token: ApiToken) -> None:
    when = f"{token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "soon"
    notifications.notify(
        recipients=[token.user],
        kind="accounts:token:expire",
        subject=f"Your API token “{token.name}” expires on {when}",
        body=(
            f"The API token “{token.name}” ({token.prefix}…) for {token.organisation.name} "
            f"stops working on {when}. To keep whatever uses it running, create a new "
            "token on your account page and put it in place of this one."
        ),
        link=reverse("accounts:account"),
    )


# Two-factor authentication (TOTP, RFC 6238) -------------------------------------------
