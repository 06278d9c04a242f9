"""What the sign-in flow keeps in the session between steps.

A password alone never logs a session in for someone with two-factor sign-in: the
person is only *pending* until the code verifies, and a session that has passed the
code step is marked so the middleware can tell it from one created by password alone
(or by `Client.force_login` in tests, which bypasses this flow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User

PENDING_LOGIN_KEY = "accounts:pending_login"
TWO_FACTOR_PASSED_KEY = "accounts:two_factor_passed"
PENDING_LOGIN_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class PendingLogin:
    user: User
    backend: str
    next_url: str


def start_pending_login(request: HttpRequest, *, user: User, next_url: str) -> None:
    """Remember that `user` gave the right password and now owes a code."""
    # A new key, so a session id planted before the password step is worth nothing.
    request.session.cycle_key()
    request.session[PENDING_LOGIN_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", ""),
        "next": next_url,
        "started": timezone.now().timestamp(),
    }


def pending_login(request: HttpRequest) -> PendingLogin | None:
    """The person waiting for the code step, unless five minutes have passed."""
    data: Any = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(data, dict):
        return None
    age = timezone.now().timestamp() - float(data.get("started", 0))
    user_id = data.get("user_id")
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None or not 0 <= age <= PENDING_LOGIN_LIFETIME.total_seconds():
        clear_pending_login(request)
        return None
    return PendingLogin(
        user=user, backend=str(data.get("backend") or ""), next_url=str(data.get("next") or "")
    )


def clear_pending_login(request: HttpRequest) -> None:
    request.session.pop(PENDING_LOGIN_KEY, None)


def mark_two_factor_passed(request: HttpRequest, user: User) -> None:
    """Record that this session proved the user's second factor."""
    request.session[TWO_FACTOR_PASSED_KEY] = user.pk


def two_factor_passed(request: HttpRequest, user: Any) -> bool:
    return bool(user.pk is not None and request.session.get(TWO_FACTOR_PASSED_KEY) == user.pk)
