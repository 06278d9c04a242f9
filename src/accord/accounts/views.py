"""Signing in and out, the account page, two-factor set-up, API tokens, organisation pages,
sign-up, email verification, password reset and recovery codes.

Views parse the form, call one service or selector, and render. Who may do what is
decided by `permissions.has_perm`, through the selectors and services. A refused change
(`accord.errors.DomainError`) is answered by `accord.web.middleware`; a form that is not
acceptable (`Invalid`) is shown again, with the message next to its field, as 422.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accord.accounts import selectors, services
from accord.accounts.forms import (
    LoginForm,
    PasswordResetRequestForm,
    RecoveryCodeForm,
    SecondFactorForm,
    SetPasswordForm,
    SignUpForm,
    TokenCreateForm,
    TotpCodeForm,
)
from accord.accounts.models import AccountRequest, LoginAttempt, Organisation, User
from accord.accounts.onboarding_forms import InvitationForm
from accord.accounts.services.passwords import BAD_RESET_LINK
from accord.accounts.sessions import (
    PendingLogin,
    clear_pending_login,
    mark_two_factor_passed,
    pending_login,
    start_pending_login,
)
from accord.errors import Invalid

# A form shown again because what was entered is not acceptable.
UNACCEPTABLE = Invalid.http_status

LOCKED_MESSAGE = "Too many failed sign-in attempts. Wait 15 minutes, then try again."


def _client_ip(request: HttpRequest) -> str | None:
    # X-Forwarded-For is believed only from ACCORD_TRUSTED_PROXIES: a client could
    # otherwise set it and dodge the lockout at will.
    return selectors.client_ip(request.META)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# Sign-in -------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(_posted(request), initial={"next": request.GET.get("next", "")})
    if request.method != "POST":
        return render(request, "accounts/login.html", {"form": form})
    ip = _client_ip(request)
    if selectors.login_locked(email=str(request.POST.get("email", "")), ip=ip):
        return render(request, "accounts/locked.html", {"message": LOCKED_MESSAGE}, status=429)
    if not form.is_valid():
        return render(request, "accounts/login.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    attempt = services.reserve_login_attempt(email=email, ip=ip)
    if selectors.login_locked(email=email, ip=ip, exclude_id=attempt.pk):
        return render(request, "accounts/locked.html", {"message": LOCKED_MESSAGE}, status=429)
    user = authenticate(request, username=email, password=form.cleaned_data["password"])
    if user is None:
        services.fail_login_attempt(attempt=attempt)
        form.add_error(None, "The email address or password is wrong.")
        return render(request, "accounts/login.html", {"form": form}, status=400)
    services.release_login_attempt(attempt=attempt)
    return _after_password(request, user, form.cleaned_data["next"])


def _after_password(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    if selectors.confirmed_totp_device(user) is not None:
        start_pending_login(request, user=user, next_url=next_url)
        return redirect("accounts:login_totp")
    services.record_login_attempt(email=user.email, ip=_client_ip(request), succeeded=True)
    login(request, user)
    return redirect(_safe_next(request, next_url))


@never_cache
def login_totp(request: HttpRequest) -> HttpResponse:
    pending = _pending_second_factor(request)
    if isinstance(pending, HttpResponse):
        return pending
    form = TotpCodeForm(_posted(request))
    if not form.is_valid():
        status = 400 if form.errors else 200
        return render(request, "accounts/login_totp.html", {"form": form}, status=status)
    if services.verify_totp(user=pending.user, code=form.cleaned_data["code"]):
        return _complete_login(request, pending)
    services.record_login_attempt(
        email=pending.user.email,
        ip=_client_ip(request),
        succeeded=False,
        stage=LoginAttempt.Stage.TOTP,
    )
    form.add_error("code", "That code is not right, or it has been used already.")
    return render(request, "accounts/login_totp.html", {"form": form}, status=400)


def _pending_second_factor(request: HttpRequest) -> PendingLogin | HttpResponse:
    """The sign-in waiting for its second factor, or the answer when there is none to
    finish: it expired, or the account or address is locked out (which ends it)."""
    pending = pending_login(request)
    if pending is None:
        messages.info(request, "Your sign-in expired. Enter your email and password again.")
        return redirect("accounts:login")
    if selectors.login_locked(email=pending.user.email, ip=_client_ip(request)):
        clear_pending_login(request)
        return render(request, "accounts/locked.html", {"message": LOCKED_MESSAGE}, status=429)
    return pending


def _complete_login(
    request: HttpRequest, pending: PendingLogin, *, stage: str = LoginAttempt.Stage.TOTP
) -> HttpResponse:
    clear_pending_login(request)
    services.record_login_attempt(
        email=pending.user.email, ip=_client_ip(request), succeeded=True, stage=stage
    )
    login(request, pending.user, backend=pending.backend or None)
    mark_two_factor_passed(request, pending.user)
    return redirect(_safe_next(request, pending.next_url))


class LogoutView(auth_views.LogoutView):
    """Django's sign-out (POST only), with the session ended by `services.sign_out`."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.sign_out(request=request)
        redirect_to = self.get_success_url()
        if redirect_to != request.get_full_path():
            return HttpResponseRedirect(redirect_to)
        return super().get(request, *args, **kwargs)


# The account page and API tokens -------------------------------------------------------


def _render_account(
    request: HttpRequest, *, token_form: TokenCreateForm | None = None, status: int = 200
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "overview": selectors.account_overview(user),
        "token_form": token_form
        or TokenCreateForm(organisations=selectors.token_organisations(user)),
        "code_form": TotpCodeForm(),
        "recovery_codes_left": services.recovery_codes_left(user),
        "regenerate_form": SecondFactorForm(auto_id="regenerate-%s"),
        "replace_form": SecondFactorForm(auto_id="replace-%s"),
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _render_account(request)


@login_required
@require_POST
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    organisations = selectors.token_organisations(request.user)
    form = TokenCreateForm(request.POST, organisations=organisations)
    if not form.is_valid():
        return _render_account(request, token_form=form, status=UNACCEPTABLE)
    try:
        token, secret = services.create_api_token(
            user=request.user,  # type: ignore[arg-type]
            organisation=form.cleaned_data["organisation"],
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
    except Invalid as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return _render_account(request, token_form=form, status=UNACCEPTABLE)
    # The secret goes into this one response and nowhere else.
    return render(request, "accounts/token_created.html", {"token": token, "secret": secret})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.tokens_for(request.user), pk=token_id)
    services.revoke_api_token(token=token, actor=request.user)
    messages.success(request, f"The token “{token.name}” is revoked.")
    return redirect("accounts:account")


# Two-factor authentication -------------------------------------------------------------


@login_required
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if selectors.confirmed_totp_device(user) is not None:
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("accounts:account")
    device = services.start_totp_enrolment(user=user)
    form = TotpCodeForm(_posted(request))
    if form.is_valid():
        try:
            _, codes = services.confirm_totp(user=user, code=form.cleaned_data["code"])
        except Invalid as exc:
            form.add_error("code", str(exc))
        else:
            mark_two_factor_passed(request, user)
            messages.success(request, "Two-factor authentication is on.")
            return _show_recovery_codes(request, codes)
    context = {"provisioning": selectors.totp_provisioning(user, device), "form": form}
    status = UNACCEPTABLE if form.errors else 200
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TotpCodeForm(request.POST)
    try:
        if not form.is_valid():
            raise services.InvalidCode("Enter the 6-digit code from your app.")
        services.disable_totp(user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
    except Invalid as exc:
        messages.error(request, str(exc))
        return _render_account(request, status=UNACCEPTABLE)
    messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:account")


# Organisations -------------------------------------------------------------------------


def _visible_organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = selectors.get_organisation_for(request.user, slug)
    if organisation is None:
        # The same answer whether it does not exist or is not for this person.
        raise Http404("No such organisation.")
    return organisation


def render_organisation(
    request: HttpRequest,
    organisation: Organisation,
    *,
    invitation_form: InvitationForm | None = None,
    status: int = 200,
    **sections: Any,
) -> HttpResponse:
    """The organisation page; higher apps pass their own forms for the sections they
    render into it (evidence's domain form, say) when re-showing one with its errors."""
    context = {
        "view": selectors.organisation_view(request.user, organisation),
        "invitation_form": invitation_form or InvitationForm(),
        "invitations": selectors.invitations_for(request.user, organisation),
        "invitation_days": settings.ACCORD_INVITATION_DAYS,
        **sections,
    }
    return render(request, "accounts/organisation.html", context, status=status)


@login_required
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    return render_organisation(request, _visible_organisation(request, slug))


# Recovery codes and a lost authenticator -----------------------------------------------


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # The codes go into this one response (never cached) and nowhere else.
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@never_cache
def login_recovery(request: HttpRequest) -> HttpResponse:
    """The two-factor step of sign-in with a recovery code in place of the app's code."""
    pending = _pending_second_factor(request)
    if isinstance(pending, HttpResponse):
        return pending
    form = RecoveryCodeForm(_posted(request))
    if not form.is_valid():
        status = 400 if form.errors else 200
        return render(request, "accounts/login_recovery.html", {"form": form}, status=status)
    if services.use_recovery_code(user=pending.user, code=form.cleaned_data["code"]):
        left = services.recovery_codes_left(pending.user)
        messages.warning(request, f"You signed in with a recovery code; {left} are left.")
        return _complete_login(request, pending, stage=LoginAttempt.Stage.RECOVERY)
    services.record_login_attempt(
        email=pending.user.email,
        ip=_client_ip(request),
        succeeded=False,
        stage=LoginAttempt.Stage.RECOVERY,
    )
    form.add_error("code", "That recovery code is not right, or it has been used already.")
    return render(request, "accounts/login_recovery.html", {"form": form}, status=400)


def _second_factor_code(request: HttpRequest) -> str:
    form = SecondFactorForm(request.POST)
    if not form.is_valid():
        raise services.InvalidCode("Enter a code from your app, or a recovery code.")
    return str(form.cleaned_data["code"])


@login_required
@require_POST
@never_cache
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.regenerate_recovery_codes(
            user=request.user,  # type: ignore[arg-type]
            code=_second_factor_code(request),
        )
    except Invalid as exc:
        messages.error(request, str(exc))
        return _render_account(request, status=UNACCEPTABLE)
    messages.success(request, "Here is your new set of recovery codes; the old ones are void.")
    return _show_recovery_codes(request, codes)


@login_required
@require_POST
def authenticator_replace(request: HttpRequest) -> HttpResponse:
    try:
        services.replace_authenticator(
            user=request.user,  # type: ignore[arg-type]
            code=_second_factor_code(request),
        )
    except Invalid as exc:
        messages.error(request, str(exc))
        return _render_account(request, status=UNACCEPTABLE)
    messages.success(request, "Your old authenticator is removed. Set up the new one now.")
    return redirect("accounts:two_factor_setup")


# Sign-up and email verification --------------------------------------------------------

TOO_MANY_REQUESTS = (
    "Too many requests for this address, or from where you are. Wait an hour, then try again."
)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/too_many.html", {"message": TOO_MANY_REQUESTS}, status=429)


def _bad_link(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", {"message": message}, status=UNACCEPTABLE)


@sensitive_post_parameters("password", "password_again")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Open an account. The answer is the same whether or not the address has one."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignUpForm(_posted(request))
    if not form.is_valid():
        status = UNACCEPTABLE if form.errors else 200
        return render(request, "accounts/signup.html", {"form": form}, status=status)
    data = form.cleaned_data
    if not services.admit_account_request(
        action=AccountRequest.Action.SIGN_UP, email=data["email"], ip=_client_ip(request)
    ):
        return _too_many(request)
    try:
        services.sign_up(
            email=data["email"], password=data["password"], full_name=data["full_name"]
        )
    except Invalid as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return render(request, "accounts/signup.html", {"form": form}, status=UNACCEPTABLE)
    return redirect("accounts:signup_done")


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


@never_cache
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.verify_email(token=token[:1000])
    except Invalid as exc:
        return _bad_link(request, str(exc))
    messages.success(request, "Your email address is confirmed. Thank you.")
    return redirect("accounts:account" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.has_verified_email:
        messages.info(request, "Your email address is confirmed already.")
        return redirect("accounts:account")
    if not services.admit_account_request(
        action=AccountRequest.Action.VERIFICATION, email=user.email, ip=_client_ip(request)
    ):
        return _too_many(request)
    services.send_verification_email(user=user)
    messages.success(request, f"We sent a new confirmation link to {user.email}.")
    return redirect("accounts:account")


# Password reset ------------------------------------------------------------------------

RESET_TOKEN_KEY = "accounts:password_reset_token"  # noqa: S105 (a session key's name)


@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not an account exists."""
    form = PasswordResetRequestForm(_posted(request))
    if not form.is_valid():
        status = UNACCEPTABLE if form.errors else 200
        return render(request, "accounts/password_reset.html", {"form": form}, status=status)
    email, ip = form.cleaned_data["email"], _client_ip(request)
    if not services.admit_account_request(
        action=AccountRequest.Action.PASSWORD_RESET, email=email, ip=ip
    ):
        return _too_many(request)
    services.request_password_reset(email=email, ip=ip)
    return redirect("accounts:password_reset_sent")


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")


@never_cache
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Follow the emailed link: keep its token in the session and take it out of the
    address bar, so it is in no browser history and no Referer header."""
    if services.password_reset_user(uidb64=uidb64, token=token) is None:
        return _bad_link(request, BAD_RESET_LINK)
    request.session[RESET_TOKEN_KEY] = token
    return redirect("accounts:password_reset_set", uidb64=uidb64)


@sensitive_post_parameters("password", "password_again")
@never_cache
def password_reset_set(request: HttpRequest, uidb64: str) -> HttpResponse:
    token = str(request.session.get(RESET_TOKEN_KEY, ""))
    user = services.password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        return _bad_link(request, BAD_RESET_LINK)
    form = SetPasswordForm(_posted(request), user=user)
    if not form.is_valid():
        status = UNACCEPTABLE if form.errors else 200
        return render(request, "accounts/password_set.html", {"form": form}, status=status)
    try:
        services.reset_password(uidb64=uidb64, token=token, password=form.cleaned_data["password"])
    except services.InvalidLink:
        return _bad_link(request, BAD_RESET_LINK)
    except Invalid as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return render(request, "accounts/password_set.html", {"form": form}, status=UNACCEPTABLE)
    # Whoever was signed in here is signed out with every other session of the account.
    request.session.flush()
    messages.success(request, "Your password is changed. Sign in with it now.")
    return redirect("accounts:login")
