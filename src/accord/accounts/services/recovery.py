"""Two-factor recovery codes: single-use stand-ins for the authenticator app.

A set of codes is issued when two-factor sign-in is turned on, and again on request
(which voids the old set). Each is shown once, stored as a digest (see `RecoveryCode`)
and accepted once, at the sign-in step that asks for a code. The person is emailed
each time one is used. Turning the authenticator on, off or replacing it is in
`twofactor`, which calls these.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import RecoveryCode, User
from accord.audit.services import record_event
from accord.notifications import services as notifications

RECOVERY_CODE_COUNT = 10
# 32 letters (Crockford's base32, lower case: no i, l, o or u to misread), so each of the
# 16 characters carries 5 bits: 80 bits a code.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_CODE_LENGTH = 16
_GROUP = 4
_TYPED_CODE = re.compile(rf"[{_ALPHABET}]{{{_CODE_LENGTH}}}")


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + _GROUP] for i in range(0, _CODE_LENGTH, _GROUP))


def looks_like_recovery_code(code: str) -> bool:
    """Whether `code` has a recovery code's shape (not whether it is one)."""
    return bool(_TYPED_CODE.fullmatch("".join(code.split()).replace("-", "").lower()))


@transaction.atomic
def issue_recovery_codes(*, user: User, tag: str = "accounts:recovery:regenerate") -> list[str]:
    """A new set of codes for `user`, replacing (and voiding) any earlier set.

    Returns the codes; they are not stored and cannot be shown again. `tag` names the
    audit event: `accounts:recovery:issue` when two-factor sign-in is turned on.
    """
    voided = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=RecoveryCode.digest_of(code)) for code in codes
    )
    record_event(tag=tag, actor=user, target=user, data={"issued": len(codes), "voided": voided})
    return codes


@transaction.atomic
def use_recovery_code(*, user: User, code: str) -> bool:
    """Spend one of the user's unused codes; False if `code` is not one of them.

    Records `accounts:recovery:use` with how many are left, and emails the person, who
    should know if it was not them.
    """
    if not looks_like_recovery_code(code):
        return False
    found = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, digest=RecoveryCode.digest_of(code), used_at__isnull=True)
        .first()
    )
    if found is None:
        return False
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    left = recovery_codes_left(user)
    record_event(tag="accounts:recovery:use", actor=user, target=user, data={"left": left})
    _tell_code_used(user, left)
    return True


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def void_recovery_codes(*, user: User) -> int:
    """Delete the user's codes (two-factor sign-in is off or being replaced)."""
    deleted, _ = RecoveryCode.objects.filter(user=user).delete()
    return deleted


def _tell_code_used(user: User, left: int) -> None:
    advice = (
        "Make a new set on your account page soon."
        if left <= 2
        else "You can make a new set on your account page at any time."
    )
    notifications.email_address(
        to=user.email,
        subject=f"A recovery code was used to sign in to {settings.ACCORD_INSTANCE_NAME}",
        body=(
            f"A two-factor recovery code of {user.email} was just used in place of the "
            f"authenticator app. {left} unused codes are left. {advice}\n\n"
            "If it was not you, someone knows your password and has your codes: set a new "
            "password and make a new set of codes at once:\n\n"
            f"{notifications.absolute_url(reverse('accounts:account'))}"
        ),
        kind="accounts:recovery:use",
    )
