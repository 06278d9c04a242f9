"""Reports before they are cases: submission (with or without an account), the private
follow-up link, messages between reporter and coordinator, and triage with SSVC's
Coordinator Triage table (Decline, Track or Coordinate).

A report has no case yet, so its audit events are recorded directly
(`accord.audit.services.record_event`), not on a case's timeline. A report is never
deleted: rejecting it keeps its text and records the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord import errors
from accord.access import Permission, active
from accord.accounts import capabilities
from accord.audit.services import record_event
from accord.cvd import attachments, ssvc, states
from accord.cvd.exceptions import (
    AttachmentTooLarge,
    InvalidAttachment,
    InvalidField,
    NotFound,
    RateLimited,
    StateConflict,
)
from accord.cvd.models import Attachment, Case, Decision, Report, ReportMessage, Tlp
from accord.cvd.selectors import reports as selectors
from accord.cvd.selectors.coordinators import coordinator_with_slug
from accord.cvd.services import cases
from accord.cvd.services._common import next_number, refuse_controls, require
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from django.core.files.base import File

    from accord.access import Viewer
    from accord.accounts.models import User

MAX_TITLE = 200
MAX_DESCRIPTION = 50_000
MAX_PRODUCT = 200
MAX_NAME = 200
MAX_EMAIL = 254
MAX_MESSAGE = 20_000
MAX_REASON = 5_000


@dataclass(frozen=True)
class Submission:
    """A stored report, and the follow-up link's token when one was issued: shown to the
    reporter once, and never stored."""

    report: Report
    followup_token: str | None

    @property
    def followup_path(self) -> str | None:
        return followup_path(self.followup_token) if self.followup_token else None


def followup_path(token: str) -> str:
    return reverse("cvd:report_followup", args=[token])


def _text(value: str, *, field: str, limit: int, required: bool, what: str) -> str:
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise InvalidField(f"The {what} cannot hold a NUL character.", field=field)
    refuse_controls(cleaned, field=field, multiline=field in ("description", "body", "reason"))
    if required and not cleaned:
        raise InvalidField(f"Give the {what}.", field=field)
    if len(cleaned) > limit:
        raise InvalidField(f"The {what} is at most {limit:,} characters.", field=field)
    return cleaned


def _email(value: str) -> str:
    email = _text(value, field="reporter_email", limit=MAX_EMAIL, required=False, what="email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidField("Enter a valid email address.", field="reporter_email") from None
    return email


@dataclass(frozen=True)
class _File:
    filename: str
    content_type: str
    data: bytes


def _files(uploaded: Sequence[File]) -> list[_File]:
    """The files, checked before anything is stored: their count, each one's size (before
    it is read) and its type from its bytes."""
    if len(uploaded) > attachments.MAX_COUNT:
        raise InvalidField(
            f"A report takes at most {attachments.MAX_COUNT} attachments.", field="attachments"
        )
    checked = []
    for upload in uploaded:
        name, size = str(upload.name or "attachment"), int(upload.size or 0)
        if size > attachments.max_bytes():
            raise AttachmentTooLarge(attachments.too_large_message(name, size))
        data = upload.read(attachments.max_bytes() + 1)
        if len(data) > attachments.max_bytes():
            raise AttachmentTooLarge(attachments.too_large_message(name, len(data)))
        if not data:
            raise InvalidField(f"The file “{name[:100]}” is empty.", field="attachments")
        try:
            sniffed = attachments.sniff(name, data)
        except attachments.Refused as exc:
            raise InvalidAttachment(str(exc)) from None
        checked.append(_File(sniffed.filename, sniffed.content_type, data))
    return checked


def _coordinator(slug: str) -> Any:
    """The organisation a report goes to; None for the instance's own queue."""
    if not slug:
        return None
    found = coordinator_with_slug(slug)
    if found is None:
        raise InvalidField("Choose a coordinator from the list.", field="coordinator")
    return found


@transaction.atomic
def submit_report(
    *,
    actor: Viewer,
    title: str,
    description: str,
    product: str = "",
    coordinator: str = "",
    reporter_name: str = "",
    reporter_email: str = "",
    identity_disclosed: bool = False,
    credit_publicly: bool = False,
    files: Sequence[File] = (),
    ip: str | None = None,
) -> Submission:
    """Store a report in its coordinator's triage queue (the instance's own by default).

    A signed-in reporter is named by their account; anyone else may give a name and an
    email, and gets a private follow-up link (emailed too, if they gave an address).
    `identity_disclosed` lets the case's vendors see who reported; `credit_publicly`,
    a separate choice, lets the published advisory credit the reporter by name.
    Refused (`RateLimited`, 429) once this address or reporter sent the hour's allowance.
    """
    require(actor, Permission.CVD_REPORT_SUBMIT, None, "Reports cannot be sent here.")
    signed_in = active(actor)
    fields = {
        "title": _text(title, field="title", limit=MAX_TITLE, required=True, what="title"),
        "description": _text(
            description,
            field="description",
            limit=MAX_DESCRIPTION,
            required=True,
            what="description",
        ),
        "product": _text(
            product, field="product", limit=MAX_PRODUCT, required=False, what="product"
        ),
        "coordinator": _coordinator(coordinator),
    }
    if signed_in:
        name, email = getattr(actor, "full_name", ""), str(getattr(actor, "email", ""))
    else:
        name = _text(
            reporter_name, field="reporter_name", limit=MAX_NAME, required=False, what="name"
        )
        email = _email(reporter_email)
    refused = selectors.submissions_limited(ip=ip, user=actor, email=email)
    if refused:
        raise RateLimited(refused)
    checked = _files(files)
    capability = None if signed_in else capabilities.issue()
    now = timezone.now()
    report = Report.objects.create(
        reference=f"R-{now.year}-{next_number('report', now.year):04d}",
        reporter=cast("User", actor) if signed_in else None,
        reporter_name=name,
        reporter_email=email,
        identity_disclosed=identity_disclosed,
        credit_publicly=credit_publicly,
        received_at=now,
        submitted_from=ip,
        followup_key=capability.key if capability else None,
        followup_digest=capability.digest if capability else "",
        **fields,
    )
    _store(report, checked, actor if signed_in else None)
    record_event(
        tag="cvd:report:submit",
        actor=actor,
        target=report,
        data={
            "reference": report.reference,
            "coordinator": report.coordinator.slug if report.coordinator else None,
            "attachments": len(checked),
            "identity_disclosed": identity_disclosed,
            "credit_publicly": credit_publicly,
        },
    )
    if capability is not None and email:
        _email_followup_link(report, capability.token)
    return Submission(report=report, followup_token=capability.token if capability else None)


def _store(report: Report, files: list[_File], uploader: Any) -> None:
    for file in files:
        Attachment.objects.create(
            report=report,
            filename=file.filename,
            content_type=file.content_type,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            content=file.data,
            uploaded_by=uploader,
        )


def _email_followup_link(report: Report, token: str) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    body = (
        f"Thank you for your vulnerability report {report.reference} to {instance}: "
        f"“{report.title}”.\n\n"
        "A coordinator triages each report. You can see where yours stands, read the "
        "coordinator's questions and answer them at this private link. Keep it to "
        "yourself: anyone with it can read the report's follow-up. You can revoke it there.\n\n"
        f"{notifications.absolute_url(followup_path(token))}\n"
    )
    notifications.email_address(
        to=report.reporter_email,
        subject=f"Your vulnerability report {report.reference}",
        body=body,
        kind="cvd:report:submit",
        carries_secret=True,
    )


# Follow-up -------------------------------------------------------------------------------


def _by_token(token: str) -> Report:
    report = selectors.report_by_followup(token)
    if report is None:
        raise NotFound("This follow-up link does not work: it is wrong or was revoked.")
    return report


def _message(report: Report, *, body: str, author: Any, from_reporter: bool) -> ReportMessage:
    text = _text(body, field="body", limit=MAX_MESSAGE, required=True, what="message")
    message = ReportMessage.objects.create(
        report=report, author=author, from_reporter=from_reporter, body=text
    )
    record_event(
        tag="cvd:report:message",
        actor=author,
        target=report,
        data={"reference": report.reference, "from_reporter": from_reporter},
    )
    return message


@transaction.atomic
def post_followup_message(*, token: str, body: str) -> ReportMessage:
    """The reporter without an account writes to the coordinator through the link."""
    return _message(_by_token(token), body=body, author=None, from_reporter=True)


@transaction.atomic
def post_message(*, actor: Viewer, report: Report, body: str) -> ReportMessage:
    """A signed-in reporter writes to the coordinator, or the coordinator to the reporter."""
    if not active(actor) or not selectors.report_for(actor, report.reference):
        raise NotFound("No such report.")
    from_reporter = report.reporter_id == getattr(actor, "pk", None)
    if not from_reporter:
        require(
            actor,
            Permission.CVD_REPORT_TRIAGE,
            report,
            "Only the report's reporter and its coordinator write about it.",
        )
    message = _message(report, body=body, author=actor, from_reporter=from_reporter)
    if not from_reporter and report.reporter_email:
        _tell_reporter(report)
    return message


def _credit(report: Report, credit: bool, actor: Any) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.credit_publicly != credit:
        report.credit_publicly = credit
        report.save(update_fields=["credit_publicly"])
        record_event(
            tag="cvd:report:credit",
            actor=actor,
            target=report,
            data={"reference": report.reference, "credit_publicly": credit},
        )
    return report


@transaction.atomic
def set_public_credit_by_token(*, token: str, credit: bool) -> Report:
    """The reporter without an account changes, through the link, whether the published
    advisory credits them by name (from its next publication on)."""
    return _credit(_by_token(token), credit, None)


@transaction.atomic
def set_public_credit(*, actor: Viewer, report: Report, credit: bool) -> Report:
    """The signed-in reporter changes whether the published advisory credits them."""
    if not active(actor) or report.reporter_id != getattr(actor, "pk", None):
        raise NotFound("No such report.")
    return _credit(report, credit, actor)


def _tell_reporter(report: Report) -> None:
    path = (
        reverse("cvd:my_report", args=[report.reference])
        if report.reporter_id
        else "the private follow-up link you were given"
    )
    where = notifications.absolute_url(path) if report.reporter_id else path
    notifications.email_address(
        to=report.reporter_email,
        subject=f"A message about your report {report.reference}",
        body=f"The coordinator wrote about your report “{report.title}”. Read it at {where}.\n",
        kind="cvd:report:message",
    )


def _revoke(report: Report, actor: Any) -> Report:
    if report.followup_key is None:
        raise StateConflict("This report has no follow-up link.")
    if report.followup_revoked_at is not None:
        raise StateConflict("The follow-up link was revoked already.")
    report.followup_revoked_at = timezone.now()
    report.save(update_fields=["followup_revoked_at"])
    record_event(
        tag="cvd:report:revoke", actor=actor, target=report, data={"reference": report.reference}
    )
    return report


@transaction.atomic
def revoke_followup_by_token(*, token: str) -> Report:
    """The reporter kills their own follow-up link: it stops working at once."""
    return _revoke(_by_token(token), None)


@transaction.atomic
def revoke_followup(*, actor: Viewer, report: Report) -> Report:
    """The coordinator kills a report's follow-up link (leaked, or abused)."""
    _require_triage(actor, report)
    return _revoke(_locked(report), actor)


# Triage ----------------------------------------------------------------------------------


def _require_triage(actor: Viewer, report: Report) -> None:
    require(
        actor, Permission.CVD_REPORT_TRIAGE, report, "Only the report's coordinator triages it."
    )


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


TRIAGEABLE = (states.REPORT_RECEIVED, states.REPORT_TRACKED)
TRACK, DECLINE, COORDINATE = "T", "D", "C"


@transaction.atomic
def triage_report(*, actor: Viewer, report: Report, inputs: dict[str, str]) -> Report:
    """Decide with SSVC's Coordinator Triage table: the library computes Decline, Track or
    Coordinate, and the decision is stored with the table's id and version.

    Track moves the report to tracked; Decline and Coordinate leave the next step (reject
    with a reason, open a case) to the coordinator.
    """
    _require_triage(actor, report)
    coordinator = cast("User", actor)  # the rule admits only signed-in coordinators
    locked = _locked(report)
    if locked.state not in TRIAGEABLE:
        options = ", ".join(states.allowed(states.REPORT_MOVES, locked.state)) or "none"
        raise StateConflict(
            f"The report is {locked.state}; only a received or tracked report is triaged. "
            f"Allowed: {options}."
        )
    try:
        outcome = ssvc.decide(ssvc.COORDINATOR_TRIAGE, dict(inputs))
    except errors.Invalid as exc:
        raise InvalidField(str(exc), field=exc.field) from None
    locked.triage = Decision.objects.create(
        table_id=outcome.table_id,
        table_version=outcome.table_version,
        library_version=outcome.library_version,
        inputs=outcome.inputs,
        outcome=outcome.key,
        outcome_name=outcome.name,
        decided_by=coordinator,
    )
    if outcome.key == TRACK:
        locked.state = states.REPORT_TRACKED
    locked.triaged_by, locked.triaged_at = coordinator, timezone.now()
    locked.save(update_fields=["triage", "state", "triaged_by", "triaged_at"])
    record_event(
        tag="cvd:report:triage",
        actor=actor,
        target=locked,
        data={
            "reference": locked.reference,
            "table": outcome.table_id,
            "table_version": outcome.table_version,
            "library_version": outcome.library_version,
            "inputs": outcome.inputs,
            "outcome": outcome.name,
        },
    )
    return locked


def _move(actor: Viewer, report: Report, wanted: str, tag: str, **data: Any) -> Report:
    locked = _locked(report)
    states.require(states.REPORT_MOVES, locked.state, wanted, what="The report")
    before, locked.state = locked.state, wanted
    for name, value in data.items():
        setattr(locked, name, value)
    locked.save(update_fields=["state", *data])
    record_event(
        tag=tag,
        actor=actor,
        target=locked,
        data={"reference": locked.reference, "from": before, "to": wanted, **data},
    )
    return locked


@transaction.atomic
def reject_report(*, actor: Viewer, report: Report, reason: str) -> Report:
    """Reject the report with a reason the reporter reads; its text is kept."""
    _require_triage(actor, report)
    text = _text(reason, field="reason", limit=MAX_REASON, required=True, what="reason")
    return _move(actor, report, states.REPORT_REJECTED, "cvd:report:reject", reason=text)


@transaction.atomic
def reopen_report(*, actor: Viewer, report: Report) -> Report:
    """Put a rejected report back in the queue, to be triaged again."""
    _require_triage(actor, report)
    return _move(actor, report, states.REPORT_RECEIVED, "cvd:report:reopen")


@transaction.atomic
def open_case_from_report(
    *, actor: Viewer, report: Report, title: str = "", summary: str = "", tlp: str = Tlp.AMBER
) -> Case:
    """Open a case from the report, led by its coordinator, the reporter taken in. The
    case's summary is what the coordinator writes for the vendors, not the report."""
    _require_triage(actor, report)
    return cases.open_case(
        actor=cast("User", actor),
        title=title.strip() or report.title,
        summary=summary,
        tlp=tlp,
        report=report,
    )
