"""The site's URL map plus one page that raises each kind of domain error, so the page
mapping (`accord.web.middleware`) can be tested for every kind through HTTP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from accord import errors
from accord.urls import handler400, handler403, handler404, handler500
from accord.urls import urlpatterns as site

KINDS: dict[str, type[errors.DomainError]] = {
    "not-allowed": errors.NotAllowed,
    "not-found": errors.NotFound,
    "conflict": errors.Conflict,
    "invalid": errors.Invalid,
    "too-large": errors.TooLarge,
    "unsupported": errors.UnsupportedType,
}


def refuse(request: HttpRequest, kind: str) -> HttpResponse:
    raise KINDS[kind](f"Refused <{kind}>.")


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("not a domain error")


urlpatterns = [
    path("refuse/<str:kind>/", refuse),
    path("fail/", fail),
    *site,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
