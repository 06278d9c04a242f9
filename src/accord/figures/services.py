"""Storing the published figures: the daily snapshots, rebuilt from the records, and
the yearly reports published into the public archive."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from accord.access import Permission, has_perm
from accord.audit.services import record_event
from accord.errors import Conflict, Invalid, NotAllowed
from accord.figures import metrics, report
from accord.figures.models import DailySnapshot, PublishedReport

_BATCH_DAYS = 60


@transaction.atomic
def rebuild_snapshots(*, since: date | None = None, until: date) -> int:
    """Compute and store the figures of every day from `since` (default: the first
    commitment) to `until`, replacing what was stored for those days. Idempotent.

    Returns the number of rows written; records the audit event `figures:snapshot:rebuild`.
    """
    replayed = metrics.replay(since=since, until=until)
    if replayed is None:
        return 0
    start, days = replayed
    stale = DailySnapshot.objects.filter(date__lte=until)
    if since is not None:
        stale = stale.filter(date__gte=since)
    replaced, _ = stale.delete()
    written = 0
    batch: list[DailySnapshot] = []
    for day, rows in days:
        batch += rows
        if (day - start).days % _BATCH_DAYS == _BATCH_DAYS - 1:
            written += len(DailySnapshot.objects.bulk_create(batch))
            batch = []
    written += len(DailySnapshot.objects.bulk_create(batch))
    data = {"since": start, "until": until, "rows": written, "replaced": replaced}
    record_event(tag="figures:snapshot:rebuild", data=data)
    return written


def take_daily_snapshot(*, day: date) -> int:
    """Compute and store the figures of one day (again, if already stored)."""
    return rebuild_snapshots(since=day, until=day)


@dataclass(frozen=True)
class Publication:
    """What publishing did: the stored version, and the one it supersedes, if any."""

    report: PublishedReport
    superseded: PublishedReport | None


@transaction.atomic
def publish_report(*, year: int, actor: Any, base_url: str) -> Publication:
    """Make the report of `year` (PDF and HTML, as `accord report` does) and store it as
    the next version in the public archive; earlier versions stay.

    Raises NotAllowed unless `actor` may publish reports (None, the command line, may),
    Invalid (field "year") when the year has no figures, and Conflict when the PDF is
    byte for byte the latest published version's. Records `figures:report:publish`.
    """
    if actor is not None and not has_perm(actor, Permission.REPORT_PUBLISH):
        raise NotAllowed("Only the secretariat publishes reports.")
    try:
        built = report.build_report(year=year, base_url=base_url)
    except report.NoFigures as exc:
        raise Invalid(str(exc), field="year") from exc
    pdf = report.render_report_pdf(built)
    html = report.render_report_html(built).encode("utf-8")
    checksum = hashlib.sha256(pdf).hexdigest()
    latest = (
        PublishedReport.objects.select_for_update().filter(year=year).order_by("-version").first()
    )
    if latest is not None and latest.checksum == checksum:
        raise Conflict(
            f"The {year} report is already published as version {latest.version} "
            f"({latest.published_at:%Y-%m-%d}) and its figures have not changed since: "
            "nothing new to publish."
        )
    published = PublishedReport(
        year=year,
        version=(latest.version + 1) if latest else 1,
        figures_day=built.figures.day,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        checksum=checksum,
        html_checksum=hashlib.sha256(html).hexdigest(),
        pdf_size=len(pdf),
        html_size=len(html),
    )
    published.pdf.save(f"{published.filename}.pdf", ContentFile(pdf), save=False)
    published.html.save(f"{published.filename}.html", ContentFile(html), save=False)
    try:
        with transaction.atomic():
            published.save()
    except IntegrityError as exc:  # another publisher took the same version just now
        raise Conflict(f"Another version of the {year} report was published just now.") from exc
    record_event(
        tag="figures:report:publish",
        actor=actor,
        target=published,
        data={
            "year": year,
            "version": published.version,
            "figures_day": built.figures.day,
            "sha256": checksum,
            "supersedes": latest.version if latest else None,
        },
    )
    return Publication(published, latest)
