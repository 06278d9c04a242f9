"""Applying to join, the secretariat's application queue, and invitations: sending them
(org admins, the secretariat), revoking them, and accepting them through their link.

Views parse the form, call one service or selector, and render. A refused change
(`accord.errors.DomainError`) is answered by `accord.web.middleware`; a form that is not
acceptable (`Invalid`) is shown again, with the message next to its field, as 422.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accord.accounts import selectors, services
from accord.accounts.models import Application, Invitation, Organisation, User
from accord.accounts.onboarding_forms import (
    ApplicationFilterForm,
    ApplicationForm,
    DecisionForm,
    InstanceInvitationForm,
    InvitationForm,
    InvitedAccountForm,
)
from accord.accounts.permissions import Permission, has_perm
from accord.accounts.views import UNACCEPTABLE, _posted, _visible_organisation, render_organisation
from accord.errors import Invalid, NotAllowed

TOO_MANY = 429


def _shown_again(form: Any, exc: Invalid) -> None:
    form.add_error(exc.field_in(form.fields), str(exc))


# Applying ------------------------------------------------------------------------------


def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(_posted(request))
    if request.method != "POST":
        return render(request, "accounts/onboarding/apply.html", {"form": form})
    ip = selectors.client_ip(request.META)
    if selectors.applications_limited(email=str(request.POST.get("contact_email", "")), ip=ip):
        context = {"message": "Too many applications from here today. Try again tomorrow."}
        return render(request, "accounts/onboarding/refused.html", context, status=TOO_MANY)
    if form.is_valid():
        try:
            services.submit_application(**form.cleaned_data, ip=ip)
        except Invalid as exc:
            _shown_again(form, exc)
        else:
            return redirect("accounts:apply_sent")
    return render(request, "accounts/onboarding/apply.html", {"form": form}, status=UNACCEPTABLE)


def apply_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/onboarding/apply_sent.html")


@never_cache
def application_status(request: HttpRequest, token: str) -> HttpResponse:
    application = selectors.application_by_token(token)
    if application is None:
        raise Http404("No application has this link.")
    return render(request, "accounts/onboarding/status.html", {"application": application})


# The secretariat's queue ---------------------------------------------------------------


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or {"state": Application.State.PENDING})
    state = form.cleaned_data["state"] if form.is_valid() else ""
    queue = selectors.application_queue(request.user, state=state, page=request.GET.get("page", 1))
    if queue is None:
        raise NotAllowed("Only the secretariat reviews applications.")
    context = {"queue": queue, "form": form}
    return render(request, "accounts/onboarding/applications.html", context)


def _reviewable(request: HttpRequest, application_id: int) -> Application:
    if not has_perm(request.user, Permission.APPLICATION_REVIEW):
        raise NotAllowed("Only the secretariat reviews applications.")
    application = selectors.application_for(request.user, application_id)
    if application is None:
        raise Http404("No such application.")
    return application


def _render_application(
    request: HttpRequest, application: Application, *, form: Any = None, status: int = 200
) -> HttpResponse:
    context = {"application": application, "form": form or DecisionForm()}
    return render(request, "accounts/onboarding/application.html", context, status=status)


@login_required
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    return _render_application(request, _reviewable(request, application_id))


@login_required
@require_POST
def application_decide(request: HttpRequest, application_id: int, decision: str) -> HttpResponse:
    found = _reviewable(request, application_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            done = _decided(found, decision, form.cleaned_data["reason"], request.user)
        except Invalid as exc:
            _shown_again(form, exc)
        else:
            messages.success(request, done)
            return redirect("accounts:applications")
    return _render_application(request, found, form=form, status=UNACCEPTABLE)


def _decided(application: Application, decision: str, reason: str, actor: Any) -> str:
    """Record the decision; returns what happened, said to the secretariat."""
    if decision == "admit":
        organisation = services.admit_application(
            application=application, actor=actor, reason=reason
        )
        return (
            f"{organisation.name} is admitted. An invitation to be its first admin was "
            f"sent to {application.contact_email}."
        )
    services.decline_application(application=application, actor=actor, reason=reason)
    return f"The application of {application.name} is declined; they are told."


# Sending and revoking invitations ------------------------------------------------------


@login_required
@require_POST
def organisation_invite(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _visible_organisation(request, slug)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_to_organisation(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except Invalid as exc:
            _shown_again(form, exc)
        else:
            # The same answer whether or not an account uses the address.
            messages.success(request, f"An invitation was sent to {form.cleaned_data['email']}.")
            return redirect("accounts:organisation", slug=organisation.slug)
    return render_organisation(request, organisation, invitation_form=form, status=UNACCEPTABLE)


@login_required
def instance_invitations(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Permission.INVITATION_CREATE):
        raise NotAllowed("Only the secretariat invites observers and secretariat admins.")
    form = InstanceInvitationForm(_posted(request))
    status = 200
    if form.is_valid():
        try:
            services.invite_to_instance(actor=request.user, **form.cleaned_data)
        except Invalid as exc:
            _shown_again(form, exc)
        else:
            messages.success(request, f"An invitation was sent to {form.cleaned_data['email']}.")
            return redirect("accounts:invitations")
    if form.errors:
        status = UNACCEPTABLE
    context = {"form": form, "invitations": selectors.invitations_for(request.user, None)}
    return render(request, "accounts/onboarding/invitations.html", context, status=status)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_for(request.user, invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    services.revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect(_invitations_page(invitation.organisation))


def _invitations_page(organisation: Organisation | None) -> str:
    if organisation is None:
        return reverse("accounts:invitations")
    return reverse("accounts:organisation", args=[organisation.slug])


# Accepting an invitation ---------------------------------------------------------------


@sensitive_post_parameters("password", "password_again")
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        raise services.InvitationNotFound("This invitation link is not valid.")
    if invitation.closed_reason:
        raise services.InvitationClosed(invitation.closed_reason)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation, token)
    if selectors.invitee_has_account(invitation):
        return _page(request, invitation, sign_in=True)
    return _accept_with_new_account(request, invitation, token)


def _page(
    request: HttpRequest, invitation: Invitation, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"invitation": invitation, "path": request.path, **extra}
    return render(request, "accounts/onboarding/accept.html", context, status=status)


def _accept_signed_in(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    if request.method != "POST":
        mine = selectors.normal_email(request.user.email) == invitation.email  # type: ignore[union-attr]
        return _page(request, invitation, signed_in=True, right_account=mine)
    services.accept_invitation(token=token, user=request.user)  # type: ignore[arg-type]
    return _welcome(request, invitation)


@sensitive_variables("form")
def _accept_with_new_account(
    request: HttpRequest, invitation: Invitation, token: str
) -> HttpResponse:
    form = InvitedAccountForm(_posted(request))
    if form.is_valid():
        try:
            user = services.accept_invitation_with_new_account(
                token=token,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        except Invalid as exc:
            _shown_again(form, exc)
        else:
            _sign_in(request, user)
            return _welcome(request, invitation)
    status = UNACCEPTABLE if form.errors else 200
    return _page(request, invitation, form=form, status=status)


def _sign_in(request: HttpRequest, user: User) -> None:
    services.record_login_attempt(
        email=user.email, ip=selectors.client_ip(request.META), succeeded=True
    )
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])


def _welcome(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    messages.success(
        request, f"Welcome: you joined {invitation.target_label} as “{invitation.role_label}”."
    )
    if invitation.organisation is not None:
        return redirect("accounts:organisation", slug=invitation.organisation.slug)
    return redirect(settings.LOGIN_REDIRECT_URL)
