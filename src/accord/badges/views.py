"""Public badges, their verification pages, and the OSCAL assessment-results download.

- `/adoption/badges/<organisation>/<profile>.svg`: the badge, for organisations that
  opted in; 404 otherwise, the same answer as for an unknown organisation.
- `/adoption/badges/<organisation>/<profile>/`: the public page the badge links to.
- `/adoption/organisations/`: the directory of organisations that publish their
  scorecard, with search and pages.
- `/adoption/organisations/<organisation>/assessment-results.json`: the organisation's
  OSCAL assessment results, for its members and the secretariat; 404 for anyone else.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from accord.accounts import selectors as accounts
from accord.accounts.permissions import Permission, has_perm
from accord.badges import selectors as badge_selectors
from accord.badges.render import embed_snippets, render_badge, verified_badge
from accord.badges.selectors import ProfileStanding

BADGE_MAX_AGE = 3600
# An SVG opened on its own is a document that could run script; this one has none, and
# the policy makes sure nothing in it (or injected into it) ever could.
BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _standing(organisation: str, profile: str, *, with_evidence: bool) -> ProfileStanding:
    standing = badge_selectors.profile_standing(
        organisation_slug=organisation,
        profile_slug=profile,
        now=timezone.now(),
        with_evidence=with_evidence,
    )
    if standing is None:
        raise Http404("No such badge.")
    return standing


@require_safe
def badge(request: HttpRequest, organisation: str, profile: str) -> HttpResponse:
    standing = _standing(organisation, profile, with_evidence=False)
    svg = render_badge(
        verified_badge(
            organisation=standing.organisation.name,
            profile=standing.profile.title,
            verified=standing.verified,
            total=standing.total,
        )
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = BADGE_CSP
    patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
    return response


@require_safe
def verification(request: HttpRequest, organisation: str, profile: str) -> HttpResponse:
    standing = _standing(organisation, profile, with_evidence=True)
    page_url = request.build_absolute_uri(
        reverse("badges:verification", args=[organisation, profile])
    )
    svg_url = request.build_absolute_uri(reverse("badges:badge", args=[organisation, profile]))
    alt = f"{standing.organisation.name}: {standing.profile.title}"
    context = {
        "standing": standing,
        "badge_url": svg_url,
        "alt": alt,
        "snippets": embed_snippets(alt=alt, badge_url=svg_url, page_url=page_url),
    }
    return render(request, "badges/verification.html", context)


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    found = badge_selectors.directory(
        search=request.GET.get("q", ""), page=request.GET.get("page") or 1
    )
    return render(request, "badges/directory.html", {"directory": found})


@require_safe
def assessment_results(request: HttpRequest, organisation: str) -> HttpResponse:
    found = accounts.organisation_with_slug(organisation)
    if found is None or not has_perm(request.user, Permission.ASSESSMENT_EXPORT, found):
        raise Http404("No such organisation.")
    # trestle takes a third of a second to import; only this download pays for it.
    from accord.commitments.oscal_results import export_assessment_results

    text = export_assessment_results(organisation=found, now=timezone.now())
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    name = f"{found.slug}-assessment-results.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


urlpatterns: list[URLPattern] = [
    path("organisations/", directory, name="directory"),
    path("badges/<slug:organisation>/<slug:profile>.svg", badge, name="badge"),
    path("badges/<slug:organisation>/<slug:profile>/", verification, name="verification"),
    path(
        "organisations/<slug:organisation>/assessment-results.json",
        assessment_results,
        name="assessment_results",
    ),
]
