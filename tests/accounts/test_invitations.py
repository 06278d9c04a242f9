"""Invitations, not silent adds: nobody joins without following the emailed link, which
works once and expires, and whose secret is stored only as a digest. The org admin gets
the same answer whether or not an account exists for the address."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.utils import timezone

from accord.accounts import selectors, services
from accord.accounts.models import Invitation, Membership, Organisation, User
from accord.audit.models import Event
from accord.notifications import mail
from accord.notifications import services as notifications
from accord.notifications.models import Message, Notification
from tests.accounts.helpers import bearer, give_confirmed_totp, post_login, verified_client
from tests.accounts.onboarding import (
    accept_path,
    invitation_link,
    invitation_token,
    invite,
    last_email,
)

pytestmark = pytest.mark.django_db
INVITE = "/accounts/organisations/alpha/invitations/"
DANA = "dana@example.org"


def text(response: Any) -> str:
    return response.content.decode()


def flashed(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Sending: the same answer whether or not an account exists ----------------------------


def _invite_answer(client: Client, email: str) -> tuple[Any, ...]:
    response = client.post(INVITE, {"email": email, "role": "member"})
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    sent = last_email(email, "accounts:invitation:create")
    body = re.sub(r"/accept/\S+", "/accept/TOKEN", sent.body)
    return (
        response.status_code,
        response["Location"],
        [m.replace(email, "EMAIL") for m in shown],
        sent.subject,
        body,
    )


def test_the_org_admin_gets_the_same_answer_whether_or_not_an_account_exists(
    client_for: Any, alice: User, make_user: Any
) -> None:
    make_user(DANA)
    make_user("gone@example.org", is_active=False)
    client = client_for(alice)
    existing = _invite_answer(client, DANA)
    deactivated = _invite_answer(client, "gone@example.org")
    unknown = _invite_answer(client, "erin@example.org")
    assert existing == deactivated == unknown
    assert existing[:3] == (
        302,
        "/accounts/organisations/alpha/",
        ["An invitation was sent to EMAIL."],
    )
    events = Event.objects.filter(tag="accounts:invitation:create").order_by("seq")
    assert [sorted(event.data) for event in events] == [
        ["email", "expires_at", "instance_role", "role"]
    ] * 3


def test_an_invitation_adds_nobody_until_it_is_accepted(
    client_for: Any, alice: User, org_a: Organisation, make_user: Any
) -> None:
    dana = make_user(DANA)
    client_for(alice).post(INVITE, {"email": DANA.upper(), "role": "org_admin"})
    assert not Membership.objects.filter(user=dana).exists()
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (DANA, "org_admin", alice)
    expected = timezone.now() + timedelta(days=7)
    assert abs(invitation.expires_at - expected) < timedelta(minutes=1)
    assert last_email(DANA, "accounts:invitation:create").carries_secret


def test_an_org_admin_sees_the_waiting_invitations_and_a_member_does_not(
    client_for: Any, alice: User, carol: User, org_a: Organisation
) -> None:
    invite(org_a, DANA, alice)
    assert DANA in text(client_for(alice).get("/accounts/organisations/alpha/"))
    page = text(client_for(carol).get("/accounts/organisations/alpha/"))
    assert DANA not in page
    assert "Invite a person" not in page
    assert (
        client_for(carol).post(INVITE, {"email": "x@example.org", "role": "member"}).status_code
        == 403
    )


def test_a_new_invitation_replaces_the_waiting_one(
    alice: User, org_a: Organisation, client: Client
) -> None:
    first = accept_path(invite(org_a, DANA, alice))
    invite(org_a, DANA, alice, role="org_admin")
    assert client.get(first).status_code == 409
    assert "withdrawn" in text(client.get(first))
    assert Invitation.objects.filter(state="pending").get().role == "org_admin"
    revoked = Event.objects.get(tag="accounts:invitation:revoke")
    assert revoked.data["superseded"] is True


# Accepting -----------------------------------------------------------------------------


def test_a_new_person_creates_an_account_and_joins(
    client: Client, alice: User, org_a: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    invite(org_a, DANA, alice, role="org_admin")
    link = invitation_link(DANA)
    page = client.get(link)
    assert page.status_code == 200
    assert "Create your account" in text(page)
    assert DANA in text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link,
            {
                "full_name": "Dana D",
                "password": "a long new passphrase",
                "password_again": "a long new passphrase",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/organisations/alpha/"
    dana = User.objects.get(email=DANA)
    assert dana.full_name == "Dana D"
    assert dana.check_password("a long new passphrase")
    assert Membership.objects.get(user=dana, organisation=org_a).role == "org_admin"
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert "you joined Alpha Systems" in text(landed)
    assert Event.objects.filter(tag="accounts:invitation:accept", actor=dana).count() == 1
    # The org admins are told.
    [note] = Notification.objects.filter(recipient=alice, kind="accounts:invitation:accept")
    assert DANA in note.subject
    assert not Notification.objects.filter(recipient=dana, kind="accounts:invitation:accept")


def test_the_link_works_once(client: Client, alice: User, org_a: Organisation) -> None:
    token = invite(org_a, DANA, alice)
    services.accept_invitation_with_new_account(token=token, password="a long new passphrase")
    link = f"/accounts/invitations/accept/{token}/"
    again = client.get(link)
    assert again.status_code == 409
    assert "accepted already" in text(again)
    with pytest.raises(services.InvitationClosed, match="accepted already"):
        services.accept_invitation(token=token, user=User.objects.get(email=DANA))
    data = {
        "full_name": "X",
        "password": "another passphrase!",
        "password_again": "another passphrase!",
    }
    assert client.post(link, data).status_code == 409
    assert Membership.objects.filter(organisation=org_a, user__email=DANA).count() == 1


def test_an_expired_link_no_longer_works(
    client: Client, alice: User, org_a: Organisation, settings: Any
) -> None:
    settings.ACCORD_INVITATION_DAYS = 2
    token = invite(org_a, DANA, alice)
    invitation = Invitation.objects.get()
    assert abs(invitation.expires_at - timezone.now() - timedelta(days=2)) < timedelta(minutes=1)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/accounts/invitations/accept/{token}/")
    assert response.status_code == 409
    assert "expired" in text(response)
    with pytest.raises(services.InvitationClosed, match="expired"):
        services.accept_invitation_with_new_account(token=token, password="a long new passphrase")
    assert not User.objects.filter(email=DANA).exists()
    # Expired invitations are no longer listed as waiting.
    assert not selectors.invitations_for(alice, org_a).exists()


def test_a_link_that_is_not_an_invitations_is_not_found(
    client: Client, alice: User, org_a: Organisation
) -> None:
    token = invite(org_a, DANA, alice)
    key, secret = token.split(".")
    for bad in (f"{key}.{secret[:-2]}", f"{key[:-1]}.{secret}", "junk", "x" * 300):
        assert client.get(f"/accounts/invitations/accept/{bad}/").status_code == 404
    with pytest.raises(services.InvitationNotFound):
        services.accept_invitation(token="junk", user=alice)


def test_someone_with_an_account_signs_in_then_accepts(
    client: Client, alice: User, org_a: Organisation, make_user: Any, password: str
) -> None:
    dana = make_user(DANA)
    link = accept_path(invite(org_a, DANA, alice))
    page = client.get(link)
    assert "Sign in to accept" in text(page)
    assert "Create your account" not in text(page)
    signed_in = post_login(client, DANA, password, next_url=link)
    assert signed_in["Location"] == link
    assert "Accept the invitation" in text(client.get(link))
    assert not Membership.objects.filter(user=dana).exists()
    response = client.post(link)
    assert response["Location"] == "/accounts/organisations/alpha/"
    assert Membership.objects.get(user=dana, organisation=org_a).role == "member"


def test_another_account_cannot_accept(
    client_for: Any, alice: User, bob: User, org_a: Organisation, make_user: Any
) -> None:
    make_user(DANA)
    link = accept_path(invite(org_a, DANA, alice))
    client = client_for(bob)
    page = text(client.get(link))
    assert "This invitation is for dana@example.org" in page
    assert "Accept the invitation" not in page
    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(organisation=org_a, user=bob).exists()
    assert Invitation.objects.get().state == "pending"


def test_a_deactivated_account_cannot_accept(
    alice: User, org_a: Organisation, make_user: Any
) -> None:
    gone = make_user(DANA, is_active=False)
    token = invite(org_a, DANA, alice)
    with pytest.raises(services.WrongAccount):
        services.accept_invitation(token=token, user=gone)


def test_someone_already_a_member_cannot_be_invited_or_accept_twice(
    alice: User, carol: User, org_a: Organisation, make_user: Any
) -> None:
    with pytest.raises(services.AlreadyMember, match="already a member of Alpha"):
        services.invite_to_organisation(
            organisation=org_a, email=carol.email, role="member", actor=alice
        )
    dana = make_user(DANA)
    token = invite(org_a, DANA, alice)
    services.add_member(organisation=org_a, user=dana, role="member")
    with pytest.raises(services.AlreadyMember):
        services.accept_invitation(token=token, user=dana)


def test_the_new_account_form_explains_what_is_wrong(
    client: Client, alice: User, org_a: Organisation
) -> None:
    link = accept_path(invite(org_a, DANA, alice))
    differ = client.post(
        link, {"full_name": "D", "password": "a long passphrase", "password_again": "another"}
    )
    assert differ.status_code == 422
    assert "differ" in " ".join(differ.context["form"].errors["password_again"])
    weak = client.post(link, {"full_name": "D", "password": "123", "password_again": "123"})
    assert weak.status_code == 422
    assert weak.context["form"].errors["password"]
    assert not User.objects.filter(email=DANA).exists()
    assert Invitation.objects.get().state == "pending"


def test_bad_roles_are_refused_by_the_services(
    alice: User, org_a: Organisation, secretariat: User
) -> None:
    with pytest.raises(services.InvalidInput, match="Choose a role") as refused:
        services.invite_to_organisation(organisation=org_a, email=DANA, role="owner", actor=alice)
    assert refused.value.field == "role"
    with pytest.raises(services.InvalidInput, match="observer or secretariat"):
        services.invite_to_instance(email=DANA, instance_role="", actor=secretariat)
    with pytest.raises(services.InvalidInput, match="valid email"):
        services.invite_to_organisation(organisation=org_a, email="no", role="member", actor=alice)
    assert not Invitation.objects.exists()


# Revoking ------------------------------------------------------------------------------


def test_an_org_admin_revokes_a_waiting_invitation(
    client_for: Any, client: Client, alice: User, carol: User, bob: User, org_a: Organisation
) -> None:
    link = accept_path(invite(org_a, DANA, alice))
    invitation = Invitation.objects.get()
    url = f"/accounts/invitations/{invitation.pk}/revoke/"
    assert client_for(carol).post(url).status_code == 404
    assert client_for(bob).post(url).status_code == 404
    response = client_for(alice).post(url)
    assert response["Location"] == "/accounts/organisations/alpha/"
    assert flashed(response) == [f"The invitation of {DANA} is revoked."]
    assert client.get(link).status_code == 409
    assert client_for(alice).post(url).status_code == 409
    [event] = Event.objects.filter(tag="accounts:invitation:revoke")
    assert event.actor == alice
    assert event.data["superseded"] is False


def test_revoke_is_refused_to_whoever_does_not_run_the_organisation(
    alice: User, carol: User, org_a: Organisation
) -> None:
    invite(org_a, DANA, alice)
    with pytest.raises(services.NotAllowed):
        services.revoke_invitation(invitation=Invitation.objects.get(), actor=carol)


# Observers and secretariat admins ------------------------------------------------------


@pytest.fixture
def sec_client(secretariat: User) -> Client:
    give_confirmed_totp(secretariat)
    return verified_client(secretariat)


def test_the_secretariat_invites_an_observer_who_creates_an_account(
    sec_client: Client, secretariat: User, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    page = sec_client.get("/accounts/invitations/")
    assert page.status_code == 200
    response = sec_client.post(
        "/accounts/invitations/", {"email": "Olga@Gov.Example", "instance_role": "observer"}
    )
    assert response["Location"] == "/accounts/invitations/"
    assert flashed(response) == ["An invitation was sent to olga@gov.example."]
    assert "olga@gov.example" in text(sec_client.get("/accounts/invitations/"))
    link = invitation_link("olga@gov.example")
    assert "“Observer”" in text(client.get(link))
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            link,
            {
                "full_name": "Olga",
                "password": "a long new passphrase",
                "password_again": "a long new passphrase",
            },
        )
    assert accepted["Location"] == "/start/"
    olga = User.objects.get(email="olga@gov.example")
    assert olga.is_observer
    assert not olga.memberships.exists()
    # The inviter is told.
    assert Notification.objects.filter(recipient=secretariat, kind="accounts:invitation:accept")


def test_an_invited_secretariat_admin_must_set_up_two_factor_first(
    secretariat: User, client: Client
) -> None:
    services.invite_to_instance(
        email="sam@accord.example", instance_role="secretariat", actor=secretariat
    )
    link = invitation_link("sam@accord.example")
    client.post(
        link,
        {
            "full_name": "Sam",
            "password": "a long new passphrase",
            "password_again": "a long new passphrase",
        },
    )
    assert User.objects.get(email="sam@accord.example").is_secretariat
    assert client.get("/accounts/applications/")["Location"] == "/accounts/two-factor/setup/"


def test_only_the_secretariat_invites_to_the_instance(
    client_for: Any, alice: User, make_user: Any, secretariat: User
) -> None:
    with pytest.raises(services.NotAllowed):
        services.invite_to_instance(email=DANA, instance_role="observer", actor=alice)
    assert client_for(alice).get("/accounts/invitations/").status_code == 403
    make_user("olga@gov.example", instance_role=User.InstanceRole.OBSERVER)
    with pytest.raises(services.AlreadyMember, match="already an observer"):
        services.invite_to_instance(
            email="olga@gov.example", instance_role="observer", actor=secretariat
        )


def test_the_instance_invitation_form_explains_what_is_wrong(sec_client: Client) -> None:
    response = sec_client.post("/accounts/invitations/", {"email": "x", "instance_role": "king"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"email", "instance_role"}


def test_an_account_with_another_instance_role_keeps_it(secretariat: User, make_user: Any) -> None:
    olga = make_user("olga@gov.example", instance_role=User.InstanceRole.OBSERVER)
    services.invite_to_instance(email=olga.email, instance_role="secretariat", actor=secretariat)
    with pytest.raises(services.InvitationClosed, match="already has the role"):
        services.accept_invitation(token=invitation_token(olga.email), user=olga)
    olga.refresh_from_db()
    assert olga.is_observer
    me = secretariat
    services.invite_to_instance(email="sec2@accord.example", instance_role="observer", actor=me)
    sec2 = make_user("sec2@accord.example", instance_role=User.InstanceRole.SECRETARIAT)
    with pytest.raises(services.InvitationClosed):
        services.accept_invitation(token=invitation_token(sec2.email), user=sec2)


def test_an_instance_role_given_meanwhile_is_not_given_twice(
    secretariat: User, make_user: Any
) -> None:
    services.invite_to_instance(email=DANA, instance_role="observer", actor=secretariat)
    dana = make_user(DANA, instance_role=User.InstanceRole.OBSERVER)
    with pytest.raises(services.AlreadyMember, match="already an observer"):
        services.accept_invitation(token=invitation_token(DANA), user=dana)


def test_the_secretariat_revokes_an_instance_invitation(
    sec_client: Client, secretariat: User
) -> None:
    services.invite_to_instance(
        email="olga@gov.example", instance_role="observer", actor=secretariat
    )
    invitation = Invitation.objects.get()
    response = sec_client.post(f"/accounts/invitations/{invitation.pk}/revoke/")
    assert response["Location"] == "/accounts/invitations/"
    assert Invitation.objects.get().state == "revoked"


# The secret is kept as a digest only ---------------------------------------------------


def _everything_stored() -> str:
    """Every row of every model of the instance, as text."""
    rows = [
        str(row)
        for model in apps.get_models()
        for row in model._default_manager.values_list()  # type: ignore[attr-defined]
    ]
    return "\n".join(rows)


@override_settings(ACCORD_EMAIL_ENABLED=True)
def test_the_raw_secret_is_never_stored_once_the_email_is_delivered(
    alice: User, org_a: Organisation, monkeypatch: Any
) -> None:
    token = invite(org_a, DANA, alice)
    secret = token.split(".")[1]
    stored = Invitation.objects.values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert not any(secret in str(event.data) for event in Event.objects.all())
    # Until delivery the outbox holds the email; once the server took it, nothing does.
    sent: list[Message] = []
    monkeypatch.setattr(mail, "send", sent.append)
    notifications.deliver_message(message_id=last_email(DANA, "accounts:invitation:create").pk)
    assert sent
    assert secret not in _everything_stored()
    services.accept_invitation_with_new_account(token=token, password="a long new passphrase")
    assert secret not in _everything_stored()


# The API -------------------------------------------------------------------------------


def test_an_admins_token_invites_and_lists_invitations(
    client: Client, alice: User, org_a: Organisation, make_user: Any
) -> None:
    _, secret = services.create_api_token(user=alice, organisation=org_a, name="ci")
    make_user(DANA)
    answers = [
        client.post(
            "/api/v1/accounts/invitations",
            {"email": email, "role": "member"},
            content_type="application/json",
            **bearer(secret),
        )
        for email in (DANA, "erin@example.org")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == {"detail": f"An invitation was sent to {DANA}."}
    assert answers[1].json() == {"detail": "An invitation was sent to erin@example.org."}
    listed = client.get("/api/v1/accounts/invitations", **bearer(secret)).json()
    assert [row["email"] for row in listed] == ["erin@example.org", DANA]
    refused = client.post(
        "/api/v1/accounts/invitations",
        {"email": "x@example.org", "role": "owner"},
        content_type="application/json",
        **bearer(secret),
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "role"


def test_a_members_token_may_not_invite(client: Client, carol: User, org_a: Organisation) -> None:
    _, secret = services.create_api_token(user=carol, organisation=org_a, name="ci")
    for response in (
        client.get("/api/v1/accounts/invitations", **bearer(secret)),
        client.post(
            "/api/v1/accounts/invitations",
            {"email": DANA},
            content_type="application/json",
            **bearer(secret),
        ),
    ):
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accepting_an_invitation_confirms_the_address(
    alice: User, org_a: Organisation, make_user: Any
) -> None:
    dana = make_user(DANA)
    User.objects.filter(pk=dana.pk).update(email_verified_at=None)
    token = invite(org_a, DANA, alice)
    services.accept_invitation(token=token, user=dana)
    dana.refresh_from_db()
    assert dana.has_verified_email
    new = services.accept_invitation_with_new_account(
        token=invite(org_a, "erin@example.org", alice),
        password="a long pass phrase 42",
    )
    assert new.has_verified_email
