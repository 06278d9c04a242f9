"""Commitments API at /api/v1/commitments/ (bearer token).

A token acts for one person within one organisation: every route answers about that
organisation only, whatever is asked, and writes need the person to be one of its
admins. A refused change answers, through the one handler in `accord.api`, with the
status its kind names (403, 404, 409 or 422) and `{"detail": ..., "field": ...}`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from accord.accounts.api import request_token
from accord.apischema import MAX_ID_LENGTH, IsoDate, refusals
from accord.commitments import selectors, services
from accord.commitments.models import Commitment
from accord.errors import Invalid, NotFound

router = Router(tags=["commitments"])

PracticeId = Annotated[str, Path(max_length=MAX_ID_LENGTH, examples=["cvd.security-txt"])]


class StatusChangeOut(Schema):
    from_status: str = Field(description="Empty for the first entry, the commitment itself")
    to_status: str
    changed_at: datetime
    cause: str
    observation_id: int | None = Field(description="The observation that caused it, if any")


class CommitmentOut(Schema):
    practice: str = Field(description="The practice's catalogue id")
    title: str
    verification: str = Field(description="automated:<check-id>, document or attestation")
    status: str = Field(description="committed, implemented, verified or lapsed")
    status_since: datetime
    overdue: bool = Field(description="The target date has passed and it is not in place")
    target_date: date
    committed_at: datetime
    first_verified_at: datetime | None

    @staticmethod
    def from_commitment(commitment: Commitment) -> dict[str, Any]:
        practice = commitment.practice
        return {
            "practice": practice.slug,
            "title": practice.title,
            "verification": practice.verification_method,
            "status": commitment.status,
            "status_since": commitment.status_since,
            "overdue": commitment.is_overdue(),
            "target_date": commitment.target_date,
            "committed_at": commitment.committed_at,
            "first_verified_at": commitment.first_verified_at,
        }


class CommitmentDetailOut(CommitmentOut):
    history: list[StatusChangeOut]


class CommitIn(Schema):
    practice: str | None = Field(
        None, max_length=MAX_ID_LENGTH, description="A practice id, e.g. cvd.security-txt"
    )
    profile: str | None = Field(
        None, max_length=MAX_ID_LENGTH, description="Or a profile id, e.g. cvd-baseline"
    )
    target_date: IsoDate


class CommitOut(Schema):
    created: list[CommitmentOut]
    skipped: list[str] = Field(description="Practices the organisation was committed to already")


class AttestationIn(Schema):
    text: str = Field(
        max_length=services.MAX_ATTESTATION_LENGTH,
        description="How the practice is implemented",
        examples=["Our security.txt is served at /.well-known/security.txt and reviewed yearly."],
    )
    is_public: bool = False


class AttestationOut(Schema):
    id: int
    text: str
    declared_at: datetime
    is_public: bool


@router.get(
    "/", response={200: list[CommitmentOut], **refusals(401, 403)}, summary="Our commitments"
)
def list_commitments(request: HttpRequest) -> Any:
    commitments = selectors.commitments_of(request_token(request).organisation)
    return [CommitmentOut.from_commitment(commitment) for commitment in commitments]


@router.post(
    "/",
    response={201: CommitOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Commit to a practice or a profile",
)
def commit(request: HttpRequest, body: CommitIn) -> Any:
    token = request_token(request)
    if bool(body.practice) == bool(body.profile):
        raise Invalid("Give either a practice or a profile.", field="practice")
    organisation, target_date = token.organisation, body.target_date
    if body.profile:
        result = services.commit_to_profile(
            organisation=organisation,
            profile_slug=body.profile,
            target_date=target_date,
            actor=token.user,
        )
    else:
        one = services.commit_to_practice(
            organisation=organisation,
            practice_id=str(body.practice),
            target_date=target_date,
            actor=token.user,
        )
        result = services.CommitResult(created=[one])
    created = [CommitmentOut.from_commitment(commitment) for commitment in result.created]
    return Status(201, {"created": created, "skipped": result.skipped})


def _commitment(request: HttpRequest, practice: str) -> Commitment:
    found = selectors.commitment_of(request_token(request).organisation, practice)
    if found is None:
        raise NotFound(f"Your organisation has no commitment to “{practice}”.")
    return found


@router.get(
    "/{practice}",
    response={200: CommitmentDetailOut, **refusals(400, 401, 403, 404, 422)},
    summary="One commitment, with its status history",
)
def get_commitment(request: HttpRequest, practice: PracticeId) -> Any:
    commitment = _commitment(request, practice)
    history = list(commitment.status_changes.all())
    return {**CommitmentOut.from_commitment(commitment), "history": history}


@router.post(
    "/{practice}/attestations",
    response={201: AttestationOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Attest that the practice is implemented",
)
def attest(request: HttpRequest, practice: PracticeId, body: AttestationIn) -> Any:
    commitment = _commitment(request, practice)
    attestation = services.attest_implementation(
        commitment=commitment,
        text=body.text,
        is_public=body.is_public,
        actor=request_token(request).user,
    )
    return Status(201, attestation)
