"""Inviting a vendor outside the coalition by email: a capability link to one
participant of one case, and an account that sees that case alone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord import errors
from accord.access import Permission, has_perm
from accord.accounts.models import User
from accord.cvd import selectors as cvd_selectors
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import (
    CaseEvent,
    Participant,
    ParticipantInvitation,
    Statement,
    Vulnerability,
)
from accord.cvd.selectors import cases as selectors
from accord.cvd.services import cases, invitations
from accord.notifications.models import Message

pytestmark = pytest.mark.django_db


def invite(
    w: Any, email: str = "psirt@tiny.example", name: str = "Tiny Devices"
) -> tuple[ParticipantInvitation, str]:
    invitation = invitations.invite_vendor(actor=w.secretariat, case=w.case, email=email, name=name)
    message = Message.objects.filter(to_address=invitation.email).latest("id")
    token = re.search(r"/cvd/invitations/([^/\s]+)/", message.body)
    assert token is not None
    return invitation, token.group(1)


def test_an_invitation_adds_a_vendor_and_emails_a_link_kept_only_as_digest(cvd_world: Any) -> None:
    w = cvd_world
    invitation, token = invite(w, email="PSIRT@Tiny.example")
    participant = invitation.participant
    assert (participant.role, participant.email, participant.name) == (
        "vendor",
        "psirt@tiny.example",
        "Tiny Devices",
    )
    assert participant.user is None
    message = Message.objects.get(to_address="psirt@tiny.example")
    assert message.carries_secret
    assert w.case.reference in message.subject
    key, secret = token.split(".")
    assert invitation.key == key
    assert secret not in invitation.digest
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    entry = CaseEvent.objects.get(tag="cvd:invitation:create")
    assert (entry.audience, entry.private_with) == ("private", participant)
    assert secret not in str(entry.summary)


def test_inviting_the_address_again_replaces_the_open_link(cvd_world: Any) -> None:
    w = cvd_world
    first, first_token = invite(w)
    second, second_token = invite(w)
    assert second.participant == first.participant
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert selectors.invitation_by_token(second_token) == second
    with pytest.raises(StateConflict):
        invitations.accept_vendor_invitation_with_new_account(
            token=first_token, password="long enough pass 42"
        )


@pytest.mark.parametrize(
    ("email", "name", "field"),
    [("not-an-address", "", "email"), ("a@b.example", "n" * 201, "name")],
)
def test_a_bad_invitation_names_its_field(
    cvd_world: Any, email: str, name: str, field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        invitations.invite_vendor(
            actor=cvd_world.secretariat, case=cvd_world.case, email=email, name=name
        )
    assert refused.value.field == field
    assert not ParticipantInvitation.objects.exists()


def test_only_the_lead_invites_and_revokes(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        invitations.invite_vendor(actor=w.vendor_a_admin, case=w.case, email="x@y.example")
    with pytest.raises(NotFound):
        invitations.invite_vendor(actor=w.outsider, case=w.case, email="x@y.example")
    invitation, _ = invite(w)
    with pytest.raises(NotAllowed):
        invitations.revoke_invitation(actor=w.vendor_a_admin, invitation=invitation)
    assert selectors.invitations_of(w.vendor_a_admin, w.case) == []
    assert selectors.invitations_of(w.secretariat, w.case) == [invitation]


def test_the_invitee_gets_an_account_that_sees_only_its_part_of_its_case(cvd_world: Any) -> None:
    w = cvd_world
    other = cases.open_case(actor=w.secretariat, title="Another case")
    Statement.objects.create(participant=w.participant_a, vulnerability=w.vulnerability)
    invitation, token = invite(w)
    user = invitations.accept_vendor_invitation_with_new_account(
        token=token, password="long enough pass 42", full_name="Tina"
    )
    assert user.email == "psirt@tiny.example"
    assert user.email_verified_at is not None
    assert not user.memberships.exists()
    participant = Participant.objects.get(pk=invitation.participant.pk)
    assert participant.user == user
    assert list(cvd_selectors.cases_for(user)) == [w.case]
    assert not has_perm(user, Permission.CVD_CASE_VIEW, other)
    assert has_perm(user, Permission.CVD_PARTICIPANT_ACT, participant)
    assert not has_perm(user, Permission.CVD_PARTICIPANT_ACT, w.participant_a)
    assert not has_perm(user, Permission.CVD_CASE_COORDINATE, w.case)
    assert not has_perm(user, Permission.CVD_STATEMENT_VIEW, Statement.objects.get())
    assert not has_perm(user, Permission.CVD_REPORTER_VIEW, w.case)
    assert list(Vulnerability.objects.visible_to(user)) == [w.vulnerability]
    cases.set_tracking_id(actor=user, participant=participant, tracking_id="TINY-7")
    with pytest.raises(NotAllowed):
        cases.set_tracking_id(actor=user, participant=w.participant_a, tracking_id="x")
    assert CaseEvent.objects.filter(tag="cvd:invitation:accept").exists()
    with pytest.raises(StateConflict, match="accepted already"):
        invitations.accept_vendor_invitation(token=token, user=user)
    with pytest.raises(StateConflict, match="accepted an invitation"):
        invitations.invite_vendor(actor=w.secretariat, case=w.case, email=user.email)


def test_an_existing_account_of_the_address_accepts_when_signed_in(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    invitation, token = invite(w)
    wrong = make_user("someone@else.example")
    with pytest.raises(NotAllowed, match=re.escape("psirt@tiny.example")):
        invitations.accept_vendor_invitation(token=token, user=wrong)
    owner = make_user("psirt@tiny.example")
    with pytest.raises(errors.Invalid, match="already exists"):  # sign in instead
        invitations.accept_vendor_invitation_with_new_account(
            token=token, password="long enough pass 42"
        )
    invitations.accept_vendor_invitation(token=token, user=owner)
    assert Participant.objects.get(pk=invitation.participant.pk).user == owner


def test_a_revoked_expired_or_unknown_link_is_refused(cvd_world: Any, make_user: Any) -> None:
    w = cvd_world
    owner: User = make_user("psirt@tiny.example")
    invitation, token = invite(w)
    invitations.revoke_invitation(actor=w.secretariat, invitation=invitation)
    with pytest.raises(StateConflict, match="withdrawn"):
        invitations.accept_vendor_invitation(token=token, user=owner)
    with pytest.raises(StateConflict, match="revoked already"):
        invitations.revoke_invitation(actor=w.secretariat, invitation=invitation)
    invitation, token = invite(w)
    ParticipantInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(StateConflict, match="expired"):
        invitations.accept_vendor_invitation(token=token, user=owner)
    for bad in ("", "nodot", f"{invitation.key}.wrong", "x" * 200):
        with pytest.raises(NotFound):
            invitations.accept_vendor_invitation(token=bad, user=owner)
    assert Participant.objects.get(pk=invitation.participant.pk).user is None


def test_an_invitation_of_a_removed_participant_is_dead(cvd_world: Any, make_user: Any) -> None:
    w = cvd_world
    invitation, token = invite(w)
    cases.remove_participant(actor=w.secretariat, participant=invitation.participant)
    with pytest.raises(StateConflict, match="no longer"):
        invitations.accept_vendor_invitation(token=token, user=make_user("psirt@tiny.example"))


def test_an_accepted_invitation_is_not_revoked_but_its_participant_removed(cvd_world: Any) -> None:
    w = cvd_world
    invitation, token = invite(w)
    user = invitations.accept_vendor_invitation_with_new_account(
        token=token, password="long enough pass 42"
    )
    with pytest.raises(StateConflict, match="remove the participant"):
        invitations.revoke_invitation(actor=w.secretariat, invitation=invitation)
    cases.remove_participant(actor=w.secretariat, participant=invitation.participant)
    assert not cvd_selectors.cases_for(user).exists()
