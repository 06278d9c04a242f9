"""Refusals from the services reach people with the status their kind names, through the
one page mapping and the one API mapping: 403, 404, 409, and 422 naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.commitments import services
from accord.commitments.models import Commitment

pytestmark = pytest.mark.usefixtures("catalogue")

API = "/api/v1/commitments/"
PRACTICE = "cvd.safe-harbour"


def future(days: int = 60) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def api_client(user: User, organisation: Organisation) -> Client:
    _, secret = create_api_token(user=user, organisation=organisation, name="errors")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def committed(alice: User, org_a: Organisation) -> Commitment:
    return services.commit_to_practice(
        organisation=org_a,
        practice_id=PRACTICE,
        target_date=timezone.localdate() + timedelta(days=30),
        actor=alice,
    )


class TestPages:
    def test_403_names_what_is_not_allowed(self, client_for: Any, carol: User) -> None:
        response = client_for(carol).get(reverse("commitments:commit", args=["alpha"]))
        assert response.status_code == 403
        assert "<h1>Not allowed</h1>" in response.content.decode()
        assert "Only the organisation&#x27;s admins commit." in response.content.decode()

    def test_409_for_a_change_the_state_forbids(self, client_for: Any, alice: User) -> None:
        url = reverse("accounts:organisation_invite", args=["alpha"])
        response = client_for(alice).post(url, {"email": alice.email, "role": "member"})
        assert response.status_code == 409
        assert "already a member of Alpha Systems" in response.content.decode()

    def test_422_shows_the_message_next_to_its_field(self, client_for: Any, alice: User) -> None:
        response = client_for(alice).post(
            reverse("commitments:commit", args=["alpha"]),
            {"profile": "cvd-baseline", "target_date": "2020-01-01"},
        )
        assert response.status_code == 422
        form = response.context["form"]
        assert "in the past" in " ".join(form.errors["target_date"])
        assert not form.non_field_errors()


class TestApi:
    def test_403(self, carol: User, org_a: Organisation) -> None:
        response = post_json(
            api_client(carol, org_a), API, {"practice": PRACTICE, "target_date": future()}
        )
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Only the admins of Alpha Systems can change its commitments.",
            "field": None,
        }

    def test_404(self, alice: User, org_a: Organisation) -> None:
        response = api_client(alice, org_a).get(f"{API}cvd.nope")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "Your organisation has no commitment to “cvd.nope”.",
            "field": None,
        }

    def test_409(self, alice: User, org_a: Organisation, committed: Commitment) -> None:
        response = post_json(
            api_client(alice, org_a), API, {"practice": PRACTICE, "target_date": future()}
        )
        assert response.status_code == 409
        assert response.json() == {
            "detail": f"Alpha Systems is already committed to {PRACTICE}.",
            "field": None,
        }

    @pytest.mark.parametrize(
        ("body", "field", "detail"),
        [
            ({"practice": PRACTICE, "target_date": "2020-01-01"}, "target_date", "in the past"),
            ({"practice": "cvd.nope", "target_date": future()}, "practice", "no practice"),
            ({"profile": "nope", "target_date": future()}, "profile", "no profile"),
            ({"target_date": future()}, "practice", "either a practice or a profile"),
        ],
    )
    def test_422_names_the_field(
        self, alice: User, org_a: Organisation, body: dict[str, Any], field: str, detail: str
    ) -> None:
        response = post_json(api_client(alice, org_a), API, body)
        assert response.status_code == 422
        assert response.json()["field"] == field
        assert detail in response.json()["detail"]
        assert not Commitment.objects.exists()

    def test_422_on_a_query_parameter_names_it(self, client: Client) -> None:
        response = client.get("/api/v1/adoption/summary", {"sector": "x" * 81})
        assert response.status_code == 422
        assert response.json()["field"] == "sector"
