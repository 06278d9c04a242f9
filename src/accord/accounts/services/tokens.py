"""API tokens: issued once, stored as a digest, revoked, and checked on each request."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
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

    Returns the token and its secret; the secret is not stored and cannot be shown again.
    """
    _require(
        user,
        Permission.TOKEN_CREATE,
        organisation,
        "You can create tokens only for organisations you belong to.",
    )
    name = _token_name(name)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("A token's expiry must be in the future.", field="expires")
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


# Two-factor authentication (TOTP, RFC 6238) -------------------------------------------
