"""The instance's disclosure front door: security.txt, the disclosure policy, and the
CSAF 2.0 provider directory under /.well-known/csaf/ (see accord.cvd.csaf_directory).

Every file here is public and the same for everyone: served without a session, with
an ETag, a Last-Modified where it has one, and a short public cache lifetime, and never
through a redirect (CSAF 2.0 requirement 6). The directory holds TLP:CLEAR advisories
only: its one source is `selectors.provider.public_directory`.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from accord.cvd import csaf_directory, security_txt, signing
from accord.cvd.selectors import provider as selectors

CACHE_SECONDS = 300
TEXT = "text/plain; charset=utf-8"
CHECKSUMS = {".sha256": "sha256", ".sha512": "sha512"}


def base_url(request: HttpRequest) -> str:
    """The instance's public address: ACCORD_BASE_URL, else the one this request came to."""
    return settings.ACCORD_BASE_URL or f"{request.scheme}://{request.get_host()}"


def _file(
    request: HttpRequest, body: bytes, content_type: str, modified: datetime | None = None
) -> HttpResponseBase:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    timestamp = int(modified.timestamp()) if modified else None
    unchanged = get_conditional_response(request, etag=etag, last_modified=timestamp)
    response = unchanged or HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@require_safe
def security_txt_file(request: HttpRequest) -> HttpResponseBase:
    signed = security_txt.current(base_url=base_url(request), now=timezone.now())
    return _file(request, signed.text.encode(), TEXT)


@require_safe
def legacy_security_txt(request: HttpRequest) -> HttpResponse:
    # RFC 9116 section 3: the top-level path may redirect to the well-known one.
    return redirect(security_txt.PATH, permanent=True)


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    key = signing.instance_key()
    context = {
        "fingerprint_groups": " ".join(textwrap.wrap(key.fingerprint, 4)),
        "key_path": csaf_directory.key_path(key.fingerprint),
        "csaf_path": csaf_directory.METADATA_PATH,
    }
    return render(request, "cvd/provider/policy.html", context)


@require_safe
def public_key(request: HttpRequest, fingerprint: str) -> HttpResponseBase:
    key = signing.instance_key()
    if fingerprint.upper() != key.fingerprint:
        raise Http404
    return _file(request, key.armoured.encode(), "application/pgp-keys")


@require_safe
def provider_metadata(request: HttpRequest) -> HttpResponseBase:
    key = signing.instance_key()
    # It changes when an advisory does, and when the key does.
    updated = max(filter(None, (selectors.last_public_release(), key.created)))
    metadata = csaf_directory.provider_metadata(
        base_url=base_url(request),
        publisher_name=settings.ACCORD_INSTANCE_NAME,
        fingerprint=key.fingerprint,
        last_updated=updated,
    )
    body = (json.dumps(metadata, indent=2) + "\n").encode()
    return _file(request, body, "application/json", updated)


@require_safe
def distribution(request: HttpRequest) -> HttpResponse:
    folder = selectors.public_directory()
    entries = ["index.txt", "changes.csv", *(f"{year}/" for year in folder.years)]
    return _listing(request, csaf_directory.DISTRIBUTION_PATH, entries)


@require_safe
def year_folder(request: HttpRequest, year: str) -> HttpResponse:
    documents = [d for d in selectors.public_directory().documents if d.year == year]
    if not documents:
        raise Http404
    entries = [
        name
        for d in sorted(documents, key=lambda d: d.name)
        for name in (d.name, d.name + ".asc", d.name + ".sha256", d.name + ".sha512")
    ]
    return _listing(request, f"{csaf_directory.DISTRIBUTION_PATH}{year}/", entries)


def _listing(request: HttpRequest, here: str, entries: list[str]) -> HttpResponse:
    # CSAF 2.0 requirement 14: the folders can be browsed by hand.
    response = render(request, "cvd/provider/listing.html", {"here": here, "entries": entries})
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@require_safe
def index_txt(request: HttpRequest) -> HttpResponseBase:
    return _file(request, selectors.public_directory().index_txt(), TEXT)


@require_safe
def changes_csv(request: HttpRequest) -> HttpResponseBase:
    return _file(request, selectors.public_directory().changes_csv(), "text/csv; charset=utf-8")


@require_safe
def document_file(request: HttpRequest, year: str, name: str, suffix: str) -> HttpResponseBase:
    document = selectors.public_directory().find(f"{year}/{name}.json")
    if document is None:
        raise Http404
    if suffix == ".asc":
        return _file(
            request, signing.detached_signature(document.body), "application/pgp-signature"
        )
    if suffix in CHECKSUMS:
        body = csaf_directory.checksum(document.body, document.name, CHECKSUMS[suffix])
        return _file(request, body, TEXT)
    return _file(request, document.body, "application/json")


_WELL_KNOWN = ".well-known/csaf/"
urlpatterns: list[URLPattern] = [
    path(".well-known/security.txt", security_txt_file, name="security_txt"),
    path("security.txt", legacy_security_txt),
    path("report/policy/", policy, name="policy"),
    path(f"{_WELL_KNOWN}provider-metadata.json", provider_metadata, name="csaf_provider_metadata"),
    re_path(
        r"^\.well-known/csaf/openpgp/(?P<fingerprint>[0-9A-Fa-f]{40,64})\.asc$",
        public_key,
        name="csaf_public_key",
    ),
    path(f"{_WELL_KNOWN}white/", distribution, name="csaf_distribution"),
    path(f"{_WELL_KNOWN}white/index.txt", index_txt, name="csaf_index"),
    path(f"{_WELL_KNOWN}white/changes.csv", changes_csv, name="csaf_changes"),
    re_path(r"^\.well-known/csaf/white/(?P<year>\d{4})/$", year_folder, name="csaf_year"),
    re_path(
        r"^\.well-known/csaf/white/(?P<year>\d{4})/(?P<name>[+\-a-z0-9_]+)\.json"
        r"(?P<suffix>|\.asc|\.sha256|\.sha512)$",
        document_file,
        name="csaf_document",
    ),
]
