"""Publishing a case's advisory: who may, what a case must hold first, the formats'
failures that block it, versions, withdrawal, the embargo, and the embargo's end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.audit.models import Event
from accord.cvd import hooks
from accord.cvd.advisories.build import snapshot_of
from accord.cvd.advisories.snapshot import Revision
from accord.cvd.exceptions import DocumentsInvalid, InvalidField, NotAllowed, NotFound, NotReady
from accord.cvd.models import Advisory, AdvisoryRevision, Case, CaseEvent
from accord.cvd.services import cases, embargo, publication
from accord.cvd.states import StateConflict
from accord.notifications.models import Notification
from tests.cvd.advisory_world import FakeFormats

pytestmark = pytest.mark.django_db


def test_only_the_lead_publishes(cvd_world: Any, ready: Case) -> None:
    with pytest.raises(NotAllowed):
        publication.publish_advisory(actor=cvd_world.vendor_a_admin, case=ready)
    with pytest.raises(NotFound):
        publication.publish_advisory(actor=cvd_world.outsider, case=ready)
    assert not Advisory.objects.exists()


def test_a_case_not_ready_is_refused_with_every_missing_item(
    cvd_world: Any, fake_formats: FakeFormats
) -> None:
    w = cvd_world
    with pytest.raises(NotReady) as refused:
        publication.publish_advisory(actor=w.secretariat, case=w.case)
    assert refused.value.missing == (
        "V1 names no affected product.",
        "V1 has no statement from Acme Routers.",
        "V1 has no statement from Bolt Software.",
    )
    assert refused.value.http_status == 409
    empty = cases.open_case(actor=w.secretariat, title="Nothing yet", tlp="clear")
    with pytest.raises(NotReady, match=r"The case has no vulnerability\."):
        publication.publish_advisory(actor=w.secretariat, case=empty)
    assert not Advisory.objects.exists()


def test_first_release_stores_every_format_and_announces(
    cvd_world: Any, ready: Case, fake_formats: FakeFormats, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[hooks.AdvisoryReleased] = []
    hooks.ADVISORY_RELEASED.subscribe(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            advisory = publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    finally:
        hooks.ADVISORY_RELEASED._handlers.remove(heard.append)
    assert advisory.version == 1
    assert advisory.tracking_id == ready.reference
    assert set(advisory.documents) == {"cve", "csaf", "csaf-vex", "openvex"}
    assert advisory.documents["csaf"]["version"] == 1
    revision = advisory.revisions.get()
    assert revision.summary == publication.FIRST_RELEASE
    assert revision.published_by == cvd_world.secretariat
    assert Event.objects.filter(tag="cvd:advisory:published").exists()
    assert CaseEvent.objects.filter(case=ready, tag="cvd:advisory:published").exists()
    assert [h.action for h in heard] == ["published"]
    assert heard[0].tracking_id == ready.reference


def test_an_update_bumps_the_version_and_needs_a_summary(cvd_world: Any, ready: Case) -> None:
    lead = cvd_world.secretariat
    publication.publish_advisory(actor=lead, case=ready)
    with pytest.raises(InvalidField) as blank:
        publication.publish_advisory(actor=lead, case=ready, summary="  ")
    assert blank.value.field == "summary"
    advisory = publication.publish_advisory(actor=lead, case=ready, summary="Fixed version added.")
    assert advisory.version == 2
    assert list(advisory.revisions.values_list("number", "summary")) == [
        (1, publication.FIRST_RELEASE),
        (2, "Fixed version added."),
    ]
    assert advisory.documents["cve"]["version"] == 2
    assert Event.objects.filter(tag="cvd:advisory:updated").count() == 1


def test_a_failing_format_stores_nothing_and_names_each_failure(
    cvd_world: Any, ready: Case, fake_formats: FakeFormats
) -> None:
    fake_formats.fail("csaf", "$.document.title", "is too short")
    fake_formats.fail("openvex", "$.statements[0]", "needs a product")
    with pytest.raises(DocumentsInvalid) as refused:
        publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert refused.value.http_status == 422
    assert [(f.format, f.path) for f in refused.value.failures] == [
        ("csaf", "$.document.title"),
        ("openvex", "$.statements[0]"),
    ]
    assert refused.value.extra()["failures"][0]["message"] == "is too short"
    assert not Advisory.objects.exists()
    assert not AdvisoryRevision.objects.exists()
    assert not Event.objects.filter(tag__startswith="cvd:advisory:").exists()


def test_an_active_embargo_blocks_unless_ended(cvd_world: Any, ready: Case) -> None:
    lead = cvd_world.secretariat
    proposal = embargo.propose_embargo(
        actor=lead, case=ready, ends_at=timezone.now() + timedelta(days=10)
    )
    embargo.adopt_embargo(actor=lead, proposal=proposal)
    with pytest.raises(StateConflict, match="embargo is active"):
        publication.publish_advisory(actor=lead, case=ready)
    assert not Advisory.objects.exists()
    publication.publish_advisory(actor=lead, case=ready, end_embargo=True)
    ready.refresh_from_db()
    assert ready.embargo_state == "exited"
    assert ready.embargo_exit_reason == "published"


def test_failures_leave_the_embargo_in_force(
    cvd_world: Any, ready: Case, fake_formats: FakeFormats
) -> None:
    lead = cvd_world.secretariat
    proposal = embargo.propose_embargo(
        actor=lead, case=ready, ends_at=timezone.now() + timedelta(days=10)
    )
    embargo.adopt_embargo(actor=lead, proposal=proposal)
    fake_formats.fail("cve", "$", "no")
    with pytest.raises(DocumentsInvalid):
        publication.publish_advisory(actor=lead, case=ready, end_embargo=True)
    ready.refresh_from_db()
    assert ready.embargo_state == "active"


def test_withdrawal_is_a_new_version_marked_withdrawn(cvd_world: Any, ready: Case) -> None:
    lead = cvd_world.secretariat
    with pytest.raises(StateConflict):
        publication.withdraw_advisory(actor=lead, case=ready, reason="Wrong product.")
    publication.publish_advisory(actor=lead, case=ready)
    with pytest.raises(InvalidField):
        publication.withdraw_advisory(actor=lead, case=ready, reason=" ")
    with pytest.raises(NotAllowed):
        publication.withdraw_advisory(actor=cvd_world.vendor_a_admin, case=ready, reason="x")
    advisory = publication.withdraw_advisory(actor=lead, case=ready, reason="Wrong product.")
    assert advisory.state == Advisory.State.WITHDRAWN
    assert advisory.version == 2
    assert advisory.documents["csaf"]["withdrawn"] is True
    assert advisory.revisions.get(number=2).summary == "Withdrawn: Wrong product."
    assert Event.objects.filter(tag="cvd:advisory:withdrawn").exists()
    with pytest.raises(StateConflict):
        publication.withdraw_advisory(actor=lead, case=ready, reason="again")
    with pytest.raises(StateConflict):
        publication.publish_advisory(actor=lead, case=ready, summary="Back")


def test_the_snapshot_reads_products_statements_and_parties(cvd_world: Any, ready: Case) -> None:
    now = timezone.now()
    snapshot = snapshot_of(ready, version=1, revisions=(Revision(1, now, "First"),))
    assert [(p.key, p.vendor, p.name) for p in snapshot.products] == [
        ("P1", "Acme Routers", "router")
    ]
    (vulnerability,) = snapshot.vulnerabilities
    assert {(s.vendor, s.status) for s in vulnerability.statuses} == {
        ("Acme Routers", "affected"),
        ("Bolt Software", "not_affected"),
    }
    parties = {(i.party, i.name): i.status for i in snapshot.involvements}
    assert parties[("vendor", "Acme Routers")] == "contact_attempted"
    assert ("coordinator", cvd_world.lead.name) in parties
    assert snapshot.acknowledgments == ()
    assert snapshot.advisory_url.endswith(f"/cvd/{ready.reference}/")
    assert snapshot.publisher.name


def test_a_clear_advisory_points_at_its_public_page(cvd_world: Any, ready: Case) -> None:
    cases.edit_case(actor=cvd_world.secretariat, case=ready, tlp="clear")
    ready.refresh_from_db()
    snapshot = snapshot_of(ready, version=1, revisions=(Revision(1, timezone.now(), "x"),))
    assert snapshot.advisory_url.endswith(f"/advisories/{ready.reference}/")


def _due_embargo(world: Any, case: Case) -> None:
    proposal = embargo.propose_embargo(
        actor=world.secretariat, case=case, ends_at=timezone.now() + timedelta(days=1)
    )
    embargo.adopt_embargo(actor=world.secretariat, proposal=proposal)


def test_the_embargos_end_publishes_when_asked(cvd_world: Any, ready: Case) -> None:
    _due_embargo(cvd_world, ready)
    publication.set_publish_at_embargo_end(actor=cvd_world.secretariat, case=ready, enabled=True)
    assert embargo.end_due_embargoes(now=timezone.now() + timedelta(days=2)) == 1
    advisory = Advisory.objects.get(case=ready)
    assert advisory.revisions.get().published_by is None
    event = Event.objects.get(tag="cvd:advisory:published")
    assert event.actor is None


def test_a_refusal_at_the_embargos_end_is_recorded_and_told(cvd_world: Any) -> None:
    w = cvd_world
    _due_embargo(w, w.case)
    publication.set_publish_at_embargo_end(actor=w.secretariat, case=w.case, enabled=True)
    assert embargo.end_due_embargoes(now=timezone.now() + timedelta(days=2)) == 1
    w.case.refresh_from_db()
    assert w.case.embargo_state == "exited"
    assert not Advisory.objects.exists()
    refused = CaseEvent.objects.get(case=w.case, tag="cvd:advisory:refuse")
    assert refused.audience == "coordinators"
    assert "V1 names no affected product." in refused.summary
    note = Notification.objects.get(kind="cvd:advisory:refuse")
    assert note.recipient == w.secretariat


def test_without_the_option_the_embargos_end_publishes_nothing(cvd_world: Any, ready: Case) -> None:
    _due_embargo(cvd_world, ready)
    embargo.end_due_embargoes(now=timezone.now() + timedelta(days=2))
    assert not Advisory.objects.exists()
    with pytest.raises(NotAllowed):
        publication.set_publish_at_embargo_end(
            actor=cvd_world.vendor_a_admin, case=ready, enabled=True
        )


def test_a_builder_that_breaks_refuses_the_publication(
    cvd_world: Any, ready: Case, fake_formats: FakeFormats, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.cvd.advisories import formats

    registry = formats.all_formats()
    broken = registry["openvex"]
    registry["openvex"] = type(broken)(
        broken.key, broken.label, broken.media_type, lambda s: 1 / 0, broken.validate
    )
    monkeypatch.setattr(formats, "all_formats", lambda: registry)
    with pytest.raises(DocumentsInvalid) as refused:
        publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert [(f.format, f.path) for f in refused.value.failures] == [("openvex", "$")]
    assert not Advisory.objects.exists()


def test_missing_format_modules_refuse_the_publication(
    cvd_world: Any, ready: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.cvd.advisories import formats

    def missing() -> Any:
        raise ModuleNotFoundError("No module named 'accord.cvd.advisories.cve'")

    monkeypatch.setattr(formats, "all_formats", missing)
    with pytest.raises(DocumentsInvalid, match="not installed"):
        publication.publish_advisory(actor=cvd_world.secretariat, case=ready)


@pytest.mark.parametrize(
    ("disclosed", "credit", "name", "credited"),
    [
        (True, False, "Rita Reporter", ()),  # the vendors may know: the public may not
        (False, True, "Rita Reporter", ("Rita Reporter",)),
        (True, True, "", ()),  # no name: not credited as "Reporter"
    ],
)
def test_the_reporter_is_credited_in_public_only_by_their_own_choice(
    cvd_world: Any, disclosed: bool, credit: bool, name: str, credited: tuple[str, ...]
) -> None:
    from accord.cvd.models import Report

    report = Report.objects.create(
        reference="R-2026-0001",
        title="t",
        description="d",
        reporter_name=name,
        reporter_email="rita@example.org",
        identity_disclosed=disclosed,
        credit_publicly=credit,
    )
    case = cases.open_case(actor=cvd_world.secretariat, title="From a report", report=report)
    snapshot = snapshot_of(case, version=1, revisions=(Revision(1, timezone.now(), "First"),))
    assert snapshot.acknowledgments == credited
    (discoverer,) = [i for i in snapshot.involvements if i.party == "discoverer"]
    assert discoverer.name == (credited[0] if credited else "")


def test_a_withdrawal_marks_what_was_published_not_what_the_case_holds_now(
    cvd_world: Any, ready: Case, fake_formats: FakeFormats
) -> None:
    """A flaw added since (under a new embargo, say), a new title and TLP stay out."""
    from accord.cvd.models import Vulnerability

    lead = cvd_world.secretariat
    publication.publish_advisory(actor=lead, case=ready)
    Vulnerability.objects.create(case=ready, number=2, title="Embargoed flaw")
    cases.edit_case(actor=lead, case=ready, title="Edited since", tlp="clear")
    advisory = publication.withdraw_advisory(actor=lead, case=ready, reason="Wrong product.")
    withdrawal = fake_formats.built[-1]
    assert [v.number for v in withdrawal.vulnerabilities] == [1]
    assert withdrawal.withdrawn
    assert [r.number for r in withdrawal.revisions] == [1, 2]
    assert advisory.documents["csaf"]["title"] == cvd_world.case.title != "Edited since"
    assert advisory.documents["csaf"]["tlp"] == "amber"
    assert (advisory.tlp, advisory.title, advisory.version) == ("amber", ready.title, 2)
    assert advisory.revisions.get(number=2).tlp == "amber"
    assert not Advisory.objects.public().exists()


def test_a_stored_snapshot_reads_back_as_it_was(cvd_world: Any, ready: Case) -> None:
    from decimal import Decimal

    from accord.cvd.advisories.build import as_json, snapshot_from_json

    ready.vulnerabilities.filter(number=1).update(
        cvss_score=Decimal("7.5"), cvss_vector="CVSS:3.1/AV:N", cwe_ids=[79]
    )
    snapshot = snapshot_of(ready, version=1, revisions=(Revision(1, timezone.now(), "First"),))
    again = snapshot_from_json(as_json(snapshot))
    assert as_json(again) == as_json(snapshot)
    assert again.vulnerabilities[0].cvss_score == Decimal("7.5")
    assert again.vulnerabilities[0].cwe_ids == (79,)
    assert again.current_release.tzinfo is not None


def _broken_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(publication, "snapshot_of", broken)


def test_a_snapshot_that_breaks_refuses_the_publication(
    cvd_world: Any, ready: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    _broken_snapshot(monkeypatch)
    with pytest.raises(DocumentsInvalid, match="could not be read"):
        publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert not Advisory.objects.exists()


def test_a_bug_at_the_embargos_end_is_refused_and_the_embargo_stays_ended(
    cvd_world: Any, ready: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    _due_embargo(cvd_world, ready)
    publication.set_publish_at_embargo_end(actor=cvd_world.secretariat, case=ready, enabled=True)
    monkeypatch.setattr(publication, "_publish", lambda *a, **k: 1 / 0)
    assert embargo.end_due_embargoes(now=timezone.now() + timedelta(days=2)) == 1
    ready.refresh_from_db()
    assert ready.embargo_state == "exited"
    assert CaseEvent.objects.filter(case=ready, tag="cvd:advisory:refuse").exists()
    assert embargo.end_due_embargoes(now=timezone.now() + timedelta(days=2)) == 0


def test_an_embargo_past_its_date_ends_as_scheduled_before_the_lead_publishes(
    cvd_world: Any, ready: Case
) -> None:
    """The scheduler has not run yet: the embargo held, and its run then does nothing."""
    lead = cvd_world.secretariat
    _due_embargo(cvd_world, ready)
    publication.set_publish_at_embargo_end(actor=lead, case=ready, enabled=True)
    Case.objects.filter(pk=ready.pk).update(embargo_ends_at=timezone.now() - timedelta(hours=1))
    publication.publish_advisory(actor=lead, case=ready)
    ready.refresh_from_db()
    assert ready.embargo_state == "exited"
    assert ready.embargo_exit_reason == embargo.SCHEDULED_END
    assert CaseEvent.objects.filter(case=ready, tag="cvd:embargo:expire").exists()
    assert embargo.end_due_embargoes(now=timezone.now()) == 0
    assert publication.publish_at_embargo_end(ready) is None  # published already
    assert not CaseEvent.objects.filter(tag="cvd:advisory:refuse").exists()
    assert not Notification.objects.filter(kind="cvd:advisory:refuse").exists()
    (measure, *_) = ready.measures.all()
    assert measure.embargo_held is True


def test_a_case_that_changes_while_its_documents_are_built_is_not_published(
    cvd_world: Any, ready: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents are built before the transaction; a change meanwhile refuses."""
    built = publication._documents

    def and_meanwhile(snapshot: Any) -> Any:
        cases.edit_case(actor=cvd_world.secretariat, case=ready, title="Changed meanwhile")
        return built(snapshot)

    monkeypatch.setattr(publication, "_documents", and_meanwhile)
    with pytest.raises(StateConflict, match="changed while publishing"):
        publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert not Advisory.objects.exists()
    monkeypatch.setattr(publication, "_documents", built)
    assert publication.publish_advisory(actor=cvd_world.secretariat, case=ready).version == 1


def test_the_preview_runs_the_schema_alone_and_publication_the_validator(
    cvd_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.cvd.advisories import csaf_validator
    from tests.cvd.advisory_world import make_ready

    case = make_ready(cvd_world)
    runs: list[str] = []

    def validator(documents: Any, *, format_key: str, script: Any = None) -> Any:
        runs.append(format_key)
        return [[] for _ in documents]

    monkeypatch.setattr(csaf_validator, "mandatory_test_failures_of_each", validator)
    documents, failures = publication.preview_advisory(actor=cvd_world.secretariat, case=case)
    assert "csaf" in documents
    assert failures == []
    assert runs == []
    publication.publish_advisory(actor=cvd_world.secretariat, case=case)
    assert sorted(runs) == ["csaf", "csaf-vex"]
