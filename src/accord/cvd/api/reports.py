"""CVD API: reports and triage.

`POST /reports` takes a report with or without an API token; without one, the answer
carries the private follow-up link, once. The follow-up routes act by that link's token
alone. Everything else acts with a token, as its person: their own reports, and the
queues they triage.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from accord.accounts.api import BearerToken, request_token
from accord.accounts.selectors import client_ip
from accord.apischema import MAX_ID_LENGTH, refusals
from accord.cvd import attachments
from accord.cvd.exceptions import InvalidField, NotFound
from accord.cvd.models import Report, ReportMessage, Tlp
from accord.cvd.selectors import reports as selectors
from accord.cvd.services import reports as services
from accord.notifications.services import absolute_url

if TYPE_CHECKING:
    from accord.accounts.models import User

router = Router()

Reference = Annotated[str, Path(max_length=20, examples=["R-2026-0001"])]
Token = Annotated[
    str, Path(max_length=MAX_ID_LENGTH, description="The follow-up link's <key>.<secret>")
]
# A file's bytes in base64 are a third larger; the request's own cap bounds them too.
MAX_BASE64 = (attachments.DEFAULT_MAX_BYTES * 4) // 3 + 8


class AttachmentIn(Schema):
    filename: str = Field(max_length=200, min_length=1, examples=["poc.html"])
    content_base64: str = Field(max_length=MAX_BASE64, description="The file's bytes, base64")


class ReportIn(Schema):
    title: str = Field(max_length=services.MAX_TITLE)
    description: str = Field(max_length=services.MAX_DESCRIPTION)
    product: str = Field("", max_length=services.MAX_PRODUCT)
    coordinator: str = Field(
        "", max_length=MAX_ID_LENGTH, description="A coordinator's slug; empty: the instance's"
    )
    reporter_name: str = Field("", max_length=services.MAX_NAME, description="Without a token")
    reporter_email: str = Field("", max_length=services.MAX_EMAIL, description="Without a token")
    identity_disclosed: bool = Field(False, description="May the vendors see who reported?")
    credit_publicly: bool = Field(
        False, description="May the published (public) advisory credit the reporter by name?"
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=attachments.MAX_COUNT)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="As sniffed from the bytes")
    size: int
    sha256: str


class MessageOut(Schema):
    from_reporter: bool
    body: str
    created_at: datetime


class DecisionOut(Schema):
    table_id: str
    table_version: str
    library_version: str
    inputs: dict[str, str] = Field(description="Decision point id -> value key")
    outcome: str = Field(description="D (Decline), T (Track) or C (Coordinate)")
    outcome_name: str
    decided_at: datetime


class ReportOut(Schema):
    reference: str
    title: str
    description: str
    product: str
    coordinator: str | None = Field(description="The coordinator's slug; null: the instance's")
    state: str = Field(description="received, tracked, rejected or coordinated")
    reason: str = Field(description="Why it was rejected")
    reporter_name: str
    reporter_email: str
    identity_disclosed: bool
    credit_publicly: bool
    received_at: datetime
    triage: DecisionOut | None
    attachments: list[AttachmentOut]
    messages: list[MessageOut]


class ReportSummaryOut(Schema):
    reference: str
    title: str
    state: str
    received_at: datetime
    outcome: str | None = Field(description="The SSVC triage outcome's name, if triaged")


class SubmittedOut(Schema):
    reference: str
    state: str
    followup_url: str | None = Field(
        description="Without a token: the private follow-up link, given only in this answer"
    )


class ReportListIn(Schema):
    scope: Literal["mine", "queue"] = Field("queue", description="Your own reports or your queues")
    state: Literal["", "received", "tracked", "rejected", "coordinated"] = ""
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=200)


class TriageIn(Schema):
    inputs: dict[Annotated[str, Field(max_length=20)], Annotated[str, Field(max_length=20)]] = (
        Field(
            max_length=20,
            description="Decision point key -> value key, e.g. RP=N, SCON=Y, RC=C, SC=M, "
            "SE=A, U=S, PSI=S",
        )
    )


class RejectIn(Schema):
    reason: str = Field(max_length=services.MAX_REASON)


class MessageIn(Schema):
    body: str = Field(max_length=services.MAX_MESSAGE)


class OpenCaseIn(Schema):
    title: str = Field("", max_length=200, description="Empty: the report's title")
    summary: str = Field("", max_length=20_000)
    tlp: Tlp = Tlp.AMBER


class CaseOut(Schema):
    reference: str
    title: str
    tlp: str


class FollowupOut(Schema):
    reference: str
    title: str
    state: str
    reason: str
    received_at: datetime
    messages: list[MessageOut]


def _report_out(report: Report) -> dict[str, Any]:
    return {
        **_followup_out(report),
        "description": report.description,
        "product": report.product,
        "coordinator": report.coordinator.slug if report.coordinator else None,
        "reporter_name": report.reporter_name,
        "reporter_email": report.reporter_email,
        "identity_disclosed": report.identity_disclosed,
        "credit_publicly": report.credit_publicly,
        "triage": report.triage,
        "attachments": list(selectors.attachments_of(report)),
    }


def _followup_out(report: Report) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "title": report.title,
        "state": report.state,
        "reason": report.reason if report.state == Report.State.REJECTED else "",
        "received_at": report.received_at,
        "messages": list(selectors.messages_of(report)),
    }


def _decoded(files: list[AttachmentIn]) -> list[SimpleUploadedFile]:
    decoded = []
    for file in files:
        try:
            data = base64.b64decode(file.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidField(
                f"“{file.filename[:100]}” is not base64.", field="attachments"
            ) from None
        decoded.append(SimpleUploadedFile(file.filename, data))
    return decoded


def _optional_user(request: HttpRequest) -> User | None:
    """The token's person, if the request names a token; a wrong one is refused."""
    if not request.headers.get("Authorization"):
        return None
    token = BearerToken()(request)
    if token is None:
        raise HttpError(401, "A valid API token is required (Authorization: Bearer).")
    return token.user


@router.post(
    "/reports",
    response={201: SubmittedOut, **refusals(400, 401, 413, 415, 422, 429)},
    summary="Report a vulnerability (with or without a token)",
)
def submit(request: HttpRequest, body: ReportIn) -> Any:
    user = _optional_user(request)
    submission = services.submit_report(
        actor=user,
        title=body.title,
        description=body.description,
        product=body.product,
        coordinator=body.coordinator,
        reporter_name=body.reporter_name,
        reporter_email=body.reporter_email,
        identity_disclosed=body.identity_disclosed,
        credit_publicly=body.credit_publicly,
        files=_decoded(body.attachments),
        ip=client_ip(request.META),
    )
    path = submission.followup_path
    return Status(
        201,
        {
            "reference": submission.report.reference,
            "state": submission.report.state,
            "followup_url": absolute_url(path) if path else None,
        },
    )


def _followed(token: str) -> Report:
    found = selectors.report_by_followup(token)
    if found is None:
        raise NotFound("This follow-up link does not work: it is wrong or was revoked.")
    return found


@router.get(
    "/reports/follow-up/{token}",
    response={200: FollowupOut, **refusals(400, 404, 422)},
    summary="A report, by its private follow-up link",
)
def get_followup(request: HttpRequest, token: Token) -> Any:
    return _followup_out(_followed(token))


@router.post(
    "/reports/follow-up/{token}/messages",
    response={201: MessageOut, **refusals(400, 404, 422)},
    summary="Write to the coordinator, by the follow-up link",
)
def post_followup_message(request: HttpRequest, token: Token, body: MessageIn) -> Any:
    message = services.post_followup_message(token=token, body=body.body)
    return Status(201, _message_out(message))


@router.post(
    "/reports/follow-up/{token}/revoke",
    response={204: None, **refusals(400, 404, 409, 422)},
    summary="Revoke the follow-up link: it stops working at once",
)
def revoke_followup(request: HttpRequest, token: Token) -> Any:
    services.revoke_followup_by_token(token=token)
    return Status(204, None)


def _actor(request: HttpRequest) -> User:
    user = request_token(request).user
    assert user is not None
    return user


def _report(request: HttpRequest, reference: str) -> Report:
    found = selectors.report_for(_actor(request), reference)
    if found is None:
        raise NotFound("No such report.")
    return found


@router.get(
    "/reports",
    response={200: list[ReportSummaryOut], **refusals(400, 401, 403, 422)},
    auth=BearerToken(),
    summary="Your reports, or the reports in the queues you triage",
)
def list_reports(request: HttpRequest, filters: Query[ReportListIn]) -> Any:
    user = _actor(request)
    if filters.scope == "mine":
        reports = selectors.reports_of(user)
        if filters.state:
            reports = reports.filter(state=filters.state)
    else:
        reports = selectors.queue_for(user, state=filters.state)
    chosen = reports.select_related("triage")[filters.offset : filters.offset + filters.limit]
    return [
        {
            "reference": r.reference,
            "title": r.title,
            "state": r.state,
            "received_at": r.received_at,
            "outcome": r.triage.outcome_name if r.triage else None,
        }
        for r in chosen
    ]


@router.get(
    "/reports/{reference}",
    response={200: ReportOut, **refusals(400, 401, 403, 404, 422)},
    auth=BearerToken(),
    summary="One report",
)
def get_report(request: HttpRequest, reference: Reference) -> Any:
    return _report_out(_report(request, reference))


@router.post(
    "/reports/{reference}/triage",
    response={200: ReportOut, **refusals(400, 401, 403, 404, 409, 422)},
    auth=BearerToken(),
    summary="Triage with SSVC Coordinator Triage (Decline, Track or Coordinate)",
)
def triage(request: HttpRequest, reference: Reference, body: TriageIn) -> Any:
    report = services.triage_report(
        actor=_actor(request), report=_report(request, reference), inputs=body.inputs
    )
    return _report_out(report)


@router.post(
    "/reports/{reference}/reject",
    response={200: ReportOut, **refusals(400, 401, 403, 404, 409, 422)},
    auth=BearerToken(),
    summary="Reject a report, with the reason the reporter reads",
)
def reject(request: HttpRequest, reference: Reference, body: RejectIn) -> Any:
    report = services.reject_report(
        actor=_actor(request), report=_report(request, reference), reason=body.reason
    )
    return _report_out(report)


@router.post(
    "/reports/{reference}/reopen",
    response={200: ReportOut, **refusals(400, 401, 403, 404, 409, 422)},
    auth=BearerToken(),
    summary="Put a rejected report back in the queue",
)
def reopen(request: HttpRequest, reference: Reference) -> Any:
    report = services.reopen_report(actor=_actor(request), report=_report(request, reference))
    return _report_out(report)


@router.post(
    "/reports/{reference}/case",
    response={201: CaseOut, **refusals(400, 401, 403, 404, 409, 422)},
    auth=BearerToken(),
    summary="Open a case from the report",
)
def open_case(request: HttpRequest, reference: Reference, body: OpenCaseIn) -> Any:
    case = services.open_case_from_report(
        actor=_actor(request),
        report=_report(request, reference),
        title=body.title,
        summary=body.summary,
        tlp=body.tlp,
    )
    return Status(201, {"reference": case.reference, "title": case.title, "tlp": case.tlp})


@router.post(
    "/reports/{reference}/messages",
    response={201: MessageOut, **refusals(400, 401, 403, 404, 422)},
    auth=BearerToken(),
    summary="Write to the reporter (coordinator) or to the coordinator (reporter)",
)
def post_message(request: HttpRequest, reference: Reference, body: MessageIn) -> Any:
    message = services.post_message(
        actor=_actor(request), report=_report(request, reference), body=body.body
    )
    return Status(201, _message_out(message))


def _message_out(message: ReportMessage) -> dict[str, Any]:
    return {
        "from_reporter": message.from_reporter,
        "body": message.body,
        "created_at": message.created_at,
    }
