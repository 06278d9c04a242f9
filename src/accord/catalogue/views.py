"""The catalogue's public pages. Each view reads through `selectors` and renders."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from accord.catalogue import selectors
from accord.catalogue.exceptions import SearchQueryTooLong


def index(request: HttpRequest) -> HttpResponse:
    context = {
        "summary": selectors.catalogue_summary(),
        "frameworks": selectors.list_frameworks(),
        "areas": selectors.list_areas(),
        "profiles": selectors.list_profiles(),
    }
    return render(request, "catalogue/index.html", context)


def framework(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_framework(slug)
    if found is None:
        raise Http404("No framework with this id.")
    return render(request, "catalogue/framework.html", {"framework": found})


def norm(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    found = selectors.get_norm(slug, key)
    if found is None:
        raise Http404("No norm with this id.")
    return render(request, "catalogue/norm.html", {"norm": found, "framework": found.framework})


def practice(request: HttpRequest, practice_id: str) -> HttpResponse:
    found = selectors.get_practice(practice_id)
    if found is None:
        raise Http404("No practice with this id.")
    return render(request, "catalogue/practice.html", {"practice": found})


def profile(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_profile(slug)
    if found is None:
        raise Http404("No profile with this id.")
    return render(request, "catalogue/profile.html", {"profile": found})


def changelog(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/changelog.html", {"version": selectors.current_version()})


def search(request: HttpRequest) -> HttpResponse:
    """The search page; to htmx's live search (`HX-Request`), only the results fragment."""
    query = request.GET.get("q", "")
    try:
        results, error = list(selectors.search_practices(query)), ""
    except SearchQueryTooLong as exc:
        results, error = [], str(exc)
    context = {"query": query.strip(), "results": results, "error": error}
    template = (
        "catalogue/_search_results.html" if _wants_fragment(request) else "catalogue/search.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _wants_fragment(request: HttpRequest) -> bool:
    # htmx restoring its history after a cache miss needs the whole page again.
    headers = request.headers
    return headers.get("HX-Request") == "true" and not headers.get("HX-History-Restore-Request")
