"""API authentication by bearer token, and the account endpoints.

A token acts for one person within one organisation: every endpoint here answers about
that organisation only, and with the person's role there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from accord.accounts import selectors, services
from accord.accounts.models import ApiToken
from accord.accounts.permissions import Permission, has_perm
from accord.apischema import refusals
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
        if found is not None:
            # The token acts for its owner within its one organisation: every rule that
            # grants through a membership sees that organisation only (accounts.rules).
            found.user.acting_organisation_id = found.organisation_id
        return found


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
