"""Site-wide behaviour: home, health, error pages, the API's front door."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_page_invites_to_the_catalogue(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"Cyber norms, put into practice" in response.content


def test_health_reports_the_database_answers(client: Client) -> None:
    assert client.get("/healthz").json()["database"] == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client: Client, settings: object) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.content


def test_unknown_api_path_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404


def test_openapi_document_is_served(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Accord API"
    assert any(path.startswith("/api/v1/catalogue") for path in document["paths"])


def test_security_headers_are_sent(client: Client) -> None:
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_page_links_to_the_archive_of_yearly_reports(client: Client) -> None:
    page = client.get("/")
    assert 'href="/adoption/reports/">Yearly reports</a>' in page.content.decode()
