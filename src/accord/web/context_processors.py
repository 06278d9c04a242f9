from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accord import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "instance_name": settings.ACCORD_INSTANCE_NAME,
        "accord_version": __version__,
        # htmx comes from npm (frontend/); without it every page still works as plain HTML.
        "htmx_available": bool(settings.STATICFILES_DIRS),
    }
