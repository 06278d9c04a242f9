"""Every page carries the instance's name, its logo when one is set, and a favicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10"/></svg>'


def test_pages_name_a_favicon_that_is_served(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/web/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)


def test_favicon_ico_leads_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/web/favicon.svg"


def test_the_instance_name_is_the_coalitions(client: Client, settings: Any) -> None:
    settings.ACCORD_INSTANCE_NAME = "Charter of Trust"
    html = client.get("/").content.decode()
    assert "<title>Cyber norms, put into practice · Charter of Trust</title>" in html
    assert ">Charter of Trust</a>" in html
    assert 'class="logo"' not in html


def test_a_logo_file_is_shown_and_served(client: Client, settings: Any, tmp_path: Path) -> None:
    logo = tmp_path / "coalition.svg"
    logo.write_bytes(LOGO)
    settings.ACCORD_INSTANCE_LOGO = str(logo)
    html = client.get("/catalogue/").content.decode()
    assert '<img class="logo" src="/branding/logo" alt="" height="28">' in html
    response = client.get("/branding/logo")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == LOGO


def test_a_logo_address_is_used_as_it_is(client: Client, settings: Any) -> None:
    settings.ACCORD_INSTANCE_LOGO = "https://coalition.example/logo.png"
    html = client.get("/").content.decode()
    assert 'src="https://coalition.example/logo.png"' in html
    assert client.get("/branding/logo").status_code == 404


@pytest.mark.parametrize("name", ["missing.svg", "notes.txt"])
def test_a_logo_that_is_not_an_image_file_is_left_out(
    client: Client, settings: Any, tmp_path: Path, name: str
) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    settings.ACCORD_INSTANCE_LOGO = str(tmp_path / name)
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="logo"' not in response.content.decode()
    assert client.get("/branding/logo").status_code == 404
