"""CVD pages: the case's timeline, at /cvd/<ref>/timeline/: the entries the viewer may
read, newest first, each with the anchor `event-<id>` notifications link to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from accord.cvd.selectors import timeline as selectors
from accord.cvd.views import case_page

MAX_UPTO = 2**63 - 1


def _upto(request: HttpRequest) -> int | None:
    # A page is named by its newest entry; anything else shows the newest page.
    value = request.GET.get("upto", "")
    if not value.isdigit() or len(value) > 19 or int(value) > MAX_UPTO:
        return None
    return int(value) or None


def timeline(request: HttpRequest, reference: str) -> HttpResponse:
    context = case_page(request, reference, tab="timeline")
    context["timeline"] = selectors.timeline_page(
        request.user, context["case"], upto=_upto(request)
    )
    return render(request, "cvd/timeline/page.html", context)


urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/timeline/", timeline, name="timeline"),
]
