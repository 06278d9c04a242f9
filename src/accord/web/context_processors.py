from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accord import __version__
from accord.web.branding import logo_url


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "instance_name": settings.ACCORD_INSTANCE_NAME,
        "instance_logo_url": logo_url(),
        "accord_version": __version__,
        # htmx comes from npm (frontend/); without it every page still works as plain HTML.
        "htmx_available": bool(settings.STATICFILES_DIRS),
    }
