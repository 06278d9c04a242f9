"""The evidence pages: registering a domain, proving control of it, its history, one
observation, asking for a scan; and, for the secretariat, the contested domains.

Who may see what is decided by `has_perm`, through the selectors; a domain or an
observation the person may not see is answered as if it did not exist. A refused change
(`accord.errors.DomainError`) is answered by `accord.web.middleware`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accord.accounts import selectors as accounts
from accord.accounts.views import render_organisation
from accord.errors import Invalid
from accord.evidence import selectors, services
from accord.evidence.forms import DomainForm
from accord.evidence.models import Domain

OBSERVATIONS_PER_PAGE = 50


def _visible_domain(request: HttpRequest, domain_id: int) -> Domain:
    domain = selectors.domain_for(request.user, domain_id)
    if domain is None:
        raise Http404("No such domain.")
    return domain


@login_required
def domain(request: HttpRequest, domain_id: int) -> HttpResponse:
    history = selectors.domain_history(
        request.user, _visible_domain(request, domain_id), check_id=request.GET.get("check")
    )
    page = Paginator(history.observations, OBSERVATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evidence/domain.html", {"history": history, "page": page})


@login_required
def observation(request: HttpRequest, observation_id: int) -> HttpResponse:
    found = selectors.observation_for(request.user, observation_id)
    if found is None:
        raise Http404("No such observation.")
    return render(request, "evidence/observation.html", {"observation": found})


@login_required
@require_POST
def domain_scan(request: HttpRequest, domain_id: int) -> HttpResponse:
    target = _visible_domain(request, domain_id)
    services.request_manual_scan(domain=target, actor=request.user)
    messages.success(request, f"A scan of {target.name} is queued.")
    return redirect("evidence:domain", domain_id=target.pk)


# How a check's outcome is told: good news, a warning, or not done.
_CHECK_LEVELS = {
    "verified": messages.SUCCESS,
    "holds": messages.SUCCESS,
    "failing": messages.WARNING,
}


@login_required
@require_POST
def domain_check(request: HttpRequest, domain_id: int) -> HttpResponse:
    target = _visible_domain(request, domain_id)
    checked = services.check_domain_control(domain=target, actor=request.user)
    messages.add_message(
        request, _CHECK_LEVELS.get(checked.outcome, messages.ERROR), checked.message
    )
    if request.POST.get("back") == "domain":
        return redirect("evidence:domain", domain_id=target.pk)
    return redirect(reverse("accounts:organisation", args=[target.organisation.slug]) + "#domains")


@login_required
def disputes(request: HttpRequest) -> HttpResponse:
    found = selectors.disputes(request.user)
    if found is None:
        raise services.NotAllowed("Only the secretariat settles disputes over domains.")
    return render(request, "evidence/disputes.html", {"disputes": found})


@login_required
@require_POST
def domain_award(request: HttpRequest, domain_id: int) -> HttpResponse:
    claim = selectors.claim_to_award(request.user, domain_id)
    if claim is None:
        raise services.NotAllowed("Only the secretariat settles disputes over domains.")
    winner = services.award_domain(domain=claim, actor=request.user)
    messages.success(
        request,
        f"{winner.name} is awarded to {winner.organisation.name}; "
        "the other organisations' claims on it are revoked.",
    )
    return redirect("evidence:disputes")


@login_required
@require_POST
def domain_add(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = accounts.get_organisation_for(request.user, slug)
    if organisation is None:
        raise Http404("No such organisation.")
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            domain = services.add_domain(
                organisation=organisation, name=form.cleaned_data["name"], actor=request.user
            )
        except Invalid as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, _registered(domain))
            return redirect(reverse("accounts:organisation", args=[organisation.slug]) + "#domains")
    return render_organisation(request, organisation, domain_form=form, status=Invalid.http_status)


def _registered(domain: Domain) -> str:
    if domain.is_demo:
        return f"{domain.name} is registered (demo organisation: fictional domain, not scanned)."
    return (
        f"{domain.name} is registered. Prove that you control it with its token, below: "
        "until then it is not scanned and its evidence does not count."
    )
