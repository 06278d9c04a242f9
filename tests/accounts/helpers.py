"""Plain helpers shared by the accounts tests and the accounts functional tests."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from django.test import Client
from django.utils import timezone

from accord.accounts.models import TotpDevice, User
from accord.accounts.sessions import TWO_FACTOR_PASSED_KEY


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def give_confirmed_totp(user: User) -> str:
    """Give the user a confirmed authenticator; returns its secret."""
    device = TotpDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now()
    )
    return device.secret


def password_only_client(user: User) -> Client:
    """A client signed in by force_login alone: a session that never passed a code step."""
    client = Client()
    client.force_login(user)
    return client


def verified_client(user: User) -> Client:
    """A client signed in by force_login, its session marked as past the code step.

    force_login bypasses the real sign-in views: use it only where the sign-in flow is
    not what the test is about.
    """
    client = Client()
    client.force_login(user)
    session = client.session
    session[TWO_FACTOR_PASSED_KEY] = user.pk
    session.save()
    return client


def post_login(
    client: Client, email: str, password: str, *, next_url: str = "", ip: str = "127.0.0.1"
) -> Any:
    """Post the real login form."""
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, REMOTE_ADDR=ip)


def post_code(client: Client, code: str, *, ip: str = "127.0.0.1") -> Any:
    """Post the real two-factor step of sign-in."""
    return client.post("/accounts/login/verify/", {"code": code}, REMOTE_ADDR=ip)


def bearer(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def wrong_code(secret: str) -> str:
    """A well-formed code that no nearby time step of `secret` produces."""
    near = {totp_code(secret, steps) for steps in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


# Digits that are not ASCII: Arabic-Indic and full-width "123456".
NON_ASCII_CODES = ["\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16"]


# Email: what the instance sent (or kept in its outbox) -------------------------------

LINK = re.compile(r"https?://\S+")


def emails_to(address: str) -> list[Any]:
    """The messages sent (or kept) for `address`, oldest first."""
    from accord.notifications.models import Message

    return list(Message.objects.filter(to_address=address).order_by("created_at", "id"))


def link_in(message: Any, path_part: str) -> str:
    """The site path of the first link in `message` whose address contains `path_part`."""
    for url in LINK.findall(message.body):
        if path_part in url:
            return "/" + url.split("://", 1)[1].split("/", 1)[1]
    raise AssertionError(f"no link with {path_part!r} in {message.body!r}")


def without_csrf(page: str) -> str:
    """A page without its masked CSRF tokens, which differ on every response."""
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
