"""The signed-in person's unread count, for the navigation on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accord.notifications import selectors


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows it, once per response.
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
