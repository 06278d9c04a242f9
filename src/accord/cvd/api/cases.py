"""CVD API: cases, their participants, vulnerabilities and products, the vendors the
products suggest, invitations by email, and the products an organisation declares.

Every route acts, with the bearer token, as the person it belongs to, through the same
services and rules as the pages: a case the person may not see is a 404, a step they
may not take a 403, a move the state forbids a 409 listing the allowed ones, a value
refused a 422 naming its field. A vendor's tracking system drives its own part here:
it reads its cases, sets its tracking id and moves its report-management state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.accounts.api import BearerToken, request_token
from accord.apischema import MAX_ID_LENGTH, refusals
from accord.cvd import selectors as cvd_selectors
from accord.cvd.exceptions import NotAllowed, NotFound
from accord.cvd.models import (
    AffectedProduct,
    Case,
    Participant,
    ParticipantInvitation,
    VendorProduct,
    Vulnerability,
)
from accord.cvd.selectors import cases as selectors
from accord.cvd.services import cases as case_services
from accord.cvd.services import invitations as invitation_services
from accord.cvd.services import products as product_services
from accord.cvd.services import vulnerabilities as vulnerability_services

router = Router(auth=BearerToken(), tags=["cvd"])
# DELETE routes are declared with `api_operation`: `router.delete(...)` reads, to the
# check that only services write (tests/architecture/test_writes.py), as a row deleted.

MAX_INT = 2**31 - 1
Reference = Annotated[
    str, Path(max_length=20, description="ACC-YYYY-NNNN", examples=["ACC-2026-0001"])
]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
Number = Annotated[int, Path(ge=1, le=32767, description="1 for V1")]
Short = Annotated[str, Field(max_length=40)]
READ = refusals(400, 401, 403, 404, 422)
WRITE = refusals(400, 401, 403, 404, 409, 413, 422)


def _user(request: HttpRequest) -> Any:
    return request_token(request).user


def _case(request: HttpRequest, reference: str) -> Case:
    case = cvd_selectors.case_for(_user(request), reference)
    if case is None:
        raise NotFound("No such case.")
    return case


# Cases ----------------------------------------------------------------------------------


class CaseOut(Schema):
    reference: str
    title: str
    summary: str
    tlp: str = Field(description="clear, green, amber, amber+strict or red (TLP 2.0)")
    embargo_state: str = Field(description="none, proposed, active, revise or exited")
    embargo_ends_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None


class CaseIn(Schema):
    title: str = Field(max_length=case_services.MAX_TITLE)
    summary: str = Field("", max_length=case_services.MAX_SUMMARY)
    tlp: str = Field("amber", max_length=20)
    secretariat: bool = Field(
        False,
        description="Led by the secretariat (its members only); else by the token's organisation",
    )


class CasePatch(Schema):
    title: str | None = Field(None, max_length=case_services.MAX_TITLE)
    summary: str | None = Field(None, max_length=case_services.MAX_SUMMARY)
    tlp: str | None = Field(None, max_length=20)


class CaseFilters(Schema):
    text: str | None = Field(
        None,
        max_length=selectors.MAX_SEARCH,
        description="Cases where this appears in what you may read of them (posts included)",
    )
    embargo_state: Literal["none", "proposed", "active", "revise", "exited"] | None = None
    tlp: Literal["clear", "green", "amber", "amber+strict", "red"] | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


@router.get("/cases", response={200: list[CaseOut], **READ}, summary="The cases I take part in")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    found = selectors.filtered_cases(
        _user(request),
        embargo_state=filters.embargo_state or "",
        tlp=filters.tlp or "",
        text=filters.text or "",
    )
    return list(found[filters.offset : filters.offset + filters.limit])


@router.post("/cases", response={201: CaseOut, **WRITE}, summary="Open a case")
def create_case(request: HttpRequest, body: CaseIn) -> Any:
    token = request_token(request)
    case = case_services.open_case(
        actor=token.user,
        title=body.title,
        summary=body.summary,
        tlp=body.tlp,
        organisation=None if body.secretariat else token.organisation,
    )
    return Status(201, case)


@router.get("/cases/{reference}", response={200: CaseOut, **READ}, summary="One case")
def get_case(request: HttpRequest, reference: Reference) -> Any:
    return _case(request, reference)


@router.patch("/cases/{reference}", response={200: CaseOut, **WRITE}, summary="Edit a case")
def edit_case(request: HttpRequest, reference: Reference, body: CasePatch) -> Any:
    return case_services.edit_case(
        actor=_user(request),
        case=_case(request, reference),
        title=body.title,
        summary=body.summary,
        tlp=body.tlp,
    )


class CloseIn(Schema):
    reason: str = Field(max_length=case_services.MAX_REASON, description="Why it is closed")


@router.post(
    "/cases/{reference}/close", response={200: CaseOut, **WRITE}, summary="Close a case (lead)"
)
def close_case(request: HttpRequest, reference: Reference, body: CloseIn) -> Any:
    case = _case(request, reference)
    return case_services.close_case(actor=_user(request), case=case, reason=body.reason)


@router.post(
    "/cases/{reference}/reopen", response={200: CaseOut, **WRITE}, summary="Reopen a case (lead)"
)
def reopen_case(request: HttpRequest, reference: Reference) -> Any:
    return case_services.reopen_case(actor=_user(request), case=_case(request, reference))


# Participants ---------------------------------------------------------------------------


class ParticipantOut(Schema):
    id: int
    name: str = Field(description="“Reporter (anonymous)” unless you may know the reporter")
    role: str
    organisation: str | None = Field(description="The organisation's slug, if one")
    rm_state: str = Field(description="received, invalid, valid, accepted, deferred or closed")
    rm_changed_at: datetime
    tracking_id: str | None = Field(description="Shown to the participant itself and the lead")
    mine: bool = Field(description="Whether you are this participant")


def _participant_out(
    participant: Participant, *, known: bool, mine: set[int], leads: bool
) -> dict[str, Any]:
    own = participant.pk in mine
    return {
        "id": participant.pk,
        "name": selectors.shown_name(participant, reporter_known=known),
        "role": participant.role,
        "organisation": participant.organisation.slug if participant.organisation else None,
        "rm_state": participant.rm_state,
        "rm_changed_at": participant.rm_changed_at,
        "tracking_id": participant.tracking_id if own or leads else None,
        "mine": own,
    }


def _outs(
    request: HttpRequest, case: Case, participants: list[Participant]
) -> list[dict[str, Any]]:
    user = _user(request)
    known = selectors.reporter_known(user, case)
    mine = {p.pk for p in selectors.own_participants(user, case)}
    leads = has_perm(user, Permission.CVD_CASE_COORDINATE, case)
    return [_participant_out(p, known=known, mine=mine, leads=leads) for p in participants]


class Page(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=100_000)


class ParticipantIn(Schema):
    organisation: str = Field(max_length=MAX_ID_LENGTH, description="The organisation's slug")
    role: Literal["vendor", "coordinator", "other_coordinator", "observer"] = "vendor"


class StateIn(Schema):
    state: Literal["received", "invalid", "valid", "accepted", "deferred", "closed"]


class TrackingIn(Schema):
    tracking_id: str = Field(max_length=case_services.MAX_TRACKING_ID)


def _participant(request: HttpRequest, case: Case, participant_id: int) -> Participant:
    found = selectors.participant_for(_user(request), case, participant_id)
    if found is None:
        raise NotFound("No such participant.")
    return found


@router.get(
    "/cases/{reference}/participants",
    response={200: list[ParticipantOut], **READ},
    summary="Who takes part in a case",
)
def list_participants(request: HttpRequest, reference: Reference, page: Query[Page]) -> Any:
    case = _case(request, reference)
    rows = list(
        selectors.participants_of(_user(request), case)[page.offset : page.offset + page.limit]
    )
    return _outs(request, case, rows)


@router.post(
    "/cases/{reference}/participants",
    response={201: ParticipantOut, **WRITE},
    summary="Add an organisation to a case",
)
def add_participant(request: HttpRequest, reference: Reference, body: ParticipantIn) -> Any:
    case = _case(request, reference)
    organisation = accounts.organisations_in_good_standing().filter(slug=body.organisation).first()
    if organisation is None:
        raise NotFound("No such organisation to add.")
    participant = case_services.add_participant(
        actor=_user(request), case=case, role=body.role, organisation=organisation
    )
    return Status(201, _outs(request, case, [participant])[0])


@router.api_operation(
    ["DELETE"],
    "/cases/{reference}/participants/{participant_id}",
    response={204: None, **WRITE},
    summary="Remove a participant from a case",
)
def remove_participant(request: HttpRequest, reference: Reference, participant_id: Id) -> Any:
    case = _case(request, reference)
    participant = _participant(request, case, participant_id)
    case_services.remove_participant(actor=_user(request), participant=participant)
    return Status(204, None)


@router.put(
    "/cases/{reference}/participants/{participant_id}/state",
    response={200: ParticipantOut, **WRITE},
    summary="Move a participant's report-management state (its own, or any for the lead)",
)
def set_state(request: HttpRequest, reference: Reference, participant_id: Id, body: StateIn) -> Any:
    case = _case(request, reference)
    participant = case_services.set_report_state(
        actor=_user(request),
        participant=_participant(request, case, participant_id),
        state=body.state,
    )
    return _outs(request, case, [participant])[0]


@router.put(
    "/cases/{reference}/participants/{participant_id}/tracking-id",
    response={200: ParticipantOut, **WRITE},
    summary="Set a participant's own tracking id",
)
def set_tracking_id(
    request: HttpRequest, reference: Reference, participant_id: Id, body: TrackingIn
) -> Any:
    case = _case(request, reference)
    participant = case_services.set_tracking_id(
        actor=_user(request),
        participant=_participant(request, case, participant_id),
        tracking_id=body.tracking_id,
    )
    return _outs(request, case, [participant])[0]


# Vulnerabilities and products -----------------------------------------------------------


class ProductOut(Schema):
    id: int
    purl: str
    cpe: str
    versions: str = Field(description="vers range; empty for all versions")


class DecisionOut(Schema):
    table: str = Field(alias="table_id")
    table_version: str
    outcome: str
    outcome_name: str
    inputs: dict[str, str]


class VulnerabilityOut(Schema):
    number: int
    title: str
    description: str
    cwe_ids: list[int]
    cvss_vector: str
    cvss_version: str
    cvss_score: float | None
    cvss_severity: str
    cve_id: str
    ssvc: DecisionOut | None
    products: list[ProductOut]

    @staticmethod
    def resolve_products(obj: Vulnerability) -> list[AffectedProduct]:
        return list(obj.products.all())


class ProductIn(Schema):
    purl: str = Field("", max_length=500, examples=["pkg:npm/%40acme/widget"])
    cpe: str = Field("", max_length=500, examples=["cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*"])
    versions: str = Field("", max_length=500, examples=["vers:npm/>=1.0.0|<1.4.2"])


class SsvcIn(Schema):
    kind: Literal["", "supplier", "deployer"] = Field(description="Empty: no SSVC decision")
    inputs: dict[Short, Short] = Field(
        default_factory=dict, max_length=20, description="Decision point key -> value key"
    )


CweId = int | Annotated[str, Field(max_length=20)]


class VulnerabilityIn(Schema):
    title: str = Field(max_length=vulnerability_services.MAX_TITLE)
    description: str = Field("", max_length=vulnerability_services.MAX_DESCRIPTION)
    cwe_ids: list[CweId] = Field(default_factory=list, max_length=20, examples=[["CWE-79"]])
    cvss_vector: str = Field("", max_length=500)
    cve_id: str = Field("", max_length=30, examples=["CVE-2026-12345"])
    ssvc: SsvcIn | None = None
    products: list[ProductIn] = Field(default_factory=list, max_length=50)


class VulnerabilityPatch(Schema):
    title: str | None = Field(None, max_length=vulnerability_services.MAX_TITLE)
    description: str | None = Field(None, max_length=vulnerability_services.MAX_DESCRIPTION)
    cwe_ids: list[CweId] | None = Field(None, max_length=20)
    cvss_vector: str | None = Field(None, max_length=500)
    cve_id: str | None = Field(None, max_length=30, description="Empty: no CVE id")
    ssvc: SsvcIn | None = Field(None, description="Absent: unchanged; kind empty: removed")


def _vulnerability(request: HttpRequest, case: Case, number: int) -> Vulnerability:
    found = selectors.vulnerability_for(_user(request), case, number)
    if found is None:
        raise NotFound("No such vulnerability.")
    return found


@router.get(
    "/cases/{reference}/vulnerabilities",
    response={200: list[VulnerabilityOut], **READ},
    summary="A case's vulnerabilities",
)
def list_vulnerabilities(request: HttpRequest, reference: Reference) -> Any:
    return selectors.vulnerabilities_of(_user(request), _case(request, reference))


@router.post(
    "/cases/{reference}/vulnerabilities",
    response={201: VulnerabilityOut, **WRITE},
    summary="Add a vulnerability, with the products it affects",
)
def add_vulnerability(request: HttpRequest, reference: Reference, body: VulnerabilityIn) -> Any:
    vulnerability = vulnerability_services.add_vulnerability(
        actor=_user(request),
        case=_case(request, reference),
        title=body.title,
        description=body.description,
        cwe_ids=[str(c) for c in body.cwe_ids],
        cvss_vector=body.cvss_vector,
        cve_id=body.cve_id,
        ssvc_kind=body.ssvc.kind if body.ssvc else "",
        ssvc_inputs=dict(body.ssvc.inputs) if body.ssvc else None,
        products=[p.dict() for p in body.products],
    )
    return Status(201, vulnerability)


@router.get(
    "/cases/{reference}/vulnerabilities/{number}",
    response={200: VulnerabilityOut, **READ},
    summary="One vulnerability",
)
def get_vulnerability(request: HttpRequest, reference: Reference, number: Number) -> Any:
    return _vulnerability(request, _case(request, reference), number)


@router.patch(
    "/cases/{reference}/vulnerabilities/{number}",
    response={200: VulnerabilityOut, **WRITE},
    summary="Edit a vulnerability",
)
def edit_vulnerability(
    request: HttpRequest, reference: Reference, number: Number, body: VulnerabilityPatch
) -> Any:
    return vulnerability_services.edit_vulnerability(
        actor=_user(request),
        vulnerability=_vulnerability(request, _case(request, reference), number),
        title=body.title,
        description=body.description,
        cwe_ids=[str(c) for c in body.cwe_ids] if body.cwe_ids is not None else None,
        cvss_vector=body.cvss_vector,
        cve_id=body.cve_id,
        ssvc_kind=body.ssvc.kind if body.ssvc else None,
        ssvc_inputs=dict(body.ssvc.inputs) if body.ssvc else None,
    )


@router.api_operation(
    ["DELETE"],
    "/cases/{reference}/vulnerabilities/{number}",
    response={204: None, **WRITE},
    summary="Remove a vulnerability no vendor has stated on",
)
def remove_vulnerability(request: HttpRequest, reference: Reference, number: Number) -> Any:
    vulnerability = _vulnerability(request, _case(request, reference), number)
    vulnerability_services.remove_vulnerability(actor=_user(request), vulnerability=vulnerability)
    return Status(204, None)


@router.post(
    "/cases/{reference}/vulnerabilities/{number}/products",
    response={201: ProductOut, **WRITE},
    summary="Add a product a vulnerability affects",
)
def add_product(request: HttpRequest, reference: Reference, number: Number, body: ProductIn) -> Any:
    vulnerability = _vulnerability(request, _case(request, reference), number)
    product = product_services.add_affected_product(
        actor=_user(request), vulnerability=vulnerability, **body.dict()
    )
    return Status(201, product)


@router.api_operation(
    ["DELETE"],
    "/cases/{reference}/vulnerabilities/{number}/products/{product_id}",
    response={204: None, **WRITE},
    summary="Remove a product no vendor has stated on",
)
def remove_product(
    request: HttpRequest, reference: Reference, number: Number, product_id: Id
) -> Any:
    vulnerability = _vulnerability(request, _case(request, reference), number)
    product = selectors.affected_product_for(_user(request), vulnerability, product_id)
    if product is None:
        raise NotFound("No such product.")
    product_services.remove_affected_product(actor=_user(request), product=product)
    return Status(204, None)


# Finding the vendors ----------------------------------------------------------------------


class SuggestionOut(Schema):
    organisation: str = Field(description="The organisation's slug")
    name: str
    matches: list[str] = Field(description="Which affected product matched which declaration")


def _lead_case(request: HttpRequest, reference: str) -> Case:
    case = _case(request, reference)
    if not has_perm(_user(request), Permission.CVD_CASE_COORDINATE, case):
        raise NotAllowed("Only the case's coordinator sees this.")
    return case


@router.get(
    "/cases/{reference}/suggestions",
    response={200: list[SuggestionOut], **READ},
    summary="Vendors whose declared products match the case's",
)
def list_suggestions(request: HttpRequest, reference: Reference) -> Any:
    case = _lead_case(request, reference)
    return [
        {"organisation": s.organisation.slug, "name": s.organisation.name, "matches": s.matches}
        for s in selectors.suggest_vendors(_user(request), case)
    ]


class InvitationOut(Schema):
    id: int
    email: str
    participant: int = Field(alias="participant_id")
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InviteIn(Schema):
    email: str = Field(max_length=254)
    name: str = Field("", max_length=invitation_services.MAX_NAME)


@router.get(
    "/cases/{reference}/invitations",
    response={200: list[InvitationOut], **READ},
    summary="The invitations sent in a case",
)
def list_invitations(request: HttpRequest, reference: Reference) -> Any:
    return selectors.invitations_of(_user(request), _lead_case(request, reference))


@router.post(
    "/cases/{reference}/invitations",
    response={201: InvitationOut, **WRITE},
    summary="Invite a vendor outside the coalition by email",
)
def create_invitation(request: HttpRequest, reference: Reference, body: InviteIn) -> Any:
    invitation: ParticipantInvitation = invitation_services.invite_vendor(
        actor=_user(request), case=_case(request, reference), email=body.email, name=body.name
    )
    return Status(201, invitation)


@router.api_operation(
    ["DELETE"],
    "/cases/{reference}/invitations/{invitation_id}",
    response={200: InvitationOut, **WRITE},
    summary="Revoke an invitation not yet accepted",
)
def revoke_invitation(request: HttpRequest, reference: Reference, invitation_id: Id) -> Any:
    case = _case(request, reference)
    invitation = selectors.invitation_in(_user(request), case, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation_services.revoke_invitation(actor=_user(request), invitation=invitation)


# What the token's organisation makes ------------------------------------------------------


class VendorProductOut(Schema):
    id: int
    purl_type: str
    purl_namespace: str
    purl_name: str
    cpe_vendor: str
    cpe_product: str
    declared_at: datetime


class VendorProductIn(Schema):
    purl_type: str = Field("", max_length=40, examples=["npm"])
    purl_namespace: str = Field("", max_length=200, examples=["@acme"])
    purl_name: str = Field("", max_length=200, description="Empty: the whole namespace")
    cpe_vendor: str = Field("", max_length=200)
    cpe_product: str = Field("", max_length=200, description="Empty: all the vendor's products")


@router.get(
    "/products",
    response={200: list[VendorProductOut], **READ},
    summary="The products the token's organisation declares",
)
def list_vendor_products(request: HttpRequest) -> Any:
    token = request_token(request)
    return list(selectors.vendor_products_of(token.user, token.organisation))


@router.post(
    "/products",
    response={201: VendorProductOut, **WRITE},
    summary="Declare a product the token's organisation makes",
)
def declare_vendor_product(request: HttpRequest, body: VendorProductIn) -> Any:
    token = request_token(request)
    declared = product_services.declare_vendor_product(
        actor=token.user, organisation=token.organisation, **body.dict()
    )
    return Status(201, declared)


@router.api_operation(
    ["DELETE"],
    "/products/{product_id}",
    response={204: None, **WRITE},
    summary="Withdraw a declared product",
)
def withdraw_vendor_product(request: HttpRequest, product_id: Id) -> Any:
    token = request_token(request)
    product: VendorProduct | None = selectors.vendor_product_for(token.user, product_id)
    if product is None or product.organisation_id != token.organisation.pk:
        raise NotFound("No such product.")
    product_services.withdraw_vendor_product(actor=token.user, product=product)
    return Status(204, None)
