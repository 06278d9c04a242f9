"""Joining end to end through the site: an organisation applies, the secretariat signs in
and admits it, the contact follows the invitation from the outbox and becomes the
organisation's first admin, with the domains it applied with."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pyotp
from django.test import Client

from accord.accounts.models import Membership, Organisation, TotpDevice, User
from accord.audit.models import Event
from accord.notifications import selectors as notifications
from tests.accounts.helpers import post_code, post_login, totp_code
from tests.accounts.onboarding import application_data

GRACE = "grace@gamma.example"


def text(response: Any) -> str:
    return response.content.decode()


def link_from_outbox(reader: User, to: str, kind: str) -> str:
    """The link in the newest email of `kind` to `to`, as the secretariat reads the outbox."""
    message = notifications.outbox(reader).filter(to_address=to, kind=kind).first()
    assert message is not None, f"no {kind} email to {to} in the outbox"
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def sign_in_as_secretariat(secretariat: User, password: str) -> Client:
    """Sign in for real: password, then the code from the admin's authenticator."""
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=secretariat).update(secret=secret)
    client = Client()
    post_login(client, secretariat.email, password)
    assert post_code(client, totp_code(secret)).status_code == 302
    return client


def test_apply_admit_accept_and_run_the_organisation(
    secretariat: User, password: str, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = Client()
    assert applicant.post("/accounts/apply/", application_data()).status_code == 302
    status = link_from_outbox(secretariat, GRACE, "accounts:application:submit")
    assert "Waiting for review" in text(applicant.get(status))

    desk = sign_in_as_secretariat(secretariat, password)
    queue = text(desk.get("/accounts/applications/"))
    assert "Gamma Water" in queue
    application_id = re.search(r'href="/accounts/applications/(\d+)/"', queue).group(1)  # type: ignore[union-attr]
    assert GRACE in text(desk.get(f"/accounts/applications/{application_id}/"))
    with django_capture_on_commit_callbacks(execute=True):
        admitted = desk.post(
            f"/accounts/applications/{application_id}/admit/", {"reason": "Welcome aboard."}
        )
    assert admitted.status_code == 302
    assert "Admitted" in text(applicant.get(status))
    assert "Welcome aboard." in text(applicant.get(status))

    invitation = link_from_outbox(secretariat, GRACE, "accounts:invitation:create")
    grace = Client()
    assert "Create your account" in text(grace.get(invitation))
    new_account = {
        "full_name": "Grace Gamma",
        "password": "gamma water passphrase",
        "password_again": "gamma water passphrase",
    }
    with django_capture_on_commit_callbacks(execute=True):
        joined = grace.post(invitation, new_account, follow=True)
    assert joined.redirect_chain[-1][0] == "/accounts/organisations/gamma-water/"
    page = text(joined)
    assert "you joined Gamma Water" in page
    assert "gamma.example" in page
    assert "www.gamma.example" in page
    assert "Invite a person" in page

    organisation = Organisation.objects.get(slug="gamma-water")
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user.email, membership.role) == (GRACE, "org_admin")
    assert grace.get(invitation).status_code == 409  # used once
    # The first admin invites a colleague in turn.
    invited = grace.post(
        "/accounts/organisations/gamma-water/invitations/",
        {"email": "hal@gamma.example", "role": "member"},
        follow=True,
    )
    assert "An invitation was sent to hal@gamma.example." in text(invited)
    assert notifications.inbox(secretariat).filter(kind="accounts:invitation:accept").exists()
    tags = set(Event.objects.values_list("tag", flat=True))
    assert {
        "accounts:application:submit",
        "accounts:application:admit",
        "accounts:organisation:create",
        "accounts:invitation:create",
        "accounts:invitation:accept",
        "accounts:membership:create",
        "evidence:domain:add",
    } <= tags
