"""The reports API: submitting with or without a token, the follow-up link, the queue,
triage, reject, reopen and opening a case; refusals answer with their field."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.cvd.models import Attachment, Report

pytestmark = pytest.mark.django_db

URL = "/api/v1/cvd/reports"
REPORT = {"title": "RCE in the updater", "description": "The update channel is plain HTTP."}
COORDINATE = {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def api() -> Any:
    def make(user: User, organisation: Organisation) -> Client:
        _, secret = create_api_token(user=user, organisation=organisation, name="ci")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_an_anonymous_report_returns_the_followup_link_once(client: Client) -> None:
    body = {**REPORT, "reporter_email": "rita@example.org", "coordinator": ""}
    sent = post(client, URL, body)
    assert sent.status_code == 201, sent.content
    answer = sent.json()
    assert answer["reference"].startswith("R-")
    assert answer["state"] == "received"
    token = answer["followup_url"].rstrip("/").rsplit("/", 1)[-1]
    followed = client.get(f"{URL}/follow-up/{token}")
    assert followed.status_code == 200
    assert followed.json()["state"] == "received"
    message = post(client, f"{URL}/follow-up/{token}/messages", {"body": "More info"})
    assert message.status_code == 201
    assert message.json()["from_reporter"] is True
    assert post(client, f"{URL}/follow-up/{token}/messages", {"body": " "}).json()["field"] == (
        "body"
    )
    assert post(client, f"{URL}/follow-up/{token}/revoke").status_code == 204
    assert client.get(f"{URL}/follow-up/{token}").status_code == 404
    assert post(client, f"{URL}/follow-up/{token}/revoke").status_code == 404


def test_a_report_with_a_token_is_the_accounts(api: Any, cvd_world: Any) -> None:
    client = api(cvd_world.vendor_b_member, cvd_world.vendor_b)
    sent = post(client, URL, {**REPORT, "reporter_email": "ignored@example.org"})
    assert sent.status_code == 201
    assert sent.json()["followup_url"] is None
    report = Report.objects.get()
    assert report.reporter == cvd_world.vendor_b_member
    mine = client.get(f"{URL}?scope=mine")
    assert [r["reference"] for r in mine.json()] == [report.reference]
    assert client.get(f"{URL}?scope=queue").json() == []
    own = client.get(f"{URL}/{report.reference}").json()
    assert own["title"] == REPORT["title"]
    assert own["reporter_email"] == "dev@bolt.example"
    # The reporter writes, but does not triage their own report.
    assert post(client, f"{URL}/{report.reference}/messages", {"body": "hi"}).status_code == 201
    refused = post(client, f"{URL}/{report.reference}/triage", {"inputs": COORDINATE})
    assert refused.status_code == 403


def test_a_wrong_token_is_refused_not_taken_as_anonymous(client: Client) -> None:
    sent = client.post(
        URL, REPORT, content_type="application/json", HTTP_AUTHORIZATION="Bearer acc_wrong"
    )
    assert sent.status_code == 401
    assert not Report.objects.exists()


def test_attachments_by_api_are_sniffed_and_capped(client: Client, settings: Any) -> None:
    files = [{"filename": "poc.html", "content_base64": b64(b"<html><script>1</script>")}]
    assert post(client, URL, {**REPORT, "attachments": files}).status_code == 201
    assert Attachment.objects.get().content_type == "text/html"
    fake = [{"filename": "a.txt", "content_base64": b64(b"<svg onload=x>")}]
    assert post(client, URL, {**REPORT, "attachments": fake}).status_code == 415
    settings.ACCORD_CVD_ATTACHMENT_MAX_BYTES = 8
    big = [{"filename": "a.bin", "content_base64": b64(b"x" * 9)}]
    refused = post(client, URL, {**REPORT, "attachments": big})
    assert refused.status_code == 413
    assert "at most 8 bytes" in refused.json()["detail"]
    bad = [{"filename": "a.txt", "content_base64": "***"}]
    not_base64 = post(client, URL, {**REPORT, "attachments": bad})
    assert not_base64.status_code == 422
    assert not_base64.json()["field"] == "attachments"
    assert Report.objects.count() == 1


def test_bad_input_is_a_4xx_naming_the_field(client: Client) -> None:
    assert post(client, URL, {**REPORT, "title": ""}).json()["field"] == "title"
    assert post(client, URL, {**REPORT, "coordinator": "nobody"}).json()["field"] == "coordinator"
    assert post(client, URL, {**REPORT, "reporter_email": "x"}).json()["field"] == "reporter_email"
    assert post(client, URL, {**REPORT, "title": "x" * 201}).status_code == 422
    assert post(client, URL, {**REPORT, "description": "a\x00b"}).status_code == 400
    assert not Report.objects.exists()


def test_the_rate_limit_answers_429(client: Client, settings: Any) -> None:
    settings.ACCORD_CVD_REPORTS_PER_HOUR = 1
    assert post(client, URL, REPORT).status_code == 201
    refused = post(client, URL, REPORT)
    assert refused.status_code == 429
    assert "At most 1 reports an hour" in refused.json()["detail"]


def test_the_coordinator_triages_rejects_reopens_and_opens_a_case(
    api: Any, cvd_world: Any, client: Client
) -> None:
    w = cvd_world
    reference = post(client, URL, {**REPORT, "coordinator": "gamma"}).json()["reference"]
    coordinator = api(w.coordinator, w.coordinator_org)
    queue = coordinator.get(f"{URL}?state=received")
    assert [r["reference"] for r in queue.json()] == [reference]
    bad = post(coordinator, f"{URL}/{reference}/triage", {"inputs": {**COORDINATE, "U": "Q"}})
    assert bad.status_code == 422
    assert bad.json()["field"] == "U"
    decided = post(coordinator, f"{URL}/{reference}/triage", {"inputs": COORDINATE})
    assert decided.status_code == 200
    triage = decided.json()["triage"]
    assert triage["outcome_name"] == "Coordinate"
    assert triage["table_id"] == "ssvc:Coordinator Triage:1.0.0"
    assert post(coordinator, f"{URL}/{reference}/reject", {"reason": ""}).status_code == 422
    rejected = post(coordinator, f"{URL}/{reference}/reject", {"reason": "Duplicate of R-1."})
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["description"] == REPORT["description"]
    conflict = post(coordinator, f"{URL}/{reference}/case", {"tlp": "amber"})
    assert conflict.status_code == 409
    assert "Allowed: received" in conflict.json()["detail"]
    assert post(coordinator, f"{URL}/{reference}/reopen").json()["state"] == "received"
    opened = post(coordinator, f"{URL}/{reference}/case", {"title": "", "tlp": "red"})
    assert opened.status_code == 201
    assert opened.json()["reference"].startswith("ACC-")
    assert coordinator.get(f"{URL}/{reference}").json()["state"] == "coordinated"
    reply = post(coordinator, f"{URL}/{reference}/messages", {"body": "Case opened."})
    assert reply.json()["from_reporter"] is False


def test_others_do_not_see_a_report(api: Any, cvd_world: Any, client: Client) -> None:
    reference = post(client, URL, REPORT).json()["reference"]
    vendor = api(cvd_world.vendor_a_admin, cvd_world.vendor_a)
    assert vendor.get(f"{URL}/{reference}").status_code == 404
    assert post(vendor, f"{URL}/{reference}/triage", {"inputs": COORDINATE}).status_code == 404
    assert vendor.get(URL).json() == []
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/follow-up/nope").status_code == 404


def test_public_credit_is_asked_apart_from_the_vendors_seeing_the_reporter(
    client: Client,
) -> None:
    body = {**REPORT, "reporter_name": "Rita", "identity_disclosed": True}
    assert post(client, URL, body).status_code == 201
    assert post(client, URL, {**REPORT, "credit_publicly": True}).status_code == 201
    choices = Report.objects.order_by("pk").values_list("identity_disclosed", "credit_publicly")
    assert list(choices) == [(True, False), (False, True)]
