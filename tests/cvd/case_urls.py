"""The site's URL map for the case page tests, with a stand-in for each tab of
`cvd/case_base.html` whose page another part of the CVD work builds: the case header
links to every tab, so it renders only once each name exists. Where a tab exists, the
stand-in is left out and the real page is used."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, include, path

from accord import urls as site
from accord.cvd import urls as cvd

TABS = ("embargo", "statements", "discussion", "timeline", "deliveries")


def _stand_in(request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse("A tab built by another part of the CVD work.")


def _missing(name: str) -> bool:
    return not any(getattr(p, "name", None) == name for p in cvd.urlpatterns)


stand_ins: list[URLPattern] = [
    path(f"cvd/<str:reference>/{tab}/", _stand_in, name=tab) for tab in TABS if _missing(tab)
]
urlpatterns = [
    path("", include(([*stand_ins, *cvd.urlpatterns], "cvd"))),
    *(p for p in site.urlpatterns if getattr(p, "urlconf_name", None) is not cvd),
]
handler404 = site.handler404
handler500 = site.handler500
handler403 = site.handler403
handler400 = site.handler400
