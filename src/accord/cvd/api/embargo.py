"""CVD API: a case's embargo (state, proposals, answers) and its timeline.

Every route acts with an API token as the person it belongs to, through the same
services and selectors as the pages. A case the person does not take part in does not
exist (404); a value the service refuses is a 422 naming its field; a move the embargo's
state does not allow is a 409 listing the allowed ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from accord.accounts.api import BearerToken, request_token
from accord.apischema import refusals
from accord.cvd import selectors
from accord.cvd.exceptions import InvalidField, NotFound
from accord.cvd.models import Case, CaseEvent, EmbargoProposal, EmbargoResponse
from accord.cvd.selectors import embargo as embargo_selectors
from accord.cvd.selectors import timeline as timeline_selectors
from accord.cvd.services import embargo as services

router = Router(auth=BearerToken())

MAX_ID = embargo_selectors.MAX_ID - 1
Reference = Annotated[str, Path(max_length=20, examples=["ACC-2026-0001"])]
ProposalId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ = refusals(400, 401, 403, 404, 422)
WRITE = refusals(400, 401, 403, 404, 409, 422)


class AnswerOut(Schema):
    participant: int
    name: str
    answer: str = Field(description="accept or reject")
    comment: str
    answered_at: datetime


class ProposalOut(Schema):
    id: int
    ends_at: datetime = Field(description="UTC")
    state: str = Field(description="open, adopted, withdrawn or superseded")
    proposed_at: datetime
    proposed_by: str
    accepted: int
    rejected: int
    silent: int = Field(description="Parties to the case that gave no answer")
    answers: list[AnswerOut] = Field(
        description="Every party's answer for the coordinators; the caller's own for others"
    )


class EmbargoOut(Schema):
    case: str
    state: str = Field(description="none, proposed, active, revise or exited")
    ends_at: datetime | None
    exited_at: datetime | None
    exit_reason: str
    proposals: list[ProposalOut]


class ProposeIn(Schema):
    ends_at: datetime = Field(description="When the embargo ends, in UTC; in the future")


class AnswerIn(Schema):
    answer: str = Field(max_length=10, description="accept or reject")
    comment: str = Field("", max_length=services.MAX_COMMENT)
    participant: int | None = Field(
        None, ge=1, le=MAX_ID, description="The participant answered for; by default your own"
    )


class EndIn(Schema):
    reason: str = Field(max_length=services.MAX_REASON, examples=["Exploited in the wild."])


class EventOut(Schema):
    id: int
    tag: str
    summary: str
    audience: str = Field(description="case, coordinators or private")
    occurred_at: datetime
    link: str = Field(description="The entry on the timeline page")


class TimelineOut(Schema):
    events: list[EventOut]
    older: int | None = Field(description="`upto` of the next, older page; null at the end")


def _case(request: HttpRequest, reference: str) -> Case:
    case = selectors.case_for(request_token(request).user, reference)
    if case is None:
        raise NotFound("No such case.")
    return case


def _proposal(request: HttpRequest, case: Case, proposal_id: int) -> EmbargoProposal:
    found = embargo_selectors.proposal_for(request_token(request).user, case, proposal_id)
    if found is None:
        raise NotFound("No such embargo proposal.")
    return found


def _answer(response: EmbargoResponse) -> dict[str, Any]:
    return {
        "participant": response.participant_id,
        "name": response.participant.name,
        "answer": response.answer,
        "comment": response.comment,
        "answered_at": response.answered_at,
    }


def _embargo(request: HttpRequest, case: Case) -> dict[str, Any]:
    case.refresh_from_db()
    view = embargo_selectors.embargo_view(request_token(request).user, case)
    proposals = [
        {
            "id": item.proposal.pk,
            "ends_at": item.proposal.ends_at,
            "state": item.proposal.state,
            "proposed_at": item.proposal.proposed_at,
            "proposed_by": item.proposed_by,
            "accepted": item.accepted,
            "rejected": item.rejected,
            "silent": item.silent,
            "answers": [_answer(r) for r in (item.answers if view.sees_answers else item.own)],
        }
        for item in view.proposals
    ]
    return {
        "case": case.reference,
        "state": case.embargo_state,
        "ends_at": case.embargo_ends_at,
        "exited_at": case.embargo_exited_at,
        "exit_reason": case.embargo_exit_reason,
        "proposals": proposals,
    }


@router.get(
    "/cases/{reference}/embargo",
    response={200: EmbargoOut, **READ},
    summary="A case's embargo and its proposals",
)
def get_embargo(request: HttpRequest, reference: Reference) -> Any:
    return _embargo(request, _case(request, reference))


@router.post(
    "/cases/{reference}/embargo/proposals",
    response={201: EmbargoOut, **WRITE},
    summary="Propose an embargo end (or a new one, while active)",
)
def propose(request: HttpRequest, reference: Reference, body: ProposeIn) -> Any:
    case = _case(request, reference)
    services.propose_embargo(actor=request_token(request).user, case=case, ends_at=body.ends_at)
    return Status(201, _embargo(request, case))


@router.post(
    "/cases/{reference}/embargo/proposals/{proposal_id}/answer",
    response={200: EmbargoOut, **WRITE},
    summary="Accept or reject an embargo proposal",
)
def answer(
    request: HttpRequest, reference: Reference, proposal_id: ProposalId, body: AnswerIn
) -> Any:
    token = request_token(request)
    case = _case(request, reference)
    proposal = _proposal(request, case, proposal_id)
    party = embargo_selectors.acting_party(
        token.user,
        case,
        roles=services.NEGOTIATORS,
        participant_id=body.participant,
        organisation=token.organisation,
    )
    if party is None:
        raise InvalidField("Name the participant you answer for.", field="participant")
    services.answer_embargo(
        actor=token.user,
        proposal=proposal,
        participant=party,
        answer=body.answer,
        comment=body.comment,
    )
    return _embargo(request, case)


@router.post(
    "/cases/{reference}/embargo/proposals/{proposal_id}/adopt",
    response={200: EmbargoOut, **WRITE},
    summary="Adopt a proposal: the embargo is active until its date (coordinator)",
)
def adopt(request: HttpRequest, reference: Reference, proposal_id: ProposalId) -> Any:
    case = _case(request, reference)
    proposal = _proposal(request, case, proposal_id)
    services.adopt_embargo(actor=request_token(request).user, proposal=proposal)
    return _embargo(request, case)


@router.post(
    "/cases/{reference}/embargo/proposals/{proposal_id}/withdraw",
    response={200: EmbargoOut, **WRITE},
    summary="Withdraw an open proposal (coordinator)",
)
def withdraw(request: HttpRequest, reference: Reference, proposal_id: ProposalId) -> Any:
    case = _case(request, reference)
    proposal = _proposal(request, case, proposal_id)
    services.withdraw_embargo_proposal(actor=request_token(request).user, proposal=proposal)
    return _embargo(request, case)


@router.post(
    "/cases/{reference}/embargo/end",
    response={200: EmbargoOut, **WRITE},
    summary="End the embargo early, with a reason (coordinator)",
)
def end(request: HttpRequest, reference: Reference, body: EndIn) -> Any:
    case = _case(request, reference)
    services.end_embargo(actor=request_token(request).user, case=case, reason=body.reason)
    return _embargo(request, case)


class TimelineQuery(Schema):
    upto: int | None = Field(None, ge=1, le=MAX_ID, description="Start at this entry")


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "tag": event.tag,
        "summary": event.summary,
        "audience": event.audience,
        "occurred_at": event.occurred_at,
        "link": timeline_selectors.timeline_link(event),
    }


@router.get(
    "/cases/{reference}/timeline",
    response={200: TimelineOut, **READ},
    summary="A case's timeline, newest first, a page at a time",
)
def timeline(request: HttpRequest, reference: Reference, query: Query[TimelineQuery]) -> Any:
    case = _case(request, reference)
    page = timeline_selectors.timeline_page(request_token(request).user, case, upto=query.upto)
    return {"events": [_event(event) for event in page.events], "older": page.older}
