"""Proving an email address: the link a new account is sent, and following it.

The link is a signed token (`django.core.signing`), not a stored secret. It is an HMAC,
keyed by the instance's SECRET_KEY, over the account, a digest of its address and the
time it was made:
- nothing secret is stored at all, so a copy of the database gives no working link;
- it expires: the signed timestamp is checked against ACCORD_EMAIL_VERIFICATION_SECONDS;
- it works once: it is honoured only while the address is unproven, so a second use
  finds the account verified and is refused;
- it is bound to the address: a link made for an earlier address of the account is
  refused.
A stored, hashed secret would add revocation of single links, which nothing here needs;
resending a link leaves earlier ones working until they expire or one is used.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.accounts.services._common import InvalidLink
from accord.audit.services import record_event
from accord.notifications import services as notifications

_SALT = "accord.accounts.email-verification"
EXPIRED_LINK = "This confirmation link has expired. Sign in and ask for a new one."
BAD_LINK = "This confirmation link is not valid. Check that you copied all of it."
USED_LINK = "This confirmation link has been used already: your address is confirmed."


def _address_digest(email: str) -> str:
    # The address itself stays out of the link, which may end up in logs.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def email_verification_token(user: User) -> str:
    """A token that proves, once and for a few days, that its holder reads `user`'s mail."""
    return signing.dumps({"user": user.pk, "address": _address_digest(user.email)}, salt=_SALT)


def email_verification_link(user: User) -> str:
    """The absolute link to put in an email."""
    path = reverse("accounts:verify_email", kwargs={"token": email_verification_token(user)})
    return notifications.absolute_url(path)


@transaction.atomic
def send_verification_email(*, user: User) -> bool:
    """Email `user` a link that confirms their address; False if it is confirmed already."""
    if user.has_verified_email or not user.is_active:
        return False
    notifications.email_address(
        to=user.email,
        subject=f"Confirm your email address for {settings.ACCORD_INSTANCE_NAME}",
        body=_verification_body(user),
        kind="accounts:verification:send",
        carries_secret=True,
    )
    record_event(tag="accounts:verification:send", target=user, data={"email": user.email})
    return True


def _verification_body(user: User) -> str:
    days = settings.ACCORD_EMAIL_VERIFICATION_SECONDS // 86400
    lifetime = f"{days} days" if days > 1 else "a day"
    return (
        f"To finish setting up your {settings.ACCORD_INSTANCE_NAME} account, confirm that "
        f"{user.email} is your address by opening this link within {lifetime}:\n\n"
        f"{email_verification_link(user)}\n\n"
        "If you did not create this account, ignore this email: without the link nobody "
        "can confirm the address."
    )


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Confirm the address the token was made for. Refused if the token is malformed,
    expired, made for another address, or already used (InvalidLink)."""
    data = _token_data(token)
    user_id = data.get("user")
    user = (
        User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None or data.get("address") != _address_digest(user.email):
        raise InvalidLink(BAD_LINK)
    if user.has_verified_email:
        raise InvalidLink(USED_LINK)
    return mark_email_verified(user=user, how="link")


def _token_data(token: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.ACCORD_EMAIL_VERIFICATION_SECONDS)
    except signing.SignatureExpired as exc:
        raise InvalidLink(EXPIRED_LINK) from exc
    except signing.BadSignature as exc:
        raise InvalidLink(BAD_LINK) from exc
    if not isinstance(data, dict):
        raise InvalidLink(BAD_LINK)
    return data


@transaction.atomic
def mark_email_verified(*, user: User, how: str) -> User:
    """Record that the person proved they read mail at their address.

    `how` says by what (`link`, `password_reset`, `invitation`). For every flow that
    sends the person a link: an invitation accepted, a password reset. Marking a proven
    address again changes nothing.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.email_verified_at is not None:
        return locked
    locked.email_verified_at = timezone.now()
    locked.save(update_fields=["email_verified_at"])
    record_event(
        tag="accounts:email:verify",
        actor=locked,
        target=locked,
        data={"email": locked.email, "how": how},
    )
    return locked
