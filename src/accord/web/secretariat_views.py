"""The secretariat's workspace: the overview, the organisations, failing evidence, lapses,
and the actions on one organisation, its members and its domains.

Views parse the form, call one service or selector, and say afterwards what happened.
Who may do what is decided by `has_perm`, through the selectors (None for someone not
allowed) and the services. A refused change (`accord.errors.DomainError`) is answered
by `accord.web.middleware`; a form that is not acceptable (`Invalid`) is shown again,
with the message by its field, as 422.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.accounts import services as account_services
from accord.commitments import selectors as commitments
from accord.errors import Invalid, NotAllowed
from accord.evidence import selectors as evidence
from accord.evidence import services as evidence_services
from accord.web import workspace
from accord.web.forms import (
    ORGANISATIONS_PER_PAGE,
    ROLE_CHOICES,
    OrganisationDetailsForm,
    OrganisationFilterForm,
    ReasonForm,
    RemovalForm,
    RoleForm,
)

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

ONLY_SECRETARIAT = "Only the secretariat has a workspace."
DETAILS = ("name", "sector", "country", "size_band", "website")


def _require_secretariat(request: HttpRequest) -> None:
    if not has_perm(request.user, Permission.INSTANCE_ADMIN):
        raise NotAllowed(ONLY_SECRETARIAT)


def _paged(request: HttpRequest, rows: Any, per_page: int = ORGANISATIONS_PER_PAGE) -> Any:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a person lands after signing in: the secretariat in its workspace, everyone
    else on their account page."""
    if has_perm(request.user, Permission.INSTANCE_ADMIN):
        return redirect("web:workspace")
    return redirect("accounts:account")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    found = workspace.overview(request.user)
    if found is None:
        raise NotAllowed(ONLY_SECRETARIAT)
    return render(request, "web/secretariat/overview.html", {"overview": found})


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    facets = accounts.organisation_facets(request.user)
    filters = OrganisationFilterForm(request.GET or None, facets=facets)
    found = accounts.organisation_directory(request.user, filters.wanted())
    if found is None:
        raise NotAllowed(ONLY_SECRETARIAT)
    context = {"filters": filters, "page": _paged(request, found), "facets": facets}
    return render(request, "web/secretariat/organisations.html", context)


@login_required
def failing(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    page = _paged(request, evidence.failing_checks(request.user), per_page=50)
    return render(request, "web/secretariat/failing.html", {"page": page})


@login_required
def lapses(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    page = _paged(request, commitments.lapses(request.user), per_page=50)
    return render(request, "web/secretariat/lapses.html", {"page": page})


# One organisation ----------------------------------------------------------------------


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    _require_secretariat(request)
    found = accounts.get_organisation_for(request.user, slug)
    if found is None:
        raise Http404("No such organisation.")
    return found


def _render_organisation(
    request: HttpRequest, organisation: Organisation, *, status: int = 200, **forms: Any
) -> HttpResponse:
    initial = {field: getattr(organisation, field) for field in DETAILS}
    context = {
        "organisation": organisation,
        "members": accounts.organisation_members(request.user, organisation),
        "domains": evidence.organisation_domains(request.user, organisation),
        "roles": ROLE_CHOICES,
        "details_form": forms.get("details_form") or OrganisationDetailsForm(initial=initial),
        "standing_form": forms.get("standing_form") or ReasonForm(),
        "removal_form": forms.get("removal_form") or RemovalForm(slug=organisation.slug),
    }
    return render(request, "web/secretariat/organisation.html", context, status=status)


def _to_organisation(organisation: Organisation) -> HttpResponse:
    return redirect("web:secretariat_organisation", slug=organisation.slug)


@login_required
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_organisation(request, _organisation(request, slug))


@login_required
@require_POST
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    target = _organisation(request, slug)
    before = {field: getattr(target, field) for field in DETAILS}
    form = OrganisationDetailsForm(request.POST)
    if form.is_valid():
        try:
            edited = account_services.edit_organisation(
                organisation=target, actor=request.user, **form.cleaned_data
            )
        except Invalid as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, _edited_message(edited, before))
            return _to_organisation(edited)
    return _render_organisation(request, target, status=Invalid.http_status, details_form=form)


def _edited_message(organisation: Organisation, before: dict[str, str]) -> str:
    changed = [
        f"{field.replace('_', ' ')} “{before[field]}” → “{getattr(organisation, field)}”"
        for field in DETAILS
        if getattr(organisation, field) != before[field]
    ]
    if not changed:
        return f"Nothing changed: {organisation.name}'s details were already these."
    return f"Saved {organisation.name}: {'; '.join(changed)}."


@login_required
@require_POST
def organisation_suspend(request: HttpRequest, slug: str) -> HttpResponse:
    target = _organisation(request, slug)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        suspended = account_services.suspend_organisation(
            organisation=target, reason=form.cleaned_data.get("reason", ""), actor=request.user
        )
    except Invalid as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return _render_organisation(request, target, status=exc.http_status, standing_form=form)
    messages.success(
        request,
        f"{suspended.name} is suspended: its members cannot act for it, its scorecard and "
        "badges are not public, and the figures leave it out from the next daily snapshot. "
        "Its admins are told.",
    )
    return _to_organisation(suspended)


@login_required
@require_POST
def organisation_reinstate(request: HttpRequest, slug: str) -> HttpResponse:
    target = _organisation(request, slug)
    form = ReasonForm(request.POST)
    form.is_valid()
    reinstated = account_services.reinstate_organisation(
        organisation=target, reason=form.cleaned_data.get("reason", ""), actor=request.user
    )
    messages.success(
        request,
        f"{reinstated.name} is reinstated: its members can act for it again, and the "
        "figures count it from the next daily snapshot. Its admins are told.",
    )
    return _to_organisation(reinstated)


@login_required
@require_POST
def organisation_remove(request: HttpRequest, slug: str) -> HttpResponse:
    target = _organisation(request, slug)
    form = RemovalForm(request.POST, slug=target.slug)
    if form.is_valid():
        try:
            removal = account_services.remove_organisation(
                organisation=target, reason=form.cleaned_data["reason"], actor=request.user
            )
        except Invalid as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(
                request,
                f"{target.name} is removed: it is hidden everywhere and "
                f"{removal.tokens_revoked} API token(s) were revoked. Its history stays in "
                "the audit log.",
            )
            return redirect("web:secretariat_organisations")
    return _render_organisation(request, target, status=Invalid.http_status, removal_form=form)


# Members, people and domains -----------------------------------------------------------


def _member(organisation: Organisation, user_id: int) -> accounts.MemberRecord:
    member = accounts.member_of(organisation, user_id)
    if member is None:
        raise Http404("No such member.")
    return member


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    target = _organisation(request, slug)
    member = _member(target, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: organisation admin or member.")
        return _render_organisation(request, target, status=Invalid.http_status)
    membership = account_services.change_role(
        organisation=target, user=member.user, role=form.cleaned_data["role"], actor=request.user
    )
    label = membership.get_role_display().lower()
    if member.role == membership.role:
        messages.info(request, f"{member.user.email} was already {label} of {target.name}.")
    else:
        messages.success(request, f"{member.user.email} is now {label} of {target.name}.")
    return _to_organisation(target)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    target = _organisation(request, slug)
    member = _member(target, user_id).user
    account_services.remove_member(organisation=target, user=member, actor=request.user)
    messages.success(
        request,
        f"{member.email} is no longer a member of {target.name}; their API tokens for it "
        "are revoked.",
    )
    return _to_organisation(target)


@login_required
@require_POST
def member_deactivate(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    target = _organisation(request, slug)
    person = _member(target, user_id).user
    if not person.is_active:
        messages.info(request, f"{person.email} was deactivated already; nothing changed.")
        return _to_organisation(target)
    account_services.deactivate_user(user=person, actor=request.user)
    messages.success(
        request,
        f"{person.email} can no longer sign in: their sessions ended and their API tokens "
        "are revoked. Their memberships and history stay.",
    )
    return _to_organisation(target)


@login_required
@require_POST
def domain_remove(request: HttpRequest, domain_id: int) -> HttpResponse:
    _require_secretariat(request)
    domain = evidence.domain_for(request.user, domain_id)
    if domain is None:
        raise Http404("No such domain.")
    evidence_services.remove_domain(domain=domain, actor=request.user)
    messages.success(
        request,
        f"{domain.name} is removed from {domain.organisation.name}: it is no longer checked, "
        "and what was observed on it stays in the organisation's history.",
    )
    return _to_organisation(domain.organisation)


_ORG = "secretariat/organisations/<slug:slug>/"
urlpatterns: list[URLPattern] = [
    path("start/", start, name="start"),
    path("secretariat/", overview, name="workspace"),
    path("secretariat/organisations/", organisations, name="secretariat_organisations"),
    path(_ORG, organisation, name="secretariat_organisation"),
    path(f"{_ORG}edit/", organisation_edit, name="secretariat_organisation_edit"),
    path(f"{_ORG}suspend/", organisation_suspend, name="secretariat_organisation_suspend"),
    path(f"{_ORG}reinstate/", organisation_reinstate, name="secretariat_organisation_reinstate"),
    path(f"{_ORG}remove/", organisation_remove, name="secretariat_organisation_remove"),
    path(f"{_ORG}members/<int:user_id>/role/", member_role, name="secretariat_member_role"),
    path(f"{_ORG}members/<int:user_id>/remove/", member_remove, name="secretariat_member_remove"),
    path(
        f"{_ORG}members/<int:user_id>/deactivate/",
        member_deactivate,
        name="secretariat_member_deactivate",
    ),
    path(
        "secretariat/domains/<int:domain_id>/remove/",
        domain_remove,
        name="secretariat_domain_remove",
    ),
    path("secretariat/failing/", failing, name="secretariat_failing"),
    path("secretariat/lapses/", lapses, name="secretariat_lapses"),
]
