"""The report pages through HTTP: the public form, the follow-up link, My reports, the
triage queue and report page, and downloads that are never rendered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accord.cvd.models import Attachment, Case, Report, ReportMessage
from accord.cvd.services import reports
from accord.notifications.models import Message

pytestmark = pytest.mark.django_db

FORM = {
    "title": "XSS in the search page",
    "description": "q=<script>alert(1)</script> runs in the results page.",
    "product": "Acme Portal 3.2",
    "reporter_name": "Rita",
    "reporter_email": "rita@example.org",
}
COORDINATE = {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}


def followup_path(response: Any) -> str:
    found = re.search(r'id="followup-link" href="(/report/follow-up/[^"]+/)"', response.text)
    assert found, response.text
    return found.group(1)


def test_an_anonymous_reporter_submits_and_follows_up(client: Client) -> None:
    page = client.get("/report/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    sent = client.post("/report/", FORM)
    assert sent.status_code == 200
    assert "no-store" in sent["Cache-Control"]
    assert sent["Referrer-Policy"] == "same-origin"
    path = followup_path(sent)
    report = Report.objects.get()
    assert report.reference in sent.text
    assert report.submitted_from == "127.0.0.1"
    assert path in Message.objects.get(to_address="rita@example.org").body
    followed = client.get(path)
    assert followed.status_code == 200
    assert "Received, awaiting triage" in followed.text
    assert "&lt;script&gt;" in followed.text
    assert "<script>alert" not in followed.text
    posted = client.post(path, {"body": "It also works in /admin/search."})
    assert posted.status_code == 302
    assert ReportMessage.objects.get().from_reporter


def test_the_form_names_the_bad_field_and_keeps_the_text(client: Client) -> None:
    response = client.post("/report/", {**FORM, "title": ""})
    assert response.status_code == 422
    assert FORM["description"].replace("<", "&lt;").replace(">", "&gt;") in response.text
    assert 'id="id_title-errors"' in response.text
    assert not Report.objects.exists()


def test_an_oversized_attachment_reshows_the_form_with_the_text(
    client: Client, settings: Any
) -> None:
    settings.ACCORD_CVD_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("trace.log", b"x" * 4096)
    response = client.post("/report/", {**FORM, "attachments": [big]})
    assert response.status_code == 413
    assert "at most 1.0 KB" in response.text
    assert 'value="XSS in the search page"' in response.text
    assert "runs in the results page" in response.text
    assert not Report.objects.exists()


def test_html_named_txt_is_refused_on_the_form(client: Client) -> None:
    fake = SimpleUploadedFile("notes.txt", b"<html><script>x()</script>", content_type="text/plain")
    response = client.post("/report/", {**FORM, "attachments": [fake]})
    assert response.status_code == 415
    assert "markup" in response.text
    assert 'value="XSS in the search page"' in response.text


def test_the_rate_limit_is_shown_on_the_form(client: Client, settings: Any) -> None:
    settings.ACCORD_CVD_REPORTS_PER_HOUR = 1
    assert client.post("/report/", FORM).status_code == 200
    response = client.post("/report/", {**FORM, "reporter_email": "other@example.org"})
    assert response.status_code == 429
    assert "At most 1 reports an hour may come from one address" in response.text
    assert Report.objects.count() == 1


def test_a_revoked_link_is_gone(client: Client) -> None:
    path = followup_path(client.post("/report/", FORM))
    revoked = client.post(path + "revoke/")
    assert revoked.status_code == 200
    assert client.get(path).status_code == 404
    assert client.post(path, {"body": "hello"}).status_code == 404
    assert client.get("/report/follow-up/abc.def/").status_code == 404


def test_downloads_are_attachments_never_inline(client: Client, cvd_world: Any) -> None:
    files = [
        SimpleUploadedFile("poc.html", b"<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("notes.txt", b"plain notes"),
    ]
    path = followup_path(client.post("/report/", {**FORM, "attachments": files}))
    html, text = Attachment.objects.order_by("id")
    assert html.content_type == "text/html"
    response = client.get(f"{path}attachments/{html.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == html.content
    plain = client.get(f"{path}attachments/{text.pk}/")
    assert plain["Content-Type"] == "text/plain"
    assert plain["Content-Disposition"] == 'attachment; filename="notes.txt"'
    # The same file by account: the report's coordinator, never a vendor or a visitor.
    assert Client().get(f"/cvd/attachments/{html.pk}/").status_code == 404
    vendor = Client()
    vendor.force_login(cvd_world.vendor_a_admin)
    assert vendor.get(f"/cvd/attachments/{html.pk}/").status_code == 404
    assert client.get(f"{path}attachments/{html.pk + 100}/").status_code == 404


def test_the_coordinator_downloads_an_attachment(
    client: Client, client_for: Any, secretariat: Any
) -> None:
    client.post("/report/", {**FORM, "attachments": [SimpleUploadedFile("a.bin", b"\x00\x01")]})
    attachment = Attachment.objects.get()
    response = client_for(secretariat).get(f"/cvd/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"


def test_a_signed_in_reporter_sees_their_reports(client_for: Any, make_user: Any) -> None:
    user = make_user("finder@example.org")
    client = client_for(user)
    form = client.get("/report/")
    assert "reporter_email" not in form.text
    sent = client.post("/report/", FORM)
    assert sent.status_code == 200
    assert "/report/follow-up/" not in sent.text
    report = Report.objects.get()
    assert report.reporter == user
    assert report.reporter_email == "finder@example.org"
    mine = client.get("/report/mine/")
    assert report.reference in mine.text
    page = client.get(f"/report/mine/{report.reference}/")
    assert page.status_code == 200
    assert client.post(f"/report/mine/{report.reference}/", {"body": ""}).status_code == 422
    assert client.post(f"/report/mine/{report.reference}/", {"body": "More"}).status_code == 302
    assert client.get(f"/cvd/triage/{report.reference}/").status_code == 302
    stranger = client_for(make_user("x@example.org"))
    assert stranger.get(f"/report/mine/{report.reference}/").status_code == 404
    assert Client().get("/report/mine/").status_code == 302


def test_the_triage_queue_is_for_coordinators(client_for: Any, cvd_world: Any) -> None:
    w = cvd_world
    ours = reports.submit_report(actor=None, title="Ours", description="d").report
    theirs = reports.submit_report(actor=None, title="Theirs", description="d", coordinator="gamma")
    queue = client_for(w.secretariat).get("/cvd/triage/")
    assert queue.status_code == 200
    assert ours.reference in queue.text
    assert theirs.report.reference not in queue.text
    assert theirs.report.reference in client_for(w.coordinator).get("/cvd/triage/").text
    assert client_for(w.vendor_a_admin).get("/cvd/triage/").status_code == 404
    assert client_for(w.vendor_a_admin).get(f"/cvd/triage/{ours.reference}/").status_code == 404
    filtered = client_for(w.secretariat).get("/cvd/triage/?state=rejected")
    assert ours.reference not in filtered.text
    assert client_for(w.secretariat).get("/cvd/triage/?state=bogus&page=x").status_code == 200


def test_the_triage_form_is_the_ssvc_table(client_for: Any, secretariat: Any) -> None:
    report = reports.submit_report(actor=None, title="T", description="d").report
    client = client_for(secretariat)
    page = client.get(f"/cvd/triage/{report.reference}/")
    assert page.status_code == 200
    for key in COORDINATE:
        assert f'name="{key}"' in page.text
    assert "Supplier Engagement" in page.text
    assert client.post(f"/cvd/triage/{report.reference}/decide/", {"RP": "N"}).status_code == 422
    decided = client.post(f"/cvd/triage/{report.reference}/decide/", COORDINATE)
    assert decided.status_code == 302
    shown = client.get(f"/cvd/triage/{report.reference}/")
    assert "SSVC: Coordinate" in shown.text
    assert "ssvc:Coordinator Triage:1.0.0" in shown.text


def test_reject_with_a_reason_then_reopen(
    client_for: Any, secretariat: Any, client: Client
) -> None:
    path = followup_path(client.post("/report/", FORM))
    report = Report.objects.get()
    coordinator = client_for(secretariat)
    url = f"/cvd/triage/{report.reference}"
    assert coordinator.post(f"{url}/reject/", {"reason": ""}).status_code == 422
    assert coordinator.post(f"{url}/reject/", {"reason": "Works as designed."}).status_code == 302
    followed = client.get(path)
    assert "Rejected" in followed.text
    assert "Works as designed." in followed.text
    assert FORM["product"] in followed.text
    conflict = coordinator.post(f"{url}/reject/", {"reason": "again"})
    assert conflict.status_code == 409
    assert "Allowed: received" in conflict.text
    assert coordinator.post(f"{url}/reopen/").status_code == 302
    assert Report.objects.get().state == "received"


def test_open_a_case_from_the_report_page(client_for: Any, secretariat: Any) -> None:
    report = reports.submit_report(actor=None, title="T", description="d").report
    client = client_for(secretariat)
    url = f"/cvd/triage/{report.reference}"
    assert client.post(f"{url}/open-case/", {"tlp": "white"}).status_code == 422
    assert client.post(f"{url}/open-case/", {"title": "x" * 300, "tlp": "red"}).status_code == 422
    opened = client.post(f"{url}/open-case/", {"title": "", "summary": "", "tlp": "red"})
    assert opened.status_code == 302
    case = Case.objects.get()
    assert (case.title, case.tlp, case.report) == ("T", "red", report)
    assert client.post(f"{url}/open-case/", {"tlp": "red"}).status_code == 409


def test_the_coordinator_writes_and_revokes_the_link(
    client_for: Any, secretariat: Any, client: Client
) -> None:
    path = followup_path(client.post("/report/", FORM))
    report = Report.objects.get()
    coordinator = client_for(secretariat)
    url = f"/cvd/triage/{report.reference}"
    assert coordinator.post(f"{url}/message/", {"body": ""}).status_code == 422
    assert coordinator.post(f"{url}/message/", {"body": "Which version?"}).status_code == 302
    assert "Which version?" in client.get(path).text
    assert coordinator.post(f"{url}/revoke-link/").status_code == 302
    assert client.get(path).status_code == 404
    assert "Revoked" in coordinator.get(f"{url}/").text


def test_the_footer_links_to_the_report_form(client: Client) -> None:
    assert (
        'href="/report/">Report a vulnerability</a>'
        in client.get("/report/mine/", follow=True).text
    )


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("title", "a\x00b", 400),
        ("description", "x" * 100_001, 422),
        ("description", "x" * 50_001, 422),
        ("reporter_email", "not-an-address", 422),
        ("coordinator", "nobody", 422),
    ],
)
def test_hostile_input_is_a_4xx(client: Client, field: str, value: str, status: int) -> None:
    response = client.post("/report/", {**FORM, field: value})
    assert response.status_code == status
    assert not Report.objects.exists()


def test_public_credit_is_its_own_choice_on_the_form(client: Client) -> None:
    page = client.get("/report/").text
    assert "The vendors may see my name and email address" in page
    assert "Credit me by name in the published advisory" in page
    client.post("/report/", {**FORM, "identity_disclosed": "on"})
    client.post("/report/", {**FORM, "credit_publicly": "on"})
    choices = Report.objects.order_by("pk").values_list("identity_disclosed", "credit_publicly")
    assert list(choices) == [(True, False), (False, True)]


def test_the_reporter_changes_their_public_credit_later(
    client: Client, client_for: Any, make_user: Any
) -> None:
    path = followup_path(client.post("/report/", FORM))
    report = Report.objects.get()
    assert 'name="credit_publicly"' in client.get(path).text
    assert client.post(f"{path}credit/", {"credit_publicly": "on"}).status_code == 302
    report.refresh_from_db()
    assert report.credit_publicly
    assert client.post(f"{path}credit/", {}).status_code == 302
    report.refresh_from_db()
    assert not report.credit_publicly
    assert client.post(
        "/report/follow-up/wrong/credit/", {"credit_publicly": "on"}
    ).status_code == (404)
    user = make_user("finder@example.org")
    own = client_for(user)
    own.post("/report/", FORM)
    mine = Report.objects.get(reporter=user)
    url = f"/report/mine/{mine.reference}/credit/"
    stranger = client_for(make_user("x@example.org"))
    assert stranger.post(url, {"credit_publicly": "on"}).status_code == 404
    assert own.post(url, {"credit_publicly": "on"}).status_code == 302
    mine.refresh_from_db()
    assert mine.credit_publicly
