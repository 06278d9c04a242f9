"""Evidence API at /api/v1/evidence/ (bearer token): the domains of the token's
organisation, each with where its proof of control stands and the current verdict of
every check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from accord.accounts.api import AUTH_ERRORS, request_token
from accord.evidence import selectors

router = Router(tags=["evidence"])


class VerdictOut(Schema):
    check_id: str
    title: str
    verdict: str | None
    since: datetime | None


class DomainOut(Schema):
    name: str
    added_at: datetime
    control: str  # unverified, verified, contested, lapsed, revoked or demo
    counts: bool  # whether its evidence counts: control proven (or a demo domain)
    checks: list[VerdictOut]


@router.get(
    "/domains",
    response={200: list[DomainOut], **AUTH_ERRORS},
    summary="The domains of the token's organisation and their current verdicts",
)
def domains(request: HttpRequest) -> list[dict[str, Any]]:
    token = request_token(request)
    found = selectors.organisation_evidence(token.user, token.organisation)
    if found is None:
        raise HttpError(403, "This token no longer acts for its organisation.")
    return [
        {
            "name": item.domain.name,
            "added_at": item.domain.added_at,
            "control": item.domain.control,
            "counts": item.domain.counts,
            "checks": [_verdict(row) for row in item.rows],
        }
        for item in found.domains
    ]


def _verdict(row: selectors.CheckRow) -> dict[str, Any]:
    current = row.verdict
    return {
        "check_id": row.check_id,
        "title": row.title,
        "verdict": current.status if current is not None else None,
        "since": current.since if current is not None else None,
    }
