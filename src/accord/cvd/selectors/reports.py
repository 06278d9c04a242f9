"""Reads of reports: the triage queue, a reporter's own, one report, its follow-up link,
its messages and attachments. Each goes through `Report.objects.visible_to` (rules.py),
or through the follow-up link's capability for a reporter without an account."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.access import active
from accord.accounts import capabilities
from accord.cvd.models import Attachment, Report, ReportMessage

if TYPE_CHECKING:
    from datetime import datetime

    from accord.access import Viewer

PER_PAGE = 25
MAX_REFERENCE = 20
WINDOW = timedelta(hours=1)
DEFAULT_PER_HOUR = 5


def queue_for(user: Viewer, *, state: str = "") -> QuerySet[Report]:
    """The reports in the queues `user` triages, newest first, in `state` if named."""
    reports = Report.objects.triaged_by(user)
    if state:
        reports = reports.filter(state=state)
    return reports.select_related("triage").order_by("-received_at", "-id")


def queue_page(user: Viewer, *, state: str = "", page: int | str | None = 1) -> Page[Report]:
    return Paginator(queue_for(user, state=state), PER_PAGE).get_page(page)


def reports_of(user: Viewer) -> QuerySet[Report]:
    """The reports `user` sent while signed in, newest first."""
    if not active(user):
        return Report.objects.none()
    own = Report.objects.visible_to(user).filter(reporter_id=getattr(user, "pk", None))
    return own.order_by("-received_at", "-id")


def own_report(user: Viewer, reference: str) -> Report | None:
    """The report `reference` if `user` sent it while signed in (the reporter's own
    follow-up page); None whether or not it exists."""
    if not reference or len(reference) > MAX_REFERENCE:
        return None
    return reports_of(user).filter(reference=reference).first()


def report_for(user: Viewer, reference: str) -> Report | None:
    """The report `reference` if `user` may read it; None whether or not it exists."""
    if not reference or len(reference) > MAX_REFERENCE:
        return None
    return Report.objects.visible_to(user).filter(reference=reference).first()


def report_by_followup(token: str) -> Report | None:
    """The report whose live follow-up link carries `token`; None for a wrong, revoked
    or malformed one."""
    parts = capabilities.split(token)
    if parts is None:
        return None
    key, secret = parts
    found = Report.objects.filter(followup_key=key, followup_revoked_at__isnull=True).first()
    if found is None or not capabilities.matches(found.followup_digest, secret):
        return None
    return found


def messages_of(report: Report) -> QuerySet[ReportMessage]:
    """The follow-up messages of a report the caller was allowed to read."""
    return ReportMessage.objects.filter(report=report).order_by("created_at", "id")


def attachments_of(report: Report) -> QuerySet[Attachment]:
    """The files of a report the caller was allowed to read, without their bytes."""
    return report.attachments.defer("content").order_by("uploaded_at", "id")


def attachment_for(user: Viewer, attachment_id: int) -> Attachment | None:
    """The attachment if `user` may download it (`CVD_ATTACHMENT_VIEW`)."""
    return Attachment.objects.visible_to(user).filter(pk=attachment_id).first()


def followup_attachment(report: Report, attachment_id: int) -> Attachment | None:
    """One file of the report a follow-up link opened."""
    return report.attachments.filter(pk=attachment_id).first()


def per_hour() -> int:
    return int(getattr(settings, "ACCORD_CVD_REPORTS_PER_HOUR", DEFAULT_PER_HOUR))


def submissions_limited(
    *, ip: str | None, user: Viewer, email: str, now: datetime | None = None
) -> str:
    """Why another report from here is refused for now ("" if it is not): this address,
    or this reporter (by account or email), sent the hour's allowance already."""
    since = (now or timezone.now()) - WINDOW
    recent = Report.objects.filter(received_at__gte=since)
    limit = per_hour()
    if ip and recent.filter(submitted_from=ip).count() >= limit:
        return f"At most {limit} reports an hour may come from one address. Try again later."
    reporter = Q(pk__in=[])
    if active(user):
        reporter |= Q(reporter=user)
    if email:
        reporter |= Q(reporter_email__iexact=email)
    if recent.filter(reporter).count() >= limit:
        return f"At most {limit} reports an hour may come from one reporter. Try again later."
    return ""
