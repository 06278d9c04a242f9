"""API authentication by bearer token, and the account endpoints.

A token acts for one person within one organisation: every endpoint here answers about
that organisation only, and with the person's role there.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from accord.accounts import selectors, services
from accord.accounts.models import ApiToken
from accord.accounts.permissions import Permission, has_perm
from accord.errors import NotAllowed

router = Router(tags=["accounts"])


class BearerToken(HttpBearer):
    """`Authorization: Bearer acc_…`: an active token whose owner still belongs to its
    organisation. Anything else is answered 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        secret = token.strip()
        found = services.use_api_token(secret=secret)
        if found is None and (expired := services.expired_api_token(secret=secret)):
            # Its holder has the secret, so saying why it stopped working tells them
            # nothing new, and saves a search for what broke.
            when = f"{expired.expires_at:%Y-%m-%d %H:%M} UTC"
            raise HttpError(
                401, f"This API token expired on {when}. Create a new one on your account page."
            )
        return found


class ErrorOut(Schema):
    """A refused request: what is wrong and, for a value that is not acceptable, its field."""

    detail: str
    field: str | None = Field(None, description="The field the detail is about, if one")


class InvalidRequestOut(ErrorOut):
    """A request whose values do not fit this document: the first such value in `field`,
    and what was wrong with each."""

    errors: list[dict[str, Any]] = Field(
        description="One entry per value: where it is (`loc`), what is wrong (`msg`, `type`)"
    )


def refusals(*statuses: int) -> dict[int, Any]:
    """The documented error answers for `statuses`. A 422 is either a value the service
    found unacceptable (`ErrorOut`) or one that does not fit the document at all
    (`InvalidRequestOut`, which lists every problem), so it is documented as either."""
    return {
        status: ErrorOut | InvalidRequestOut if status == 422 else ErrorOut for status in statuses
    }


MAX_ID_LENGTH = 100  # longer than any catalogue id or slug, so no real one is refused
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> date:
    # Pydantic alone reads `0` or `"0"` as 1970-01-01 (a Unix time) and `"20240101"` as a
    # date too; a day the API takes is written one way, and is one the platform can hold.
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_from_iso", "There is no such day.") from None
    else:
        raise PydanticCustomError("date_from_iso", "Give the day as YYYY-MM-DD.")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PydanticCustomError(
            "date_in_range", f"Give a day from {EARLIEST_DAY} to {LATEST_DAY}."
        )
    return day


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_day),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"YYYY-MM-DD, from {EARLIEST_DAY} to {LATEST_DAY}",
        }
    ),
]


class TokenOut(Schema):
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    expires_at: datetime | None


class MeOut(Schema):
    email: str
    full_name: str
    organisation: str = Field(description="Slug of the organisation the token acts for")
    role: str = Field(description="org_admin or member")
    token: TokenOut


class MemberOut(Schema):
    full_name: str
    email: str | None = Field(description="Shown to organisation admins only")
    role: str


class OrganisationOut(Schema):
    name: str
    slug: str
    sector: str
    country: str
    size_band: str
    website: str
    members: list[MemberOut]


AUTH_ERRORS = refusals(401, 403)


def request_token(request: HttpRequest) -> ApiToken:
    """The token a request authenticated with (every router behind `BearerToken`)."""
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="Who this token acts for")
def me(request: HttpRequest) -> dict[str, Any]:
    token = request_token(request)
    role = selectors.token_role(token)
    if role is None:
        raise NotAllowed("This token no longer acts for its organisation.")
    return {
        "email": token.user.email,
        "full_name": token.user.full_name,
        "organisation": token.organisation.slug,
        "role": role,
        "token": token,
    }


@router.get(
    "/organisation",
    response={200: OrganisationOut, **AUTH_ERRORS},
    summary="The organisation this token acts for",
)
def organisation(request: HttpRequest) -> dict[str, Any]:
    view = selectors.token_organisation_view(request_token(request))
    if view is None:
        raise NotAllowed("This token no longer acts for its organisation.")
    org = view.organisation
    return {
        "name": org.name,
        "slug": org.slug,
        "sector": org.sector,
        "country": org.country,
        "size_band": org.size_band,
        "website": org.website,
        "members": view.members,
    }


# Invitations ---------------------------------------------------------------------------


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field("member", max_length=20, description="org_admin or member")


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class SentOut(Schema):
    detail: str


def _inviting_token(request: HttpRequest) -> ApiToken:
    token = request_token(request)
    # A token invites with its owner's role in its organisation, never the instance role.
    if not has_perm(token.user, Permission.INVITATION_CREATE, token):
        raise NotAllowed("Only an organisation admin's token can invite people.")
    return token


@router.post(
    "/invitations",
    response={202: SentOut, **refusals(400, 401, 403, 409, 413, 422)},
    summary="Invite a person to the token's organisation",
    description="The person is emailed a link that works once and expires; they join when "
    "they accept. The answer is the same whether or not an account uses the address.",
)
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status:
    token = _inviting_token(request)
    invitation = services.invite_to_organisation(
        organisation=token.organisation, email=payload.email, role=payload.role, actor=token.user
    )
    return Status(202, {"detail": f"An invitation was sent to {invitation.email}."})


@router.get(
    "/invitations",
    response={200: list[InvitationOut], **AUTH_ERRORS},
    summary="Invitations to the token's organisation waiting to be accepted",
)
def list_invitations(request: HttpRequest) -> Any:
    token = _inviting_token(request)
    return list(selectors.invitations_for(token.user, token.organisation))
