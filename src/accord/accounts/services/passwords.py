"""Setting a new password by email: the request, the one-time link and the new password.

The link carries Django's password-reset token (`default_token_generator`): an HMAC,
keyed by SECRET_KEY, over the account's id, its password hash, its last sign-in and the
time. Nothing secret is stored. It expires after PASSWORD_RESET_TIMEOUT, and it works
once: setting the password changes the hash, and signing in changes the last sign-in,
and either voids every link made before.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accord.accounts.models import User
from accord.accounts.selectors import normal_email, valid_ip
from accord.accounts.services._common import InvalidLink
from accord.accounts.services.people import _check_password, _end_sessions
from accord.accounts.services.verification import mark_email_verified
from accord.audit.services import record_event
from accord.notifications import services as notifications

BAD_RESET_LINK = (
    "This link to set a new password has expired or has been used already. Ask for a new one."
)
_LARGEST_ID = 2**63 - 1


def password_reset_link(user: User) -> str:
    """The absolute one-time link that lets `user` set a new password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return notifications.absolute_url(path)


def _reset_lifetime() -> str:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return f"{minutes // 60} hours" if minutes >= 120 else f"{minutes} minutes"


def reset_link_paragraph(user: User) -> str:
    """The lines of an email that offer a new password to `user`."""
    return (
        f"To set a new password, open this link within {_reset_lifetime()}. "
        f"It works once:\n\n{password_reset_link(user)}"
    )


@transaction.atomic
def request_password_reset(*, email: str, ip: str | None = None) -> None:
    """Email a one-time link to set a new password, if an open account has this address.

    The caller learns nothing: the answer to the person is the same either way, and
    an address without an account is sent nothing, so the form cannot be used to mail
    strangers.
    """
    email = normal_email(email)
    user = User.objects.filter(email=email, is_active=True).first()
    record_event(
        tag="accounts:password:request",
        target=user,
        data={"email": email, "ip": valid_ip(ip), "found": user is not None},
    )
    if user is None:
        return
    notifications.email_address(
        to=user.email,
        subject=f"Set a new password for {settings.ACCORD_INSTANCE_NAME}",
        body=(
            f"Someone, probably you, asked to set a new password for {user.email}.\n\n"
            f"{reset_link_paragraph(user)}\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        ),
        kind="accounts:password:request",
        carries_secret=True,
    )


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The open account a reset link is for, while the link is still good; else None."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except ValueError:  # not base64, not text, not a number: UnicodeDecodeError included
        return None
    if not 0 < user_id <= _LARGEST_ID:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def reset_password(*, uidb64: str, token: str, password: str) -> User:
    """Set the password a reset link was sent for.

    Every session of the account ends, the address counts as proven (the link reached
    it), `accounts:password:reset` is recorded and the person is told by email. Refused
    with InvalidLink if the link is no longer good, WeakPassword if the password fails
    the instance's rules (the link then stays good).
    """
    found = password_reset_user(uidb64=uidb64, token=token)
    # Checked again under the row lock, so two uses of one link cannot both succeed.
    user = User.objects.select_for_update().filter(pk=found.pk).first() if found else None
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidLink(BAD_RESET_LINK)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    mark_email_verified(user=user, how="password_reset")
    sessions = _end_sessions(user)
    record_event(
        tag="accounts:password:reset",
        actor=user,
        target=user,
        data={"email": user.email, "sessions_ended": sessions},
    )
    notifications.email_address(
        to=user.email,
        subject=f"Your {settings.ACCORD_INSTANCE_NAME} password was changed",
        body=(
            f"The password of {user.email} was just changed with a reset link, and every "
            "session signed in to the account was ended.\n\n"
            "If it was not you, set a new password at once and tell the secretariat:\n\n"
            f"{notifications.absolute_url(reverse('accounts:password_reset'))}"
        ),
        kind="accounts:password:reset",
    )
    return user
