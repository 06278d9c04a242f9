"""Two-factor sign-in is enforced on every request, not only at the login form.

- A session of someone whose authenticator is confirmed must have passed the code step;
  if it has not (it was created by password alone, or before two-factor was turned on in
  another session), it is signed out.
- A secretariat admin without a confirmed authenticator may only set one up (or sign
  out) until they do.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accord.accounts.permissions import Permission, has_perm
from accord.accounts.selectors import confirmed_totp_device
from accord.accounts.services import TWO_FACTOR_REQUIRED, sign_out
from accord.accounts.sessions import two_factor_passed


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:two_factor_setup"),
        reverse("accounts:logout"),
        settings.STATIC_URL or "/static/",
    )


class TwoFactorEnrolmentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        passed = two_factor_passed(request, user)
        # Whoever may not turn two-factor off (the secretariat) must have it.
        required = not has_perm(user, Permission.TWO_FACTOR_DISABLE)
        if passed and not required:
            return self.get_response(request)
        enrolled = confirmed_totp_device(user) is not None
        if enrolled and not passed:
            sign_out(request=request, reason=TWO_FACTOR_REQUIRED)
            return redirect_to_login(request.get_full_path())
        if not enrolled and required and not request.path.startswith(_open_paths()):
            return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)
