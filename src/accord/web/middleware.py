"""The one place where a page's refused change becomes a response.

A view lets a `DomainError` from a service propagate; this middleware answers it with the
status its kind names (403, 404, 409, 413, 415, 422) and the message, on the site's error
page or, to an htmx request, as a fragment the page can swap in. The JSON API has its own
one place, the exception handler in `accord.api`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from accord.errors import DomainError


def domain_error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The error page (or, for htmx, the fragment) that answers `exc`."""
    context = {
        "status": exc.http_status,
        "title": exc.title,
        "message": str(exc),
        "back": _page_before(request),
    }
    htmx = request.headers.get("HX-Request") == "true"
    template = "web/_error.html" if htmx else "web/error.html"
    response = render(request, template, context, status=exc.http_status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _page_before(request: HttpRequest) -> str:
    """The page on this site the refused request came from, so the error page is not a
    dead end; empty when there is none, or it is elsewhere."""
    referer = request.headers.get("Referer", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and allowed else ""


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return domain_error_response(request, exception)
        return None
