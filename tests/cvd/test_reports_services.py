"""Reports: submission with and without an account, the follow-up link, rate limits,
triage with SSVC, rejecting and reopening, and opening a case from a report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.audit.models import Event
from accord.cvd import ssvc
from accord.cvd.exceptions import (
    AttachmentTooLarge,
    InvalidAttachment,
    InvalidField,
    NotAllowed,
    NotFound,
    RateLimited,
    StateConflict,
)
from accord.cvd.models import Attachment, Participant, Report, ReportMessage
from accord.cvd.selectors import reports as selectors
from accord.cvd.selectors.coordinators import coordinator_choices, coordinator_with_slug
from accord.cvd.services import reports
from accord.notifications.models import Message

pytestmark = pytest.mark.django_db

COORDINATE = {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}
ANONYMOUS = AnonymousUser()


def submit(actor: Any = ANONYMOUS, **fields: Any) -> reports.Submission:
    fields.setdefault("title", "SQL injection in the login form")
    fields.setdefault("description", "POST /login with user=' OR 1=1 -- signs in as admin.")
    return reports.submit_report(actor=actor, **fields)


def test_an_anonymous_report_gets_a_reference_and_a_followup_link() -> None:
    sent = submit(reporter_name="Rita", reporter_email="rita@example.org", ip="192.0.2.1")
    report = sent.report
    assert report.reference == f"R-{timezone.now().year}-0001"
    assert report.state == Report.State.RECEIVED
    assert report.coordinator is None
    assert report.reporter is None
    assert report.reporter_email == "rita@example.org"
    assert sent.followup_token
    assert sent.followup_path
    assert submit(reporter_email="other@example.org").report.reference.endswith("-0002")
    event = Event.objects.get(tag="cvd:report:submit", object_id=str(report.pk))
    assert "rita@example.org" not in str(event.data)


def test_the_followup_secret_is_stored_only_as_its_digest() -> None:
    sent = submit(reporter_email="rita@example.org")
    token = sent.followup_token
    assert token is not None
    key, secret = token.split(".")
    stored = Report.objects.filter(pk=sent.report.pk).values().get()
    assert stored["followup_key"] == key
    assert secret not in str(stored)
    assert stored["followup_digest"] != secret
    assert selectors.report_by_followup(token) == sent.report
    assert selectors.report_by_followup(f"{key}.wrong") is None
    assert selectors.report_by_followup("no-dot") is None


def test_the_followup_link_is_emailed_once_and_wiped_once_delivered() -> None:
    sent = submit(reporter_email="rita@example.org")
    mail = Message.objects.get(to_address="rita@example.org")
    assert mail.carries_secret
    assert sent.followup_path
    assert sent.followup_path in mail.body
    assert submit(reporter_email="").followup_token  # no address: no mail, still a link
    assert Message.objects.count() == 1


def test_a_signed_in_reporter_is_named_by_the_account(make_user: Any) -> None:
    user = make_user("finder@example.org", full_name="Finn Finder")
    sent = submit(actor=user, reporter_name="Someone else", reporter_email="x@example.org")
    assert sent.followup_token is None
    assert sent.report.reporter == user
    assert (sent.report.reporter_name, sent.report.reporter_email) == (
        "Finn Finder",
        "finder@example.org",
    )
    assert list(selectors.reports_of(user)) == [sent.report]
    assert not selectors.reports_of(ANONYMOUS).exists()


def test_a_report_goes_to_the_coordinator_chosen_by_slug(cvd_world: Any) -> None:
    report = submit(coordinator="gamma").report
    assert report.coordinator == cvd_world.coordinator_org
    assert list(selectors.queue_for(cvd_world.coordinator)) == [report]
    assert report not in selectors.queue_for(cvd_world.secretariat)
    with pytest.raises(InvalidField) as refused:
        submit(coordinator="acme")  # a member, but not a coordinator
    assert refused.value.field == "coordinator"
    assert coordinator_choices() == [("gamma", "Gamma CERT")]


def test_a_suspended_coordinator_takes_no_reports(cvd_world: Any) -> None:
    cvd_world.coordinator_org.standing = "suspended"
    cvd_world.coordinator_org.save()
    assert coordinator_choices() == []
    with pytest.raises(InvalidField):
        submit(coordinator="gamma")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "x" * 50_001}, "description"),
        ({"product": "p" * 201}, "product"),
        ({"reporter_email": "not an address"}, "reporter_email"),
        ({"reporter_name": "n" * 201}, "reporter_name"),
    ],
)
def test_bad_fields_name_the_field_and_store_nothing(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        submit(**fields)
    assert refused.value.field == field
    assert not Report.objects.exists()


def test_reports_are_limited_per_address_and_per_reporter(settings: Any, make_user: Any) -> None:
    settings.ACCORD_CVD_REPORTS_PER_HOUR = 2
    for n in range(2):
        submit(ip="192.0.2.7", reporter_email=f"r{n}@example.org")
    with pytest.raises(RateLimited, match="one address"):
        submit(ip="192.0.2.7", reporter_email="new@example.org")
    for _ in range(2):
        submit(ip=None, reporter_email="Same@Example.org")
    with pytest.raises(RateLimited, match="one reporter"):
        submit(ip="198.51.100.1", reporter_email="same@example.org")
    user = make_user("finder@example.org")
    for n in range(2):
        submit(actor=user, ip=f"198.51.100.{n + 10}")
    with pytest.raises(RateLimited):
        submit(actor=user, ip="198.51.100.99")
    assert Report.objects.count() == 6
    # An hour later the allowance is back.
    Report.objects.update(received_at=timezone.now() - timedelta(hours=1, seconds=1))
    submit(ip="192.0.2.7")


# Attachments -------------------------------------------------------------------------------


def test_attachments_are_stored_with_the_type_their_bytes_show() -> None:
    files = [
        SimpleUploadedFile("notes.txt", b"steps to reproduce", content_type="text/html"),
        SimpleUploadedFile(
            "poc.html", b"<html><script>alert(1)</script>", content_type="text/plain"
        ),
        SimpleUploadedFile("../../dump", b"\x00\x01\x02binary"),
    ]
    report = submit(files=files).report
    stored = {a.filename: a.content_type for a in Attachment.objects.filter(report=report)}
    assert stored == {
        "notes.txt": "text/plain",
        "poc.html": "text/html",
        "dump": "application/octet-stream",
    }


def test_html_named_as_text_is_refused_and_nothing_is_stored() -> None:
    html = SimpleUploadedFile("readme.txt", b"  <!doctype html><h1>hi</h1>")
    with pytest.raises(InvalidAttachment, match="markup"):
        submit(files=[html])
    with pytest.raises(InvalidAttachment):
        submit(files=[SimpleUploadedFile("shot.png", b"GIF89a not a png")])
    assert not Report.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_attachment_is_refused_naming_the_limit(settings: Any) -> None:
    settings.ACCORD_CVD_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("trace.log", b"x" * 1025)
    with pytest.raises(AttachmentTooLarge, match=r"at most 1\.0 KB") as refused:
        submit(files=[big])
    assert refused.value.http_status == 413
    assert not Report.objects.exists()


def test_an_attachment_larger_than_its_declared_size_is_refused(settings: Any) -> None:
    settings.ACCORD_CVD_ATTACHMENT_MAX_BYTES = 10
    lying = SimpleUploadedFile("a.bin", b"y" * 11)
    lying.size = 3
    with pytest.raises(AttachmentTooLarge):
        submit(files=[lying])


def test_attachment_count_and_empty_files_are_refused() -> None:
    many = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(6)]
    with pytest.raises(InvalidField, match="at most 5") as refused:
        submit(files=many)
    assert refused.value.field == "attachments"
    with pytest.raises(InvalidField, match="empty"):
        submit(files=[SimpleUploadedFile("e.txt", b"")])


# Follow-up ---------------------------------------------------------------------------------


def test_the_reporter_and_the_coordinator_exchange_messages(secretariat: Any) -> None:
    sent = submit(reporter_email="rita@example.org")
    assert sent.followup_token
    reports.post_followup_message(token=sent.followup_token, body="  Also affects v2.  ")
    reply = reports.post_message(actor=secretariat, report=sent.report, body="Which build?")
    assert not reply.from_reporter
    bodies = [(m.from_reporter, m.body) for m in selectors.messages_of(sent.report)]
    assert bodies == [(True, "Also affects v2."), (False, "Which build?")]
    told = Message.objects.filter(to_address="rita@example.org", kind="cvd:report:message").get()
    assert sent.followup_token not in told.body
    with pytest.raises(InvalidField):
        reports.post_followup_message(token=sent.followup_token, body=" ")


def test_a_signed_in_reporter_writes_and_is_told_of_replies(
    make_user: Any, secretariat: Any
) -> None:
    user = make_user("finder@example.org")
    report = submit(actor=user).report
    assert reports.post_message(actor=user, report=report, body="More detail").from_reporter
    reports.post_message(actor=secretariat, report=report, body="Thanks")
    told = Message.objects.get(kind="cvd:report:message")
    assert report.reference in told.body
    assert "/report/mine/" in told.body


def test_nobody_else_writes_on_a_report(cvd_world: Any) -> None:
    report = submit().report
    with pytest.raises(NotFound):
        reports.post_message(actor=cvd_world.vendor_a_admin, report=report, body="hi")
    with pytest.raises(NotFound):
        reports.post_message(actor=ANONYMOUS, report=report, body="hi")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        reports.post_followup_message(token="abc.def", body="hi")


def test_a_revoked_link_stops_working(secretariat: Any) -> None:
    sent = submit()
    token = sent.followup_token
    assert token is not None
    reports.revoke_followup_by_token(token=token)
    assert selectors.report_by_followup(token) is None
    with pytest.raises(NotFound):
        reports.revoke_followup_by_token(token=token)
    with pytest.raises(StateConflict, match="already"):
        reports.revoke_followup(actor=secretariat, report=sent.report)
    assert Report.objects.get(pk=sent.report.pk).description  # the report is kept


def test_the_coordinator_revokes_a_link(secretariat: Any, make_user: Any) -> None:
    sent = submit()
    reports.revoke_followup(actor=secretariat, report=sent.report)
    assert sent.followup_token
    assert selectors.report_by_followup(sent.followup_token) is None
    own = submit(actor=make_user("finder@example.org")).report
    with pytest.raises(StateConflict, match="no follow-up link"):
        reports.revoke_followup(actor=secretariat, report=own)
    with pytest.raises(NotAllowed):
        reports.revoke_followup(actor=make_user("x@example.org"), report=sent.report)


# Triage ------------------------------------------------------------------------------------


def test_triage_outcomes_are_the_ssvc_tables(secretariat: Any) -> None:
    report = submit().report
    decided = reports.triage_report(actor=secretariat, report=report, inputs=COORDINATE)
    decision = decided.triage
    assert decision is not None
    assert (decision.outcome, decision.outcome_name) == ("C", "Coordinate")
    assert decision.table_id == "ssvc:Coordinator Triage:1.0.0"
    assert decision.table_version == "1.0.0"
    assert decision.library_version
    assert decision.inputs["ssvc:RP:1.0.0"] == "N"
    assert decided.state == Report.State.RECEIVED
    assert decided.triaged_by == secretariat
    event = Event.objects.get(tag="cvd:report:triage")
    assert event.data["outcome"] == "Coordinate"


def test_every_combination_agrees_with_the_table(secretariat: Any) -> None:
    table = ssvc.table(ssvc.COORDINATOR_TRIAGE)
    by_id = {point.id: point.key for point in table.points}
    for row in table.mapping[::37]:
        report = submit(ip=None, reporter_email="").report
        chosen = {by_id[i]: v for i, v in row.items() if i in by_id}
        decided = reports.triage_report(actor=secretariat, report=report, inputs=chosen)
        assert decided.triage is not None
        assert decided.triage.outcome == row[table.outcome_id]


def _row(outcome: str) -> dict[str, str]:
    """The inputs of the first row of the triage table with `outcome`."""
    table = ssvc.table(ssvc.COORDINATOR_TRIAGE)
    by_id = {point.id: point.key for point in table.points}
    row = next(r for r in table.mapping if r[table.outcome_id] == outcome)
    return {by_id[i]: v for i, v in row.items() if i in by_id}


def test_track_moves_the_report_and_it_may_be_triaged_again(secretariat: Any) -> None:
    report = submit().report
    tracked = reports.triage_report(actor=secretariat, report=report, inputs=_row("T"))
    assert tracked.state == Report.State.TRACKED
    assert tracked.triage is not None
    assert tracked.triage.outcome_name == "Track"
    again = reports.triage_report(actor=secretariat, report=tracked, inputs=_row("D"))
    assert again.state == Report.State.TRACKED  # Decline waits for a reason to reject
    assert again.triage is not None
    assert again.triage.outcome_name == "Decline"


def test_a_bad_triage_value_names_the_decision_point(secretariat: Any) -> None:
    report = submit().report
    with pytest.raises(InvalidField) as refused:
        reports.triage_report(actor=secretariat, report=report, inputs={**COORDINATE, "SE": "X"})
    assert refused.value.field == "SE"
    assert Report.objects.get(pk=report.pk).triage is None


def test_only_the_queues_coordinators_triage(cvd_world: Any) -> None:
    report = submit(coordinator="gamma").report
    for person in (cvd_world.secretariat, cvd_world.vendor_a_admin):
        with pytest.raises(NotAllowed):
            reports.triage_report(actor=person, report=report, inputs=COORDINATE)
    reports.triage_report(actor=cvd_world.coordinator, report=report, inputs=COORDINATE)


def test_a_rejected_report_keeps_its_text_and_reason_and_can_be_reopened(secretariat: Any) -> None:
    report = submit().report
    with pytest.raises(InvalidField) as refused:
        reports.reject_report(actor=secretariat, report=report, reason="  ")
    assert refused.value.field == "reason"
    rejected = reports.reject_report(actor=secretariat, report=report, reason="Out of scope.")
    stored = Report.objects.get(pk=report.pk)
    assert (stored.state, stored.reason) == ("rejected", "Out of scope.")
    assert stored.description == report.description
    with pytest.raises(StateConflict, match="Allowed: received"):
        reports.triage_report(actor=secretariat, report=rejected, inputs=COORDINATE)
    with pytest.raises(StateConflict, match="Allowed: received"):
        reports.reject_report(actor=secretariat, report=rejected, reason="again")
    reopened = reports.reopen_report(actor=secretariat, report=rejected)
    assert reopened.state == Report.State.RECEIVED
    with pytest.raises(StateConflict, match="Allowed: tracked, rejected, coordinated"):
        reports.reopen_report(actor=secretariat, report=reopened)
    tags = list(Event.objects.filter(object_id=str(report.pk)).values_list("tag", flat=True))
    assert "cvd:report:reject" in tags
    assert "cvd:report:reopen" in tags


# Cases from reports --------------------------------------------------------------------------


def test_a_case_is_opened_from_a_report_and_the_report_is_final(secretariat: Any) -> None:
    report = submit(reporter_email="rita@example.org").report
    reports.triage_report(actor=secretariat, report=report, inputs=COORDINATE)
    case = reports.open_case_from_report(actor=secretariat, report=report, tlp="red")
    assert case.title == report.title
    assert case.tlp == "red"
    assert case.report == report
    assert case.summary == ""  # the report's text is not copied for the vendors
    stored = Report.objects.get(pk=report.pk)
    assert stored.state == Report.State.COORDINATED
    reporter = case.participants.get(role=Participant.Role.REPORTER)
    assert reporter.email == "rita@example.org"
    with pytest.raises(StateConflict, match="none: it is final"):
        reports.reject_report(actor=secretariat, report=stored, reason="x")
    with pytest.raises(StateConflict):
        reports.open_case_from_report(actor=secretariat, report=stored)


def test_only_the_reports_coordinator_opens_a_case_from_it(cvd_world: Any) -> None:
    report = submit(coordinator="gamma").report  # anonymous, no address: no participant
    with pytest.raises(NotAllowed):
        reports.open_case_from_report(actor=cvd_world.secretariat, report=report)
    case = reports.open_case_from_report(actor=cvd_world.coordinator, report=report, title="T")
    assert case.coordinator == cvd_world.coordinator_org
    assert not case.participants.filter(role=Participant.Role.REPORTER).exists()


@pytest.mark.parametrize("disclosed", [False, True])
def test_vendors_never_read_the_report_nor_an_undisclosed_reporter(
    cvd_world: Any, disclosed: bool
) -> None:
    w = cvd_world
    files = [SimpleUploadedFile("poc.txt", b"proof")]
    report = submit(
        reporter_email="rita@example.org", identity_disclosed=disclosed, files=files
    ).report
    case = reports.open_case_from_report(actor=w.secretariat, report=report)
    vendor = reports.cases.add_participant(
        actor=w.secretariat, case=case, role="vendor", organisation=w.vendor_a
    )
    assert vendor.case == case
    attachment = Attachment.objects.get(report=report)
    for person in (w.vendor_a_admin, w.observer, w.outsider):
        assert not has_perm(person, Permission.CVD_REPORT_VIEW, report)
        assert not has_perm(person, Permission.CVD_ATTACHMENT_VIEW, attachment)
        assert selectors.report_for(person, report.reference) is None
        assert selectors.attachment_for(person, attachment.pk) is None
    assert has_perm(w.vendor_a_admin, Permission.CVD_CASE_VIEW, case)
    assert has_perm(w.vendor_a_admin, Permission.CVD_REPORTER_VIEW, case) is disclosed
    assert has_perm(w.secretariat, Permission.CVD_REPORTER_VIEW, case)
    assert selectors.report_for(w.secretariat, report.reference) == report
    assert ReportMessage.objects.count() == 0


def test_lookups_refuse_what_no_reference_or_slug_could_be(secretariat: Any) -> None:
    report = submit().report
    assert selectors.report_for(secretariat, report.reference) == report
    assert selectors.report_for(secretariat, "R-" + "9" * 30) is None
    assert selectors.report_for(secretariat, "") is None
    assert coordinator_with_slug("x" * 101) is None
    assert selectors.queue_page(secretariat, page="last").object_list[0] == report
    assert not selectors.queue_for(ANONYMOUS).exists()
