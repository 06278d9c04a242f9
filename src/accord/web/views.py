"""Site-wide pages: home, health, and the error pages."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accord.catalogue import selectors as catalogue
from accord.commitments import selectors as commitments
from accord.web.health import health_report


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "summary": catalogue.catalogue_summary(),
        "published_scorecards": commitments.published_scorecards().count(),
    }
    return render(request, "web/home.html", context)


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """The database's and the task queue's state, for load balancers: 200 when both
    answer, 503 otherwise. Open to anyone: it says nothing secret."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    context = {"status": status, "title": title, "message": message}
    return render(request, "web/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, "Not allowed", "You do not have access to this page.")


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, "Not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "Server error", "Something went wrong on our side; it is logged.")
