"""The commitments API: a token acts for its organisation only, writes need an admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.commitments import services
from accord.commitments.models import Attestation, Commitment, Status

pytestmark = pytest.mark.usefixtures("catalogue")

URL = "/api/v1/commitments/"
AUTOMATED = "cvd.security-txt"
DOCUMENT = "cvd.safe-harbour"


def future(days: int = 60) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def api() -> Any:
    """A client sending the user's new token for the organisation."""

    def make(user: User, organisation: Organisation) -> Any:
        _, secret = create_api_token(user=user, organisation=organisation, name="ci")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


class TestReading:
    def test_list_and_detail_with_history(self, api: Any, alice: User, org_a: Organisation) -> None:
        services.commit_to_practice(
            organisation=org_a,
            practice_id=DOCUMENT,
            target_date=timezone.localdate() + timedelta(days=30),
            actor=alice,
        )
        client = api(alice, org_a)
        listed = client.get(URL)
        assert listed.status_code == 200
        [item] = listed.json()
        assert item["practice"] == DOCUMENT
        assert item["status"] == "committed"
        assert item["verification"] == "document"
        assert item["overdue"] is False

        detail = client.get(f"{URL}{DOCUMENT}")
        assert detail.status_code == 200
        [entry] = detail.json()["history"]
        assert entry["from_status"] == ""
        assert entry["to_status"] == "committed"
        assert "target date" in entry["cause"]

    def test_a_token_never_sees_another_organisation(
        self, api: Any, alice: User, bob: User, org_a: Organisation, org_b: Organisation
    ) -> None:
        services.commit_to_practice(
            organisation=org_a,
            practice_id=DOCUMENT,
            target_date=timezone.localdate(),
            actor=alice,
        )
        client = api(bob, org_b)
        assert client.get(URL).json() == []
        missing = client.get(f"{URL}{DOCUMENT}")
        assert missing.status_code == 404
        assert "Your organisation has no commitment" in missing.json()["detail"]
        assert post(client, f"{URL}{DOCUMENT}/attestations", {"text": "x"}).status_code == 404
        assert not Attestation.objects.exists()

    def test_no_token_is_401(self, client: Client) -> None:
        assert client.get(URL).status_code == 401
        assert (
            post(client, URL, {"practice": AUTOMATED, "target_date": future()}).status_code == 401
        )

    def test_a_plain_member_may_read(
        self, api: Any, carol: User, alice: User, org_a: Organisation
    ) -> None:
        assert api(carol, org_a).get(URL).status_code == 200


class TestCommitting:
    def test_commit_to_a_practice(self, api: Any, alice: User, org_a: Organisation) -> None:
        response = post(api(alice, org_a), URL, {"practice": AUTOMATED, "target_date": future()})
        assert response.status_code == 201
        [created] = response.json()["created"]
        assert created["practice"] == AUTOMATED
        assert created["verification"] == "automated:security-txt"
        assert Commitment.objects.get().organisation == org_a

    def test_commit_to_a_profile(self, api: Any, alice: User, org_a: Organisation) -> None:
        client = api(alice, org_a)
        post(client, URL, {"practice": AUTOMATED, "target_date": future()})
        response = post(client, URL, {"profile": "cvd-baseline", "target_date": future()})
        assert response.status_code == 201
        assert len(response.json()["created"]) == 7
        assert response.json()["skipped"] == [AUTOMATED]

    @pytest.mark.parametrize(
        ("body", "status", "detail"),
        [
            ({"practice": "cvd.nope", "target_date": future()}, 422, "no practice “cvd.nope”"),
            ({"profile": "nope", "target_date": future()}, 422, "no profile “nope”"),
            ({"practice": AUTOMATED, "target_date": "2020-01-01"}, 422, "in the past"),
            ({"target_date": future()}, 422, "either a practice or a profile"),
            (
                {"practice": AUTOMATED, "profile": "cvd-baseline", "target_date": future()},
                422,
                "either a practice or a profile",
            ),
            ({"practice": AUTOMATED}, 422, "Invalid request."),
            ({"practice": AUTOMATED, "target_date": "tomorrow"}, 422, "Invalid request."),
            # A Unix time is not a day, though pydantic alone reads it as one.
            ({"practice": AUTOMATED, "target_date": 4102444800}, 422, "Invalid request."),
            ({"practice": "x" * 101, "target_date": future()}, 422, "Invalid request."),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(
        self,
        body: dict[str, Any],
        status: int,
        detail: str,
        api: Any,
        alice: User,
        org_a: Organisation,
    ) -> None:
        response = post(api(alice, org_a), URL, body)
        assert response.status_code == status
        assert detail in response.json()["detail"]
        assert not Commitment.objects.exists()

    def test_a_body_nested_2000_deep_is_400(
        self, api: Any, alice: User, org_a: Organisation
    ) -> None:
        body = '{"practice": "' + AUTOMATED + '", "x": ' + "[" * 2_000 + "]" * 2_000 + "}"
        response = api(alice, org_a).post(URL, body, content_type="application/json")
        assert response.status_code == 400
        assert "nested more than 32 levels deep" in response.json()["detail"]
        assert not Commitment.objects.exists()

    def test_committing_twice_is_409(self, api: Any, alice: User, org_a: Organisation) -> None:
        client = api(alice, org_a)
        post(client, URL, {"practice": AUTOMATED, "target_date": future()})
        again = post(client, URL, {"practice": AUTOMATED, "target_date": future()})
        assert again.status_code == 409
        assert "already committed" in again.json()["detail"]

    def test_a_plain_member_cannot_commit(self, api: Any, carol: User, org_a: Organisation) -> None:
        response = post(api(carol, org_a), URL, {"practice": AUTOMATED, "target_date": future()})
        assert response.status_code == 403
        assert "Only the admins of Alpha Systems" in response.json()["detail"]
        assert not Commitment.objects.exists()

    def test_an_admin_elsewhere_acts_only_for_the_tokens_organisation(
        self, api: Any, alice: User, org_a: Organisation, org_b: Organisation
    ) -> None:
        # Alice administers Alpha and is a plain member of Beta: her Beta token cannot write.
        from accord.accounts.models import Membership

        Membership.objects.create(user=alice, organisation=org_b, role="member")
        response = post(api(alice, org_b), URL, {"practice": AUTOMATED, "target_date": future()})
        assert response.status_code == 403
        assert not Commitment.objects.exists()


class TestAttesting:
    @pytest.fixture
    def committed(self, alice: User, org_a: Organisation) -> Commitment:
        return services.commit_to_practice(
            organisation=org_a,
            practice_id=DOCUMENT,
            target_date=timezone.localdate() + timedelta(days=30),
            actor=alice,
        )

    def test_attest(
        self, api: Any, alice: User, org_a: Organisation, committed: Commitment
    ) -> None:
        client = api(alice, org_a)
        response = post(client, f"{URL}{DOCUMENT}/attestations", {"text": "Clause 7 of our VDP."})
        assert response.status_code == 201
        assert response.json()["text"] == "Clause 7 of our VDP."
        assert client.get(f"{URL}{DOCUMENT}").json()["status"] == Status.IMPLEMENTED

    def test_an_empty_attestation_is_422(
        self, api: Any, alice: User, org_a: Organisation, committed: Commitment
    ) -> None:
        response = post(api(alice, org_a), f"{URL}{DOCUMENT}/attestations", {"text": "  "})
        assert response.status_code == 422
        assert not Attestation.objects.exists()

    def test_a_plain_member_cannot_attest(
        self, api: Any, carol: User, org_a: Organisation, committed: Commitment
    ) -> None:
        response = post(api(carol, org_a), f"{URL}{DOCUMENT}/attestations", {"text": "yes"})
        assert response.status_code == 403
        assert not Attestation.objects.exists()
