"""CVD API: the deliveries of a case and notifying its vendors (its lead's), and an
organisation's registered security contact (its admins').

Each route acts with an API token, as the person it belongs to, through the same
selectors and services as the pages. A case the person cannot see, or an organisation
they do not administer, is answered 404 as if it did not exist; a case they take part
in but do not lead: 404 for its deliveries, 403 for notifying its vendors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from accord.accounts.api import BearerToken, request_token
from accord.apischema import MAX_ID_LENGTH, refusals
from accord.cvd import selectors as cases
from accord.cvd.models import Case
from accord.cvd.openpgp import MAX_KEY_BYTES
from accord.cvd.selectors import delivery as selectors
from accord.cvd.services import contacts, delivery
from accord.errors import NotFound

router = Router()

Reference = Annotated[str, Path(max_length=20, examples=["ACC-2026-0001"])]
Slug = Annotated[str, Path(max_length=MAX_ID_LENGTH, examples=["acme"])]


class DeliveryOut(Schema):
    id: int
    participant: int = Field(description="The participant's id in the case")
    recipient: str = Field(description="The participant's name")
    address: str = Field(description="Blank: no contact was found")
    source: str = Field(description="security_txt, registered, invited, account, none or pending")
    fingerprint: str = Field(description="The key it was encrypted to; blank: unencrypted")
    state: str = Field(description="pending, queued, sent, kept, failed, held, none or unsent")
    attempts: int
    last_error: str
    problem: str = Field(description="Why it went unencrypted, was held or could not go")
    created_at: datetime

    @staticmethod
    def from_row(row: selectors.DeliveryRow) -> dict[str, Any]:
        d = row.delivery
        return {
            "id": d.pk,
            "participant": d.participant_id,
            "recipient": d.participant.name,
            "address": d.address,
            "source": d.source,
            "fingerprint": d.fingerprint,
            "state": row.state,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "problem": d.problem,
            "created_at": d.created_at,
        }


class DeliveryPageOut(Schema):
    count: int
    page: int
    pages: int
    deliveries: list[DeliveryOut]


class NotifyOut(Schema):
    vendors: int = Field(description="How many vendors are being told")


class ContactIn(Schema):
    email: str = Field(max_length=254, examples=["psirt@acme.example"])
    openpgp_key: str = Field(
        "", max_length=MAX_KEY_BYTES, description="An ASCII-armoured OpenPGP public key"
    )


class ContactOut(Schema):
    organisation: str
    email: str
    openpgp_key: str
    fingerprint: str
    updated_at: datetime


def _case(request: HttpRequest, reference: str) -> Case:
    case = cases.case_for(request_token(request).user, reference)
    if case is None:
        raise NotFound("No such case.")
    return case


@router.get(
    "/cases/{reference}/deliveries",
    auth=BearerToken(),
    response={200: DeliveryPageOut, **refusals(400, 401, 403, 404, 422)},
    summary="Where each message to the case's vendors went (the lead's)",
)
def list_deliveries(
    request: HttpRequest,
    reference: Reference,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Any:
    found = selectors.delivery_page(request_token(request).user, _case(request, reference), page)
    if found is None:
        raise NotFound("No such case.")
    return {
        "count": found.page.paginator.count,
        "page": found.page.number,
        "pages": found.page.paginator.num_pages,
        "deliveries": [DeliveryOut.from_row(row) for row in found.rows],
    }


@router.post(
    "/cases/{reference}/notify",
    auth=BearerToken(),
    response={202: NotifyOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Tell every vendor of the case what changed since its last message",
)
def notify_vendors(request: HttpRequest, reference: Reference) -> Any:
    case = _case(request, reference)
    told = delivery.notify_vendors(actor=request_token(request).user, case=case)
    return Status(202, {"vendors": told})


def _organisation(request: HttpRequest, slug: str) -> Any:
    organisation = selectors.contact_organisation(request_token(request).user, slug)
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


@router.get(
    "/contacts/{slug}",
    auth=BearerToken(),
    response={200: ContactOut, **refusals(400, 401, 403, 404, 422)},
    summary="The organisation's registered security contact (its admins')",
)
def get_contact(request: HttpRequest, slug: Slug) -> Any:
    organisation = _organisation(request, slug)
    contact = selectors.security_contact(organisation)
    if contact is None:
        raise NotFound("No security contact is registered.")
    return {
        "organisation": organisation.slug,
        "email": contact.email,
        "openpgp_key": contact.openpgp_key,
        "fingerprint": contact.fingerprint,
        "updated_at": contact.updated_at,
    }


@router.put(
    "/contacts/{slug}",
    auth=BearerToken(),
    response={200: ContactOut, **refusals(400, 401, 403, 404, 413, 422)},
    summary="Register the organisation's security contact and its key",
)
def set_contact(request: HttpRequest, slug: Slug, body: ContactIn) -> Any:
    organisation = _organisation(request, slug)
    contact = contacts.set_security_contact(
        actor=request_token(request).user,
        organisation=organisation,
        email=body.email,
        openpgp_key=body.openpgp_key,
    )
    return {
        "organisation": organisation.slug,
        "email": contact.email,
        "openpgp_key": contact.openpgp_key,
        "fingerprint": contact.fingerprint,
        "updated_at": contact.updated_at,
    }
