"""The edge refuses what no database could store, once, for every page and route.

Each request below answered 500 before the edge existed, on PostgreSQL (NUL bytes, huge
integers) or on both databases (lone surrogates, deep JSON). They run on both: the suite
runs once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.commitments.models import Commitment

pytestmark = pytest.mark.usefixtures("catalogue")

ANONYMOUS_GETS = [
    "/catalogue/search/?q=%00",
    "/catalogue/practices/%00/",
    "/adoption/?sector=%00",
    "/adoption/organisations/?q=%00",
    "/api/v1/adoption/summary?sector=%00",
    "/api/v1/catalogue/practices?q=%00",
    "/api/v1/catalogue/practices/%00",
    "/%00",
    "/catalogue/?%00=1",
]


@pytest.fixture
def api(alice: User, org_a: Organisation) -> Client:
    _, secret = create_api_token(user=alice, organisation=org_a, name="edge")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("url", ANONYMOUS_GETS)
def test_a_nul_byte_anywhere_in_an_address_is_a_400_naming_where(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert b"NUL byte" in response.content


def test_the_api_answers_in_json_and_names_the_field(client: Client) -> None:
    response = client.get("/api/v1/catalogue/practices?q=%00")
    assert response.status_code == 400
    assert response.json() == {"detail": "q contains a NUL byte.", "field": "q"}


def test_a_page_answers_on_the_sites_error_page(client: Client) -> None:
    response = client.get("/adoption/?sector=%00")
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert b"sector contains a NUL byte." in response.content


def test_sign_in_with_a_nul_byte_is_refused_before_the_lockout_looks_it_up(
    client: Client, alice: User, password: str
) -> None:
    response = client.post("/accounts/login/", {"email": "alice\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert b"email contains a NUL byte." in response.content
    # Nothing was counted against anyone, and the real account still signs in.
    assert (
        client.post("/accounts/login/", {"email": alice.email, "password": password}).status_code
        == 302
    )


def test_a_nul_byte_in_a_session_cookie_is_refused_not_looked_up(client: Client) -> None:
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/")
    assert response.status_code == 400


def test_a_commitment_id_with_a_nul_byte(api: Client) -> None:
    response = api.get("/api/v1/commitments/%00")
    assert response.status_code == 400
    assert response.json()["field"] == "path"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"practice": "cvd.security-txt\\u0000"}', 400, "body.practice"),
        ('{"practice": "\\ud800"}', 400, "body.practice"),
        ('{"\\u0000": 1}', 400, "body key"),
        ('{"practice": "cvd.security-txt", "n": 9223372036854775808}', 422, "body.n"),
        ('{"practice": "cvd.security-txt", "n": 1e400}', 422, "body.n"),
        ('{"practice": NaN}', 422, "body.practice"),
        ('{"practice": "x"', 400, None),
        ("[" * 2000 + "]" * 2000, 400, None),
        ('{"a":' * 40 + "1" + "}" * 40, 400, None),
        (b"\xff\xfe{}", 400, None),
    ],
)
def test_json_bodies_no_database_could_store_are_refused(
    api: Client, org_a: Organisation, body: str | bytes, status: int, field: str | None
) -> None:
    response = api.post("/api/v1/commitments/", body, content_type="application/json")
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["detail"]
    if field is not None:
        assert answer["field"].startswith(field)
    assert not Commitment.objects.filter(organisation=org_a).exists()


def test_a_body_sent_as_text_is_read_as_the_api_reads_it(api: Client) -> None:
    response = api.post(
        "/api/v1/commitments/", '{"practice": "\\u0000"}', content_type="text/plain"
    )
    assert response.status_code == 400


def test_over_long_values_are_a_422_naming_the_field(client: Client) -> None:
    response = client.get("/api/v1/catalogue/practices", {"q": "a" * 2001})
    assert response.status_code == 422
    assert response.json()["field"] == "q"


def test_an_out_of_range_id_in_a_page_address_is_refused(client_for: Any, alice: User) -> None:
    browser = client_for(alice)
    response = browser.get("/evidence/domains/99999999999999999999/")
    assert response.status_code == 422
    assert b"domain_id is out of range." in response.content


def test_ordinary_input_passes_untouched(api: Client, org_a: Organisation) -> None:
    target = (timezone.localdate() + timedelta(days=90)).isoformat()
    body = {"practice": "cvd.safe-harbour", "target_date": target}
    response = api.post("/api/v1/commitments/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    found = api.get("/api/v1/catalogue/practices", {"q": "é 日本 🙂"})
    assert found.status_code == 200


def test_a_refused_page_carries_the_pages_policy(client: Client) -> None:
    response = client.get("/catalogue/search/?q=%00")
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
