"""The public advisories: /advisories/ (newest first, searchable, a page at a time),
/advisories/feed.atom (Atom 1.0), and each advisory's page /advisories/<tracking-id>/
with its downloads. Only TLP:CLEAR advisories are here, for everyone: any other is not
found, whoever asks (those in its case read it on the case's pages)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed

from accord.cvd.models import Advisory, Statement
from accord.cvd.selectors import publication as selectors
from accord.cvd.views.publication import attachment, labelled, revision_rows
from accord.notifications.services import absolute_url

FEED_ENTRIES = 50
STATUS_LABELS = dict(Statement.Status.choices)
JUSTIFICATION_LABELS = dict(Statement.Justification.choices)


def _wants_fragment(request: HttpRequest) -> bool:
    headers = request.headers
    return headers.get("HX-Request") == "true" and not headers.get("HX-History-Restore-Request")


def advisory_list(request: HttpRequest) -> HttpResponse:
    """The list; to htmx's live search, only the results."""
    query = " ".join(request.GET.get("q", "").split())[: selectors.MAX_SEARCH]
    page = selectors.public_page(text=query, page=request.GET.get("page"))
    template = (
        "cvd/advisories/_results.html" if _wants_fragment(request) else "cvd/advisories/list.html"
    )
    response = render(request, template, {"page": page, "query": query})
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _advisory(tracking_id: str) -> Advisory:
    found = selectors.public_advisory(tracking_id)
    if found is None:
        raise Http404("No such advisory.")
    return found


def _vendor_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Each vulnerability with, per product, each vendor's status."""
    products = {p["key"]: p for p in snapshot.get("products", [])}
    rows = []
    for vulnerability in snapshot.get("vulnerabilities", []):
        statuses = [
            {
                **status,
                "product": products.get(status["product_key"], {}),
                "status_label": STATUS_LABELS.get(status["status"], status["status"]),
                "justification_label": JUSTIFICATION_LABELS.get(
                    status["justification"], status["justification"]
                ),
            }
            for status in vulnerability.get("statuses", [])
        ]
        rows.append({**vulnerability, "statuses": statuses})
    return rows


def advisory_page(request: HttpRequest, tracking_id: str) -> HttpResponse:
    advisory = _advisory(tracking_id)
    snapshot = advisory.snapshot or {}
    context = {
        "advisory": advisory,
        "vulnerabilities": _vendor_rows(snapshot),
        "products": snapshot.get("products", []),
        "acknowledgments": snapshot.get("acknowledgments", []),
        "revisions": revision_rows(selectors.public_revisions(advisory)),
        "downloads": labelled(advisory.documents),
    }
    return render(request, "cvd/advisories/page.html", context)


def public_download(request: HttpRequest, tracking_id: str, key: str) -> HttpResponse:
    advisory = _advisory(tracking_id)
    return attachment(advisory, advisory.documents, key, advisory.version)


def public_revision_download(
    request: HttpRequest, tracking_id: str, version: int, key: str
) -> HttpResponse:
    advisory = _advisory(tracking_id)
    revision = selectors.public_revision(advisory, version)
    if revision is None:
        raise Http404("No such version.")
    return attachment(advisory, revision.documents, key, revision.number)


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml(text: str) -> str:
    """`text` without the control characters XML cannot carry: the services refuse
    them, and an older value holding one must not break the feed for everyone."""
    return _CONTROLS.sub("", text)


def feed(request: HttpRequest) -> HttpResponse:
    """The newest advisories as an Atom 1.0 feed."""
    atom = Atom1Feed(
        title=f"{settings.ACCORD_INSTANCE_NAME}: security advisories",
        link=absolute_url(reverse("cvd:advisories")),
        description="Published TLP:CLEAR advisories",
        feed_url=absolute_url(reverse("cvd:advisories_feed")),
        feed_guid=absolute_url(reverse("cvd:advisories_feed")),
        language="en",
        author_name=settings.ACCORD_INSTANCE_NAME,
        author_link=absolute_url("/"),
    )
    for advisory in selectors.public_advisories()[:FEED_ENTRIES]:
        link = absolute_url(reverse("cvd:advisory_page", args=[advisory.tracking_id]))
        state = " (withdrawn)" if advisory.state == Advisory.State.WITHDRAWN else ""
        atom.add_item(
            title=_xml(f"{advisory.tracking_id}: {advisory.title}{state}"),
            link=link,
            description=_xml(advisory.summary or advisory.title),
            unique_id=f"{link}#v{advisory.version}",
            pubdate=advisory.initial_release_at,
            updateddate=advisory.current_release_at,
            categories=[_xml(c) for c in advisory.cve_ids],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    return response


urlpatterns: list[URLPattern] = [
    path("advisories/", advisory_list, name="advisories"),
    path("advisories/feed.atom", feed, name="advisories_feed"),
    path("advisories/<str:tracking_id>/", advisory_page, name="advisory_page"),
    path(
        "advisories/<str:tracking_id>/<str:key>.json",
        public_download,
        name="advisory_public_download",
    ),
    path(
        "advisories/<str:tracking_id>/v<int:version>/<str:key>.json",
        public_revision_download,
        name="advisory_public_revision_download",
    ),
]
