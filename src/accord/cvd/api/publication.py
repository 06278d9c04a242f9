"""CVD API: a case's advisory: publish, update, withdraw, its revisions, its documents.

The lead publishes (`POST .../advisory/publish`, with `end_embargo` to end an active
embargo) and withdraws; a refusal answers 409 with every item the case lacks
(`missing`), or 422 with each format's failures (`failures`: format, JSON path,
message), and nothing is stored. Whoever may read the advisory (`CVD_ADVISORY_VIEW`:
anyone for TLP:CLEAR, else those in the case) reads its revisions and documents; a
version published at another level than TLP:CLEAR only those in the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from accord.accounts.api import BearerToken, request_token
from accord.apischema import ErrorOut, refusals
from accord.cvd import selectors as cvd_selectors
from accord.cvd.exceptions import NotFound
from accord.cvd.models import Advisory, AdvisoryRevision, Case
from accord.cvd.selectors import publication as selectors
from accord.cvd.services import publication as services

router = Router(auth=BearerToken(), tags=["cvd"])

Reference = Annotated[str, Path(max_length=20, examples=["ACC-2026-0001"])]
FormatKey = Annotated[str, Path(max_length=20, examples=["csaf", "csaf-vex", "cve", "openvex"])]
READ = refusals(400, 401, 403, 404, 422)


class FailureOut(Schema):
    format: str
    path: str = Field(description="A JSON path in the document, `$.document.title`")
    message: str


class RefusedOut(ErrorOut):
    """Publication refused (409): what the case lacks. A 422 whose documents failed
    carries `failures` beside `detail`: each with its format, JSON path and message."""

    missing: list[str] = Field(default_factory=list, description="Every item the case lacks")
    failures: list[FailureOut] = Field(
        default_factory=list, description="With a 422: each format's failures"
    )


WRITE = {**refusals(400, 401, 403, 404, 422), 409: RefusedOut}


class RevisionOut(Schema):
    number: int
    summary: str
    published_at: datetime
    formats: list[str]


class AdvisoryOut(Schema):
    tracking_id: str
    title: str
    tlp: str
    state: str = Field(description="published or withdrawn")
    version: int
    initial_release_at: datetime
    current_release_at: datetime
    cve_ids: list[str]
    formats: list[str] = Field(description="The format keys of its documents")
    revisions: list[RevisionOut] = Field(description="Newest first")


class PublishIn(Schema):
    summary: str = Field("", max_length=500, description="What changed; blank for version 1")
    end_embargo: bool = Field(False, description="End an active embargo to publish now")


class WithdrawIn(Schema):
    reason: str = Field(max_length=services.MAX_REASON)


class DocumentQuery(Schema):
    version: int | None = Field(
        None, ge=1, le=selectors.MAX_VERSION, description="Default: current"
    )


def _user(request: HttpRequest) -> Any:
    return request_token(request).user


def _case(request: HttpRequest, reference: str) -> Case:
    case = cvd_selectors.case_for(_user(request), reference)
    if case is None:
        raise NotFound("No such case.")
    return case


def _advisory(request: HttpRequest, reference: str) -> Advisory:
    found = selectors.advisory_for(_user(request), reference)
    if found is None:
        raise NotFound("No such advisory.")
    return found


def _revision(revision: AdvisoryRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "summary": revision.summary,
        "published_at": revision.published_at,
        "formats": list(revision.documents),
    }


def _out(request: HttpRequest, advisory: Advisory) -> dict[str, Any]:
    return {
        "tracking_id": advisory.tracking_id,
        "title": advisory.title,
        "tlp": advisory.tlp,
        "state": advisory.state,
        "version": advisory.version,
        "initial_release_at": advisory.initial_release_at,
        "current_release_at": advisory.current_release_at,
        "cve_ids": list(advisory.cve_ids),
        "formats": list(advisory.documents),
        "revisions": [_revision(r) for r in selectors.revisions_of(_user(request), advisory)],
    }


@router.get(
    "/cases/{reference}/advisory",
    response={200: AdvisoryOut, **READ},
    summary="A case's published advisory",
)
def get_advisory(request: HttpRequest, reference: Reference) -> Any:
    return _out(request, _advisory(request, reference))


@router.get(
    "/cases/{reference}/advisory/revisions",
    response={200: list[RevisionOut], **READ},
    summary="An advisory's versions, newest first",
)
def list_revisions(request: HttpRequest, reference: Reference) -> Any:
    advisory = _advisory(request, reference)
    return [_revision(r) for r in selectors.revisions_of(_user(request), advisory)]


@router.get(
    "/cases/{reference}/advisory/documents/{key}",
    response={200: dict[str, Any], **READ},
    summary="One format's document (csaf, csaf-vex, cve, openvex), of a version",
)
def get_document(
    request: HttpRequest, reference: Reference, key: FormatKey, query: Query[DocumentQuery]
) -> Any:
    advisory = _advisory(request, reference)
    documents = advisory.documents
    if query.version is not None:
        revision = selectors.revision_of(_user(request), advisory, query.version)
        if revision is None:
            raise NotFound("No such version.")
        documents = revision.documents
    if key not in documents:
        raise NotFound("No such format.")
    return documents[key]


@router.post(
    "/cases/{reference}/advisory/publish",
    response={201: AdvisoryOut, **WRITE},
    summary="Publish the advisory, or its next version (coordinator)",
    description="Refused with 409 and `missing` (every item the case lacks), or with 422 "
    "and `failures` (format, JSON path, message of each document that failed); then "
    "nothing is published.",
)
def publish(request: HttpRequest, reference: Reference, body: PublishIn) -> Any:
    case = _case(request, reference)
    advisory = services.publish_advisory(
        actor=_user(request), case=case, summary=body.summary, end_embargo=body.end_embargo
    )
    return Status(201, _out(request, advisory))


@router.post(
    "/cases/{reference}/advisory/withdraw",
    response={200: AdvisoryOut, **WRITE},
    summary="Withdraw the advisory, saying why (coordinator)",
)
def withdraw(request: HttpRequest, reference: Reference, body: WithdrawIn) -> Any:
    case = _case(request, reference)
    advisory = services.withdraw_advisory(actor=_user(request), case=case, reason=body.reason)
    return _out(request, advisory)
