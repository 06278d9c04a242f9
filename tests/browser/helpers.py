"""Steps the browser tests share: signing in through the real forms, following a link
from the outbox, and measuring what sticks out past a phone's screen."""

from __future__ import annotations

import re
from typing import Any

import pyotp

from accord.notifications.models import Message

PHONE = {"width": 390, "height": 844}


def sign_in(page: Any, base: str, email: str, password: str, *, totp: str | None = None) -> None:
    """Sign in with the login form and, given the authenticator's secret, its code."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    if totp is not None:
        page.wait_for_url("**/accounts/login/verify/")
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(totp).now())
        page.get_by_role("button", name="Verify and sign in").click()
    page.locator("#nav-inbox").wait_for()


def emailed_link(to: str, path_part: str) -> str:
    """The link in the newest message in the outbox for `to`."""
    message = Message.objects.filter(to_address=to).order_by("-created_at", "-id").first()
    assert message is not None, f"nothing was sent to {to}"
    links = [url for url in re.findall(r"https?://\S+", message.body) if path_part in url]
    assert links, message.body
    return links[0]


def overflow(page: Any, screen: int = PHONE["width"]) -> dict[str, Any]:
    """The page's width, and the widest elements sticking out past the screen."""
    return page.evaluate(
        """(screen) => {
          const width = document.documentElement.scrollWidth;
          const height = document.documentElement.scrollHeight;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > screen + 1)
            .filter(e => !e.closest('.scroll') && !e.closest('table.stack thead'))
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                      + ' ' + Math.round(e.getBoundingClientRect().right));
          return {width, height, wide};
        }""",
        screen,
    )
