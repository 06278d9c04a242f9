"""Notifying vendors: who may, what each message says and to whom, encryption or why
not, holding TLP:RED mail without a key, idempotent tasks, the notice when a vendor
joins, and the inbox of the vendor's people."""

from __future__ import annotations

from typing import Any

import pysequoia
import pytest

from accord.audit.models import Event
from accord.cvd.exceptions import NotAllowed, StateConflict
from accord.cvd.models import CaseEvent, Delivery, Participant, SecurityContact
from accord.cvd.services import cases, delivery
from accord.notifications.models import Message, Notification, Preference
from tests.cvd.conftest import World
from tests.cvd.test_contacts import key, observe_security_txt, public, security_txt

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
__all__ = ["key"]  # the fixture, shared


@pytest.fixture
def tasks_now(settings: Any) -> None:
    settings.TASKS = IMMEDIATE


def notify(world: World, capture: Any) -> int:
    with capture(execute=True):
        return delivery.notify_vendors(actor=world.secretariat, case=world.case)


def latest_event(world: World) -> int:
    return world.case.events.order_by("-pk").values_list("pk", flat=True)[0]


def make_tlp(world: World, tlp: str) -> None:
    world.case.tlp = tlp
    world.case.save(update_fields=["tlp"])


@pytest.mark.parametrize("who", ["vendor_a_admin", "observer", "outsider", "coordinator"])
def test_only_the_lead_notifies_the_vendors(cvd_world: World, who: str) -> None:
    with pytest.raises(NotAllowed):
        delivery.notify_vendors(actor=getattr(cvd_world, who), case=cvd_world.case)
    assert not CaseEvent.objects.filter(tag="cvd:delivery:notify").exists()


def test_a_case_without_vendors_has_nobody_to_notify(cvd_world: World) -> None:
    alone = cases.open_case(actor=cvd_world.secretariat, title="No vendor yet")
    with pytest.raises(StateConflict, match="no vendors"):
        delivery.notify_vendors(actor=cvd_world.secretariat, case=alone)


def test_notifying_queues_one_notice_per_vendor_and_leaves_a_coordinators_entry(
    cvd_world: World, tasks_now: None, django_capture_on_commit_callbacks: Any
) -> None:
    assert notify(cvd_world, django_capture_on_commit_callbacks) == 2
    told = set(Delivery.objects.values_list("participant_id", flat=True))
    assert told == {cvd_world.participant_a.pk, cvd_world.participant_b.pk}  # not the observer
    entry = CaseEvent.objects.get(tag="cvd:delivery:notify")
    assert (entry.audience, entry.summary) == ("coordinators", "Vendors notified (2)")
    assert Event.objects.filter(tag="cvd:delivery:send").count() == 2


def test_without_a_key_the_message_goes_unencrypted_and_says_why(
    cvd_world: World, tasks_now: None, django_capture_on_commit_callbacks: Any
) -> None:
    observe_security_txt(cvd_world.vendor_a, security_txt())
    notify(cvd_world, django_capture_on_commit_callbacks)
    sent = Delivery.objects.get(participant=cvd_world.participant_a)
    assert (sent.address, sent.fingerprint, sent.held) == ("psirt@acme.example", "", False)
    assert sent.problem == "The security.txt names no Encryption key."
    assert sent.message is not None
    assert sent.message.state == Message.State.KEPT  # no SMTP here: the outbox keeps it
    assert "Acme Routers joined the case as vendor" in sent.message.body
    assert "You have not given your tracking id" in sent.message.body
    assert sent.message.subject == f"[{cvd_world.case.reference}] Case update"


@pytest.mark.parametrize("tlp", ["red", "amber+strict"])
def test_on_a_strict_tlp_case_mail_without_a_key_is_held_and_told_again_later(
    cvd_world: World,
    tasks_now: None,
    django_capture_on_commit_callbacks: Any,
    tlp: str,
    key: pysequoia.Tsk,
) -> None:
    make_tlp(cvd_world, tlp)
    observe_security_txt(cvd_world.vendor_a, security_txt())
    notify(cvd_world, django_capture_on_commit_callbacks)
    held = Delivery.objects.get(participant=cvd_world.participant_a)
    assert (held.held, held.message, held.fingerprint) == (True, None, "")
    label = "TLP:RED" if tlp == "red" else "TLP:AMBER+STRICT"
    assert held.problem == (
        f"Held: {label} mail goes only encrypted. The security.txt names no Encryption key."
    )
    assert not Message.objects.filter(kind=delivery.NOTICE_KIND).exists()
    cvd_world.participant_a.refresh_from_db()
    assert cvd_world.participant_a.notified_through == 0
    # Once a key is registered (the security.txt is gone), the same news goes, encrypted.
    observe_security_txt(cvd_world.vendor_a, security_txt(), status="fail")
    SecurityContact.objects.create(
        organisation=cvd_world.vendor_a, email="cert@acme.example", openpgp_key=public(key)
    )
    notify(cvd_world, django_capture_on_commit_callbacks)
    sent = Delivery.objects.filter(participant=cvd_world.participant_a).latest("pk")
    assert (sent.held, sent.source, sent.address) == (False, "registered", "cert@acme.example")
    assert sent.message is not None
    text = pysequoia.decrypt(sent.message.body.encode(), decryptor=key.decryptor())
    assert "What happened in the case so far" in bytes(text.bytes).decode()


def test_a_red_case_without_any_key_anywhere_is_held_too(
    cvd_world: World, tasks_now: None, django_capture_on_commit_callbacks: Any
) -> None:
    make_tlp(cvd_world, "red")
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    notify(cvd_world, django_capture_on_commit_callbacks)
    held = Delivery.objects.get(participant=cvd_world.participant_a)
    assert held.held
    assert held.problem == "Held: TLP:RED mail goes only encrypted. No key to encrypt to."


def test_the_deliveries_are_written_pending_with_the_notice_and_filled_by_its_task(
    cvd_world: World,
) -> None:
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)  # no task ran
    pending = {d.participant_id: d for d in Delivery.objects.all()}
    assert set(pending) == {cvd_world.participant_a.pk, cvd_world.participant_b.pk}
    assert {d.source for d in pending.values()} == {Delivery.Source.PENDING}
    through = latest_event(cvd_world)
    assert {d.through for d in pending.values()} == {through}
    sent = delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through)
    assert sent is not None
    assert sent.pk == pending[cvd_world.participant_a.pk].pk  # the same row, filled in
    assert (sent.address, sent.source) == ("cert@acme.example", "registered")
    assert delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through) is None
    assert Delivery.objects.filter(participant=cvd_world.participant_a).count() == 1
    assert Message.objects.filter(kind=delivery.NOTICE_KIND).count() == 1


def test_a_held_notice_run_again_is_neither_sent_nor_written_twice(cvd_world: World) -> None:
    make_tlp(cvd_world, "red")
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    through = latest_event(cvd_world)
    for _ in range(2):
        for participant in (cvd_world.participant_a, cvd_world.participant_b):
            delivery.send_notice(participant_id=participant.pk, through=through)
    [held] = Delivery.objects.filter(participant=cvd_world.participant_a)
    [nowhere] = Delivery.objects.filter(participant=cvd_world.participant_b)
    assert held.held
    assert nowhere.source == Delivery.Source.NONE  # Bolt has no contact at all
    assert not Message.objects.filter(kind=delivery.NOTICE_KIND).exists()


def test_a_pending_delivery_is_dropped_when_there_is_nothing_to_send(cvd_world: World) -> None:
    delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    through = latest_event(cvd_world)
    cases.remove_participant(actor=cvd_world.secretariat, participant=cvd_world.participant_a)
    assert delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through) is None
    told = cvd_world.participant_b
    told.notified_through = through  # a later notice's task ran first
    told.save(update_fields=["notified_through"])
    assert delivery.send_notice(participant_id=told.pk, through=through) is None
    assert not Delivery.objects.exists()


def test_a_notice_is_sent_once_however_often_its_task_runs(cvd_world: World) -> None:
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    through = latest_event(cvd_world)
    first = delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through)
    again = delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through)
    assert first is not None
    assert again is None
    assert Delivery.objects.count() == 1
    assert Message.objects.filter(kind=delivery.NOTICE_KIND).count() == 1


def test_a_participant_removed_or_gone_is_not_told(cvd_world: World) -> None:
    cases.remove_participant(actor=cvd_world.secretariat, participant=cvd_world.participant_a)
    through = latest_event(cvd_world)
    assert delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through) is None
    assert delivery.send_notice(participant_id=999_999, through=through) is None
    assert not Delivery.objects.exists()


def test_with_nothing_it_may_read_since_the_vendor_is_told_nothing(cvd_world: World) -> None:
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    participant = cvd_world.participant_a
    delivery.send_notice(participant_id=participant.pk, through=latest_event(cvd_world))
    # Only Bolt's private entry comes after: Acme may not read it.
    cases.set_tracking_id(
        actor=cvd_world.vendor_b_member, participant=cvd_world.participant_b, tracking_id="BOLT-1"
    )
    through = latest_event(cvd_world)
    assert delivery.send_notice(participant_id=participant.pk, through=through) is None
    participant.refresh_from_db()
    assert participant.notified_through == through
    assert Delivery.objects.count() == 1


def test_a_message_tells_only_what_this_vendor_may_read(
    cvd_world: World, tasks_now: None, django_capture_on_commit_callbacks: Any
) -> None:
    cases.set_tracking_id(
        actor=cvd_world.vendor_b_member, participant=cvd_world.participant_b, tracking_id="BOLT-7"
    )
    observe_security_txt(cvd_world.vendor_a, security_txt())
    notify(cvd_world, django_capture_on_commit_callbacks)
    message = Delivery.objects.get(participant=cvd_world.participant_a).message
    assert message is not None
    assert "Bolt Software joined the case" in message.body
    assert "set its tracking id" not in message.body
    assert "BOLT-7" not in message.body
    assert "Vendors notified" not in message.body  # for the coordinators only


def test_a_vendor_joining_gets_a_notice_of_the_case_so_far(
    cvd_world: World, tasks_now: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        joined = cases.add_participant(
            actor=cvd_world.secretariat,
            case=cvd_world.case,
            role=Participant.Role.VENDOR,
            email="security@tiny.example",
            name="Tiny Vendor",
        )
        cases.add_participant(
            actor=cvd_world.secretariat,
            case=cvd_world.case,
            role=Participant.Role.OBSERVER,
            email="watcher@agency.example",
        )
    [notice] = Delivery.objects.all()
    assert (notice.participant_id, notice.address, notice.source) == (
        joined.pk,
        "security@tiny.example",
        "invited",
    )
    assert notice.message is not None
    assert "Tiny Vendor joined the case as vendor" in notice.message.body


def test_the_vendors_people_are_told_in_their_inbox_or_digest_with_no_case_details(
    cvd_world: World,
    tasks_now: None,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.cvd.conftest import member_of

    digester = member_of(make_user, cvd_world.vendor_b, "lead@bolt.example")
    Preference.objects.create(user=digester, delivery=Preference.Delivery.DIGEST)
    notify(cvd_world, django_capture_on_commit_callbacks)
    told = Notification.objects.filter(kind=delivery.NEWS_KIND)
    assert {n.recipient.email for n in told} == {
        "psirt@acme.example",
        "dev@bolt.example",
        "lead@bolt.example",
    }
    note = told.get(recipient=cvd_world.vendor_b_member)
    latest = latest_event_told(cvd_world)
    assert note.link == f"/cvd/{cvd_world.case.reference}/timeline/?upto={latest}#event-{latest}"
    assert "Heap overflow" not in note.subject + note.body
    assert Message.objects.filter(to_address="dev@bolt.example").exists()
    assert not Message.objects.filter(to_address="lead@bolt.example").exists()  # digest later


def latest_event_told(world: World) -> int:
    """The newest entry vendors may read (the lead's notify entry is for coordinators)."""
    return world.case.events.filter(audience="case").order_by("-pk").values_list("pk", flat=True)[0]


def test_timeline_entries_told_to_each_role_follow_the_timeline_rules(cvd_world: World) -> None:
    cases.set_tracking_id(
        actor=cvd_world.observer,
        participant=cvd_world.participant_observer,
        tracking_id="AGENCY-1",
    )
    every = set(cvd_world.case.events.values_list("pk", flat=True))
    to_lead = set(CaseEvent.objects.told_to(cvd_world.lead).values_list("pk", flat=True))
    to_observer = CaseEvent.objects.told_to(cvd_world.participant_observer)
    to_vendor = CaseEvent.objects.told_to(cvd_world.participant_a)
    assert to_lead == every
    assert [e.summary for e in to_observer] == ["National Agency set its tracking id"]
    assert "National Agency set its tracking id" not in {e.summary for e in to_vendor}
    assert (
        to_vendor.filter(audience="case").count()
        == cvd_world.case.events.filter(audience="case").count()
    )


def test_a_vendor_removed_while_its_key_was_fetched_is_not_told(
    cvd_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.cvd.services import contacts

    resolve = contacts.resolve_contact

    def removed_meanwhile(participant: Participant, **options: Any) -> Any:
        found = resolve(participant, **options)
        cases.remove_participant(actor=cvd_world.secretariat, participant=participant)
        return found

    monkeypatch.setattr(contacts, "resolve_contact", removed_meanwhile)
    through = latest_event(cvd_world)
    assert delivery.send_notice(participant_id=cvd_world.participant_a.pk, through=through) is None
    assert not Delivery.objects.exists()


def test_a_person_taking_part_in_person_is_told_in_their_inbox(
    cvd_world: World, make_user: Any
) -> None:
    person = make_user("maintainer@solo.example")
    solo = cases.add_participant(
        actor=cvd_world.secretariat, case=cvd_world.case, role=Participant.Role.VENDOR, user=person
    )
    sent = delivery.send_notice(participant_id=solo.pk, through=latest_event(cvd_world))
    assert sent is not None
    assert (sent.address, sent.source) == ("maintainer@solo.example", "account")
    [note] = Notification.objects.filter(recipient=person, kind=delivery.NEWS_KIND)
    assert note.subject == f"{cvd_world.case.reference}: 5 new timeline entries"


def test_the_latest_delivery_of_each_participant_is_its_contact_line(cvd_world: World) -> None:
    from accord.cvd.selectors import delivery as selectors

    for address in ("old@acme.example", "new@acme.example"):
        Delivery.objects.create(
            participant=cvd_world.participant_a, address=address, source="invited", through=1
        )
    Delivery.objects.create(
        participant=cvd_world.participant_b, address="", source="none", through=1
    )
    lines = selectors.latest_deliveries(cvd_world.secretariat, cvd_world.case)
    assert lines[cvd_world.participant_a.pk].delivery.address == "new@acme.example"
    assert lines[cvd_world.participant_b.pk].state == "none"
    # A vendor sees its own line only.
    own = selectors.latest_deliveries(cvd_world.vendor_a_admin, cvd_world.case)
    assert set(own) == {cvd_world.participant_a.pk}
    assert selectors.latest_deliveries(cvd_world.outsider, cvd_world.case) == {}
    assert selectors.contact_organisation(cvd_world.vendor_a_admin, "x" * 101) is None
    assert selectors.contact_organisation(cvd_world.vendor_a_admin, "") is None
