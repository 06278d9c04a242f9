"""CVD API: vendors' statements on a case's vulnerabilities (VEX), and disputes.

The case's coordinators read every statement; a vendor its own; nobody else any. A
vendor states for itself (by default the token's organisation's vendor participant);
the lead may name the vendor it records a statement for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from accord.accounts.api import BearerToken, request_token
from accord.apischema import refusals
from accord.cvd import selectors
from accord.cvd.exceptions import InvalidField, NotFound
from accord.cvd.models import AffectedProduct, Case, Participant, Statement, Vulnerability
from accord.cvd.selectors import embargo as embargo_selectors
from accord.cvd.selectors import statements as statement_selectors
from accord.cvd.services import statements as services

router = Router(auth=BearerToken())

MAX_ID = embargo_selectors.MAX_ID - 1
MAX_NUMBER = 32_767
Reference = Annotated[str, Path(max_length=20, examples=["ACC-2026-0001"])]
READ = refusals(400, 401, 403, 404, 422)
WRITE = refusals(400, 401, 403, 404, 409, 422)


class StatementOut(Schema):
    id: int
    participant: int
    vendor: str
    vulnerability: int = Field(description="The vulnerability's number in the case (V1 is 1)")
    product: int | None = Field(description="The affected product's id; null: as a whole")
    product_label: str
    status: str = Field(description="affected, not_affected, fixed, under_investigation or unknown")
    justification: str = Field(description="The VEX justification, for not_affected")
    fixed_version: str
    note: str
    disputed: bool
    dispute_reason: str
    updated_at: datetime


class ListQuery(Schema):
    offset: int = Field(0, ge=0, le=MAX_ID)
    limit: int = Field(500, ge=1, le=1000)


class _Target(Schema):
    vulnerability: int = Field(ge=1, le=MAX_NUMBER, description="Its number in the case")
    participant: int | None = Field(
        None, ge=1, le=MAX_ID, description="The vendor participant; by default your own"
    )


class StatementIn(_Target):
    product: int | None = Field(
        None, ge=1, le=MAX_ID, description="An affected product's id; none: as a whole"
    )
    status: str = Field(max_length=20, examples=["not_affected"])
    justification: str = Field("", max_length=60, examples=["vulnerable_code_not_present"])
    fixed_version: str = Field("", max_length=services.MAX_VERSION)
    note: str = Field("", max_length=services.MAX_NOTE)


class DisputeIn(_Target):
    reason: str = Field(max_length=services.MAX_REASON)


def _case(request: HttpRequest, reference: str) -> Case:
    case = selectors.case_for(request_token(request).user, reference)
    if case is None:
        raise NotFound("No such case.")
    return case


def _out(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.pk,
        "participant": statement.participant_id,
        "vendor": statement.participant.name,
        "vulnerability": statement.vulnerability.number,
        "product": statement.product_id,
        "product_label": statement.product.label if statement.product else "",
        "status": statement.status,
        "justification": statement.justification,
        "fixed_version": statement.fixed_version,
        "note": statement.note,
        "disputed": statement.disputed,
        "dispute_reason": statement.dispute_reason,
        "updated_at": statement.updated_at,
    }


def _target(request: HttpRequest, case: Case, body: _Target) -> tuple[Participant, Vulnerability]:
    token = request_token(request)
    vulnerability = statement_selectors.vulnerability_for(token.user, case, body.vulnerability)
    if vulnerability is None:
        raise InvalidField("The case has no such vulnerability.", field="vulnerability")
    vendor = embargo_selectors.acting_party(
        token.user,
        case,
        roles=(Participant.Role.VENDOR,),
        participant_id=body.participant,
        organisation=token.organisation,
    )
    if vendor is None:
        raise InvalidField("Name the vendor participant you state for.", field="participant")
    return vendor, vulnerability


def _product(
    request: HttpRequest, vulnerability: Vulnerability, pk: int | None
) -> AffectedProduct | None:
    if pk is None:
        return None
    found = statement_selectors.product_for(request_token(request).user, vulnerability, pk)
    if found is None:
        raise InvalidField("That product is not affected by this vulnerability.", field="product")
    return found


@router.get(
    "/cases/{reference}/statements",
    response={200: list[StatementOut], **READ},
    summary="The case's statements you may read",
)
def list_statements(request: HttpRequest, reference: Reference, query: Query[ListQuery]) -> Any:
    case = _case(request, reference)
    found = statement_selectors.statements_for(request_token(request).user, case).select_related(
        "participant", "vulnerability", "product"
    )
    return [_out(s) for s in found[query.offset : query.offset + query.limit]]


@router.put(
    "/cases/{reference}/statements",
    response={200: StatementOut, **WRITE},
    summary="State on a vulnerability, for a product or as a whole (vendor)",
)
def set_statement(request: HttpRequest, reference: Reference, body: StatementIn) -> Any:
    case = _case(request, reference)
    vendor, vulnerability = _target(request, case, body)
    statement = services.make_statement(
        actor=request_token(request).user,
        participant=vendor,
        vulnerability=vulnerability,
        product=_product(request, vulnerability, body.product),
        status=body.status,
        justification=body.justification,
        fixed_version=body.fixed_version,
        note=body.note,
    )
    return _out(statement)


@router.post(
    "/cases/{reference}/statements/dispute",
    response={200: StatementOut, **WRITE},
    summary="Dispute a vulnerability, with a reason (vendor)",
)
def dispute(request: HttpRequest, reference: Reference, body: DisputeIn) -> Any:
    case = _case(request, reference)
    vendor, vulnerability = _target(request, case, body)
    statement = services.dispute_vulnerability(
        actor=request_token(request).user,
        participant=vendor,
        vulnerability=vulnerability,
        reason=body.reason,
    )
    return _out(statement)


@router.post(
    "/cases/{reference}/statements/dispute/withdraw",
    response={200: StatementOut, **WRITE},
    summary="Withdraw your dispute of a vulnerability (vendor)",
)
def withdraw_dispute(request: HttpRequest, reference: Reference, body: _Target) -> Any:
    case = _case(request, reference)
    vendor, vulnerability = _target(request, case, body)
    statement = services.withdraw_dispute(
        actor=request_token(request).user, participant=vendor, vulnerability=vulnerability
    )
    return _out(statement)
