"""Pages answer every kind of domain error in one place: the status, the title and the
message, on the site's error page or, to htmx, as a fragment."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.error_urls")]


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [
        ("not-allowed", 403, "Not allowed"),
        ("not-found", 404, "Not found"),
        ("conflict", 409, "Not done"),
        ("invalid", 422, "Not done"),
        ("too-large", 413, "Not done"),
        ("unsupported", 415, "Not done"),
    ],
)
def test_each_kind_of_refusal_is_a_page_with_its_status_and_message(
    client: Client, kind: str, status: int, title: str
) -> None:
    response = client.get(f"/refuse/{kind}/")
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in page
    assert f"Refused &lt;{kind}&gt;." in page  # escaped, as any message must be
    assert "Back to the home page" in page


def test_to_htmx_a_refusal_is_a_fragment(client: Client) -> None:
    response = client.get("/refuse/conflict/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 409
    assert page.lstrip().startswith('<div class="error" role="alert" data-status="409">')
    assert "Refused &lt;conflict&gt;." in page
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_other_exceptions_are_left_to_django(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/fail/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
