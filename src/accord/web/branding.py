"""The instance's own name and logo, from settings, for every page.

`ACCORD_INSTANCE_LOGO` is either an address (`https://…` or `http://…`), shown as it is,
or the path of an image file on this machine, which `logo` serves at `/branding/logo`
so an instance needs no other web server for it. Only image types a browser shows as an
image are served; anything else is ignored, and the header shows the name alone.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
LOGO_MAX_AGE = 3600
# An SVG opened on its own is a document; this policy keeps any script in it inert.
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _configured() -> str:
    return str(getattr(settings, "ACCORD_INSTANCE_LOGO", "") or "").strip()


def _is_address(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def logo_file() -> Path | None:
    """The configured logo file, when the setting names an image file that exists."""
    value = _configured()
    if not value or _is_address(value):
        return None
    path = Path(value).expanduser()
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        return None
    return path


def logo_url() -> str:
    """Where pages load the logo from, or "" when there is none."""
    value = _configured()
    if _is_address(value):
        return value
    return reverse("web:logo") if logo_file() is not None else ""


@require_safe
def logo(request: HttpRequest) -> FileResponse:
    path = logo_file()
    if path is None:
        raise Http404("This instance has no logo file.")
    response = FileResponse(path.open("rb"), content_type=LOGO_TYPES[path.suffix.lower()])
    response["Content-Security-Policy"] = LOGO_CSP
    patch_cache_control(response, public=True, max_age=LOGO_MAX_AGE)
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and feed readers ask for /favicon.ico whatever the page names."""
    response = HttpResponseRedirect(static("web/favicon.svg"))
    patch_cache_control(response, public=True, max_age=LOGO_MAX_AGE)
    return response
