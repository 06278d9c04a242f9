"""The archive of yearly reports at /adoption/reports/: public downloads of every
published version, and, for the secretariat, "Publish the <year> report" and drafts.

Views parse, call one service or selector, and render. Who may publish is decided by
`has_perm` (in the service, and here to show or refuse the secretariat's parts).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.errors import Invalid, NotAllowed
from accord.figures import report, selectors, services
from accord.figures.models import PublishedReport

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
# The HTML report is one file meant to be saved and read offline, so its styles are
# inside it; it has no script and, sandboxed, may run none, load nothing from anywhere
# (so injected styles could not send anything out) and be framed by no other site.
HTML_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


def archive(request: HttpRequest) -> HttpResponse:
    """Every published report, newest first; the secretariat also sees what it can publish."""
    return _archive(request)


def _archive(request: HttpRequest, *, problem: str = "", status: int = 200) -> HttpResponse:
    years = selectors.report_archive(request.user)
    published = {entry.year: entry.current for entry in years}
    may_publish = has_perm(request.user, Permission.REPORT_PUBLISH)
    context: dict[str, Any] = {
        "years": years,
        "may_publish": may_publish,
        "problem": problem,
        "publishable": [
            (year, published.get(year)) for year in selectors.report_years()
        ] if may_publish else [],
    }  # fmt: skip
    return render(request, "figures/reports.html", context, status=status)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the year posted; say what happened on the archive page."""
    try:
        year = _year(request.POST.get("year", ""))
        done = services.publish_report(
            year=year, actor=request.user, base_url=report.report_base_url(request)
        )
    except Invalid as exc:
        return _archive(request, problem=str(exc), status=exc.http_status)
    messages.success(request, _published_message(done))
    return redirect(f"{reverse('figures:reports')}#report-{year}")


def _year(raw: str) -> int:
    if not raw.strip().isdigit() or not 2000 <= int(raw) <= 2100:
        raise Invalid(f"{raw[:10]!r} is not a year to publish.", field="year")
    return int(raw)


def _published_message(done: services.Publication) -> str:
    new = done.report
    text = (
        f"Published the {new.year} report as version {new.version}: figures as at the end "
        f"of {new.figures_day.isoformat()}, PDF of {new.pdf_size // 1024:,} KB (SHA-256 "
        f"{new.checksum[:16]}…) and HTML. It is now in the public archive."
    )
    if done.superseded is not None:
        text += f" Version {done.superseded.version} stays there, marked as superseded."
    return text


def download(request: HttpRequest, year: int, fmt: str, version: int | None = None) -> FileResponse:
    """A published version (the year's latest, without `version`) as PDF or HTML."""
    found = selectors.published_report(request.user, year=year, version=version)
    if found is None or fmt not in FORMATS:
        raise Http404("No such published report.")
    return _file(found, fmt)


def _file(found: PublishedReport, fmt: str) -> FileResponse:
    stored = found.pdf if fmt == "pdf" else found.html
    response = FileResponse(
        stored.open("rb"),
        filename=f"{found.filename}.{fmt}",
        content_type=FORMATS[fmt],
        as_attachment=fmt == "pdf",
    )
    if fmt == "html":
        response["Content-Security-Policy"] = HTML_POLICY
    return response


@login_required
def draft(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    """The report as it would be published now, for the secretariat to read first."""
    if not has_perm(request.user, Permission.REPORT_PUBLISH):
        raise NotAllowed("Only the secretariat reads reports before they are published.")
    if fmt not in FORMATS:
        raise Http404("No such format.")
    built = report.build_report(year=year, base_url=report.report_base_url(request))
    if fmt == "pdf":
        response = HttpResponse(report.render_report_pdf(built), content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="adoption-report-{year}-draft.pdf"'
        return response
    response = HttpResponse(report.render_report_html(built), content_type=FORMATS[fmt])
    response["Content-Security-Policy"] = HTML_POLICY
    return response


urlpatterns: list[URLPattern] = [
    path("reports/", archive, name="reports"),
    path("reports/publish/", publish, name="report_publish"),
    path("reports/<int:year>/report.<str:fmt>", download, name="report_latest"),
    path("reports/<int:year>/v<int:version>/report.<str:fmt>", download, name="report_download"),
    path("reports/<int:year>/draft.<str:fmt>", draft, name="report_draft"),
]
