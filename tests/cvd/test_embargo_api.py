"""The embargo and timeline routes of the CVD API, with an API token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.services import create_api_token
from accord.cvd.models import Case, EmbargoProposal
from accord.cvd.services import cases
from accord.cvd.services import embargo as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Any:
    def make(user: Any, organisation: Any) -> Client:
        _, secret = create_api_token(user=user, organisation=organisation, name="tracker")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def led(cvd_world: Any) -> Case:
    """A case the coordinator organisation leads, with both vendors and the observer."""
    w = cvd_world
    case = cases.open_case(
        actor=w.coordinator, title="Led by Gamma", organisation=w.coordinator_org
    )
    for organisation, role in (
        (w.vendor_a, "vendor"),
        (w.vendor_b, "vendor"),
        (w.observer_org, "observer"),
    ):
        cases.add_participant(actor=w.coordinator, case=case, role=role, organisation=organisation)
    return case


def base(case: Case) -> str:
    return f"/api/v1/cvd/cases/{case.reference}"


def when(days: int = 30) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_the_embargo_is_negotiated_through_the_api(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    vendor_a = api(w.vendor_a_admin, w.vendor_a)
    vendor_b = api(w.vendor_b_member, w.vendor_b)
    lead = api(w.coordinator, w.coordinator_org)
    proposed = vendor_a.post(
        f"{base(led)}/embargo/proposals", {"ends_at": when()}, content_type="application/json"
    )
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert body["state"] == "proposed"
    [proposal] = body["proposals"]
    assert (proposal["accepted"], proposal["rejected"], proposal["silent"]) == (1, 0, 2)
    answered = vendor_b.post(
        f"{base(led)}/embargo/proposals/{proposal['id']}/answer",
        {"answer": "reject", "comment": "Too soon"},
        content_type="application/json",
    )
    assert answered.status_code == 200
    own = answered.json()["proposals"][0]["answers"]
    assert [(a["name"], a["answer"]) for a in own] == [("Bolt Software", "reject")]
    seen = lead.get(f"{base(led)}/embargo").json()["proposals"][0]["answers"]
    assert {(a["name"], a["answer"]) for a in seen} == {
        ("Acme Routers", "accept"),
        ("Bolt Software", "reject"),
    }
    assert (
        lead.post(f"{base(led)}/embargo/proposals/{proposal['id']}/adopt").json()["state"]
        == "active"
    )
    ended = lead.post(
        f"{base(led)}/embargo/end",
        {"reason": "Exploited in the wild"},
        content_type="application/json",
    )
    assert ended.status_code == 200
    assert (ended.json()["state"], ended.json()["exit_reason"]) == (
        "exited",
        "Exploited in the wild",
    )


def test_a_date_in_the_past_is_a_422_naming_ends_at(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    response = api(w.vendor_a_admin, w.vendor_a).post(
        f"{base(led)}/embargo/proposals", {"ends_at": when(-1)}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "ends_at"
    assert not EmbargoProposal.objects.exists()


def test_an_illegal_move_is_a_409_listing_the_allowed_ones(
    cvd_world: Any, led: Case, api: Any
) -> None:
    w = cvd_world
    response = api(w.coordinator, w.coordinator_org).post(
        f"{base(led)}/embargo/end", {"reason": "Nothing"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"].endswith("Allowed: proposed.")


def test_refusals_through_the_api(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    proposal = services.propose_embargo(
        actor=w.vendor_a_admin, case=led, ends_at=timezone.now() + timedelta(days=5)
    )
    vendor_b = api(w.vendor_b_member, w.vendor_b)
    adopt = f"{base(led)}/embargo/proposals/{proposal.pk}/adopt"
    assert vendor_b.post(adopt).status_code == 403
    assert (
        api(w.outsider, w.outsider.memberships.get().organisation)
        .get(f"{base(led)}/embargo")
        .status_code
        == 404
    )
    assert (
        vendor_b.post(f"{base(led)}/embargo/proposals/{proposal.pk + 9}/withdraw").status_code
        == 404
    )
    assert Client().get(f"{base(led)}/embargo").status_code == 401
    observer = api(w.observer, w.observer_org)
    response = observer.post(
        f"{base(led)}/embargo/proposals/{proposal.pk}/answer",
        {"answer": "accept"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["field"]) == (422, "participant")
    response = vendor_b.post(
        f"{base(led)}/embargo/proposals/{proposal.pk}/answer",
        {"answer": "accept", "participant": proposal.proposed_by_participant_id},
        content_type="application/json",
    )
    assert response.status_code == 403
    lead = api(w.coordinator, w.coordinator_org)
    assert (
        lead.post(f"{base(led)}/embargo/proposals/{proposal.pk}/withdraw").json()["state"] == "none"
    )


def test_the_timeline_through_the_api(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    services.propose_embargo(
        actor=w.vendor_a_admin, case=led, ends_at=timezone.now() + timedelta(days=5)
    )
    body = api(w.vendor_b_member, w.vendor_b).get(f"{base(led)}/timeline").json()
    tags = [event["tag"] for event in body["events"]]
    assert tags[0] == "cvd:embargo:propose"
    assert body["older"] is None
    first = body["events"][0]
    assert first["link"] == f"/cvd/{led.reference}/timeline/?upto={first['id']}#event-{first['id']}"
    older = (
        api(w.vendor_b_member, w.vendor_b)
        .get(f"{base(led)}/timeline", {"upto": first["id"] - 1})
        .json()
    )
    assert [event["id"] for event in older["events"]] == [
        event["id"] for event in body["events"][1:]
    ]
