"""The secretariat's list of coordinator organisations, with grant and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.cvd.exceptions import InvalidField, NotAllowed
from accord.cvd.selectors.coordinators import coordinator_organisations
from accord.cvd.services import coordinators as services


class CoordinatorForm(forms.Form):
    organisation = forms.SlugField(max_length=80)


def _require_secretariat(request: HttpRequest) -> None:
    if not has_perm(request.user, Permission.CVD_COORDINATOR_GRANT):
        raise NotAllowed("Only the secretariat names coordinators.")


@login_required
def coordinator_list(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    coordinating = coordinator_organisations()
    candidates = accounts.organisations_in_good_standing().exclude(pk__in=coordinating.values("pk"))
    context = {"coordinators": coordinating, "candidates": candidates.order_by("name")}
    return render(request, "cvd/coordinators/list.html", context)


@login_required
@require_POST
def coordinator_change(request: HttpRequest, action: str) -> HttpResponse:
    _require_secretariat(request)
    form = CoordinatorForm(request.POST)
    found = (
        accounts.organisation_with_slug(form.data.get("organisation", ""))
        if form.is_valid()
        else None
    )
    if found is None:
        raise InvalidField("Choose an organisation.", field="organisation")
    if action == "grant":
        services.grant_coordinator(actor=request.user, organisation=found)  # type: ignore[arg-type]
        messages.success(request, f"{found.name} now acts as coordinator.")
    else:
        services.revoke_coordinator(actor=request.user, organisation=found)  # type: ignore[arg-type]
        messages.success(request, f"{found.name} no longer acts as coordinator.")
    return redirect("cvd:coordinators")


urlpatterns: list[URLPattern] = [
    path("cvd/coordinators/", coordinator_list, name="coordinators"),
    path(
        "cvd/coordinators/grant/", coordinator_change, {"action": "grant"}, name="coordinator_grant"
    ),
    path(
        "cvd/coordinators/revoke/",
        coordinator_change,
        {"action": "revoke"},
        name="coordinator_revoke",
    ),
]
