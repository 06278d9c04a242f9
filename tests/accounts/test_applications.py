"""Applying to join: the public form, the private status link, the secretariat's queue,
admission and decline, each audited and told to the applicant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts import capabilities, selectors, services
from accord.accounts.hooks import APPLICATION_ADMITTED, ApplicationAdmitted
from accord.accounts.models import Application, Invitation, Organisation, User
from accord.audit.models import Event
from accord.notifications.models import Notification
from tests.accounts.helpers import give_confirmed_totp, verified_client
from tests.accounts.onboarding import (
    application_data,
    apply,
    emails_to,
    last_email,
    link_in,
    token_in,
)

pytestmark = pytest.mark.django_db
GRACE = "grace@gamma.example"


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def reviewer(secretariat: User) -> Client:
    give_confirmed_totp(secretariat)
    return verified_client(secretariat)


# Submitting ----------------------------------------------------------------------------


def test_an_application_is_recorded_and_its_contact_emailed_a_private_status_link(
    secretariat: User,
) -> None:
    application = apply()
    assert application.state == Application.State.PENDING
    assert application.domains == ["gamma.example", "www.gamma.example"]
    assert (application.country, application.contact_email) == ("NL", GRACE)
    email = last_email(GRACE, "accounts:application:submit")
    assert email.carries_secret
    assert link_in(email).startswith("/accounts/apply/status/")
    assert selectors.application_by_token(token_in(email)) == application
    [event] = Event.objects.filter(tag="accounts:application:submit")
    assert event.data["domains"] == ["gamma.example", "www.gamma.example"]
    # The secretariat is told there is one to review.
    [note] = Notification.objects.filter(recipient=secretariat)
    assert note.link == f"/accounts/applications/{application.pk}/"


def test_only_the_digest_of_the_status_link_is_stored(secretariat: User) -> None:
    application = apply()
    secret = token_in(last_email(GRACE, "accounts:application:submit")).split(".")[1]
    application.refresh_from_db()
    assert application.digest == capabilities.digest_of(secret)
    stored = Application.objects.filter(pk=application.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert not any(secret in str(event.data) for event in Event.objects.all())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "organisation's name"),
        ({"domains": ""}, "domains", "at least one domain"),
        ({"domains": "https://gamma.example/"}, "domains", "looks like a URL"),
        ({"domains": " ".join(f"d{n}.example" for n in range(21))}, "domains", "at most 20"),
        ({"sector": ""}, "sector", "sector"),
        ({"country": "Netherlands"}, "country", "two-letter"),
        ({"country": ""}, "country", "Choose the country"),
        ({"size_band": "huge"}, "size_band", "not a valid choice"),
        ({"contact_name": ""}, "contact_name", "contact's name"),
        ({"contact_email": "not an address"}, "contact_email", "valid email"),
    ],
)
def test_the_service_refuses_what_is_not_acceptable_and_names_the_field(
    changes: dict[str, str], field: str, message: str
) -> None:
    data = application_data(**changes)
    with pytest.raises(services.InvalidInput, match=message) as refused:
        services.submit_application(**data)
    assert refused.value.field == field
    assert not Application.objects.exists()


def test_domains_are_normalised_and_named_once() -> None:
    application = apply(domains="Gamma.Example., gamma.example; Bücher.example")
    assert application.domains == ["gamma.example", "xn--bcher-kva.example"]


# The public form -----------------------------------------------------------------------


def test_the_form_is_public_and_sends_the_applicant_to_a_thank_you_page(client: Client) -> None:
    assert client.get("/accounts/apply/").status_code == 200
    response = client.post("/accounts/apply/", application_data())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/apply/sent/"
    assert "emailed the contact person a private link" in text(client.get(response["Location"]))
    assert Application.objects.get().submitted_ip == "127.0.0.1"


def test_the_form_shows_each_problem_next_to_its_field(client: Client) -> None:
    data = application_data(domains="bad_name.example", country="NLD", contact_email="x")
    response = client.post("/accounts/apply/", data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "not allowed in a host name" in " ".join(errors["domains"])
    assert "two-letter" in " ".join(errors["country"])
    assert "valid email" in " ".join(errors["contact_email"])
    assert not Application.objects.exists()


def test_the_form_is_limited_per_contact_address_and_per_ip(client: Client, settings: Any) -> None:
    settings.ACCORD_APPLICATIONS_PER_EMAIL_PER_DAY = 2
    settings.ACCORD_APPLICATIONS_PER_ADDRESS_PER_DAY = 3
    for _ in range(2):
        assert client.post("/accounts/apply/", application_data()).status_code == 302
    refused = client.post("/accounts/apply/", application_data())
    assert refused.status_code == 429
    assert "Too many applications" in text(refused)
    other = application_data(contact_email="other@gamma.example")
    assert client.post("/accounts/apply/", other).status_code == 302
    elsewhere = application_data(contact_email="third@gamma.example")
    assert client.post("/accounts/apply/", elsewhere).status_code == 429
    assert client.post("/accounts/apply/", elsewhere, REMOTE_ADDR="192.0.2.9").status_code == 302
    assert Application.objects.count() == 4


def test_the_limit_counts_only_the_last_day() -> None:
    apply()
    Application.objects.update(submitted_at=timezone.now() - timedelta(days=2))
    assert not selectors.applications_limited(email=GRACE, ip=None)


# The status page -----------------------------------------------------------------------


def test_the_status_link_shows_the_state_and_a_bad_link_shows_nothing(
    client: Client, secretariat: User
) -> None:
    application = apply()
    path = link_in(last_email(GRACE, "accounts:application:submit"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Waiting for review" in text(page)
    assert "gamma.example" in text(page)
    services.decline_application(application=application, actor=secretariat, reason="Not a CNI.")
    page = text(client.get(path))
    assert "Declined" in page
    assert "Not a CNI." in page
    key, secret = token_in(last_email(GRACE, "accounts:application:submit")).split(".")
    for bad in (f"{key}.{secret[:-1]}x", f"{key}x.{secret}", "nothing", "a.b.c", "x" * 200):
        assert client.get(f"/accounts/apply/status/{bad}/").status_code == 404


# Deciding ------------------------------------------------------------------------------


def test_admission_creates_the_organisation_and_invites_the_contact_as_first_admin(
    secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    application = apply()
    heard: list[ApplicationAdmitted] = []
    APPLICATION_ADMITTED.subscribe(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            organisation = services.admit_application(
                application=application, actor=secretariat, reason="Welcome."
            )
    finally:
        APPLICATION_ADMITTED._handlers.remove(heard.append)
    assert (organisation.name, organisation.slug, organisation.sector) == (
        "Gamma Water",
        "gamma-water",
        "water",
    )
    assert (organisation.country, organisation.size_band) == ("NL", "medium")
    application.refresh_from_db()
    assert application.state == Application.State.ADMITTED
    assert (application.organisation, application.decided_by) == (organisation, secretariat)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.organisation, invitation.role) == (
        GRACE,
        organisation,
        "org_admin",
    )
    assert heard == [
        ApplicationAdmitted(
            application_id=application.pk,
            organisation_id=organisation.pk,
            domains=("gamma.example", "www.gamma.example"),
            actor_id=secretariat.pk,
        )
    ]
    decision = last_email(GRACE, "accounts:application:admit")
    assert "admitted" in decision.body
    assert "Welcome." in decision.body
    assert link_in(last_email(GRACE, "accounts:invitation:create")).startswith(
        "/accounts/invitations/accept/"
    )
    [event] = Event.objects.filter(tag="accounts:application:admit")
    assert (event.actor, event.organisation_id) == (secretariat, organisation.pk)


def test_decline_needs_a_reason_and_tells_the_applicant(secretariat: User) -> None:
    application = apply()
    with pytest.raises(services.InvalidInput, match="Say why") as refused:
        services.decline_application(application=application, actor=secretariat, reason=" ")
    assert refused.value.field == "reason"
    services.decline_application(
        application=application, actor=secretariat, reason="Outside our sector."
    )
    application.refresh_from_db()
    assert (application.state, application.reason) == ("declined", "Outside our sector.")
    assert "Outside our sector." in last_email(GRACE, "accounts:application:decline").body
    assert not Organisation.objects.filter(name="Gamma Water").exists()
    [event] = Event.objects.filter(tag="accounts:application:decline")
    assert event.data == {"name": "Gamma Water", "reason": "Outside our sector."}


def test_an_application_is_decided_once(secretariat: User) -> None:
    application = apply()
    services.decline_application(application=application, actor=secretariat, reason="No.")
    with pytest.raises(services.ApplicationDecided, match="declined already"):
        services.admit_application(application=application, actor=secretariat)
    with pytest.raises(services.ApplicationDecided):
        services.decline_application(application=application, actor=secretariat, reason="No.")


def test_only_the_secretariat_decides(alice: User, make_user: Any) -> None:
    application = apply()
    observer = make_user("obs@gov.example", instance_role=User.InstanceRole.OBSERVER)
    for actor in (alice, observer):
        with pytest.raises(services.NotAllowed):
            services.admit_application(application=application, actor=actor)
        with pytest.raises(services.NotAllowed):
            services.decline_application(application=application, actor=actor, reason="x")
    assert Application.objects.get().state == "pending"


def test_a_reason_has_a_length_limit(secretariat: User) -> None:
    application = apply()
    with pytest.raises(services.InvalidInput, match="at most 2000"):
        services.admit_application(application=application, actor=secretariat, reason="x" * 2001)


def test_admission_finds_a_free_slug_and_refuses_a_taken_name(
    secretariat: User, org_a: Organisation
) -> None:
    Organisation.objects.create(name="Gamma-Water Ltd", slug="gamma-water")
    organisation = services.admit_application(application=apply(), actor=secretariat)
    assert organisation.slug == "gamma-water-2"
    with pytest.raises(services.InvalidInput, match="already exists"):
        services.admit_application(application=apply(name="alpha systems"), actor=secretariat)
    # Nothing of the refused admission stays: the application still waits.
    assert Application.objects.filter(name="alpha systems", state="pending").exists()


def test_a_name_without_letters_still_gets_a_slug(secretariat: User) -> None:
    organisation = services.admit_application(application=apply(name="株式会社"), actor=secretariat)
    assert organisation.slug == "organisation"


# The queue -----------------------------------------------------------------------------


def test_the_queue_is_the_secretariats_newest_first_paged_and_filtered(
    reviewer: Client, secretariat: User
) -> None:
    for n in range(30):
        apply(name=f"Applicant {n:02d}", contact_email=f"c{n}@example.org")
    services.decline_application(
        application=Application.objects.get(name="Applicant 00"), actor=secretariat, reason="No."
    )
    first = reviewer.get("/accounts/applications/")
    assert first.status_code == 200
    page = first.context["queue"].page
    assert [a.name for a in page.object_list][:2] == ["Applicant 29", "Applicant 28"]
    assert page.paginator.count == 29  # pending ones, by default
    assert "29 waiting for review" in text(first)
    second = reviewer.get("/accounts/applications/?state=pending&page=2")
    assert [a.name for a in second.context["queue"].page.object_list] == [
        "Applicant 04",
        "Applicant 03",
        "Applicant 02",
        "Applicant 01",
    ]
    declined = reviewer.get("/accounts/applications/?state=declined")
    assert [a.name for a in declined.context["queue"].page.object_list] == ["Applicant 00"]
    everything = reviewer.get("/accounts/applications/?state=")
    assert everything.context["queue"].page.paginator.count == 30
    junk = reviewer.get("/accounts/applications/?state=nonsense&page=x")
    assert junk.status_code == 200
    assert junk.context["queue"].page.number == 1


def test_others_may_not_open_the_queue_or_an_application(
    client_for: Any, alice: User, client: Client
) -> None:
    application = apply()
    for path in ("/accounts/applications/", f"/accounts/applications/{application.pk}/"):
        assert client_for(alice).get(path).status_code == 403
        assert client.get(path).status_code == 302  # to sign-in
    admit = f"/accounts/applications/{application.pk}/admit/"
    assert client_for(alice).post(admit).status_code == 403
    assert Application.objects.get().state == "pending"


def test_the_secretariat_admits_from_the_page(reviewer: Client) -> None:
    application = apply()
    page = reviewer.get(f"/accounts/applications/{application.pk}/")
    assert page.status_code == 200
    assert "Admit" in text(page)
    assert GRACE in text(page)
    response = reviewer.post(f"/accounts/applications/{application.pk}/admit/", {"reason": ""})
    assert response.status_code == 302
    followed = text(reviewer.get(response["Location"]))
    assert f"Gamma Water is admitted. An invitation to be its first admin was sent to {GRACE}" in (
        followed
    )
    assert Organisation.objects.filter(slug="gamma-water").exists()
    again = reviewer.post(f"/accounts/applications/{application.pk}/admit/")
    assert again.status_code == 409


def test_declining_from_the_page_without_a_reason_is_explained(reviewer: Client) -> None:
    application = apply()
    url = f"/accounts/applications/{application.pk}/decline/"
    refused = reviewer.post(url, {"reason": ""})
    assert refused.status_code == 422
    assert "Say why" in " ".join(refused.context["form"].errors["reason"])
    too_long = reviewer.post(url, {"reason": "x" * 2001})
    assert too_long.status_code == 422
    response = reviewer.post(url, {"reason": "Not in scope."})
    assert response.status_code == 302
    assert "is declined" in text(reviewer.get(response["Location"]))
    assert emails_to(GRACE, "accounts:application:decline")


def test_a_refused_admission_is_shown_on_the_page(reviewer: Client, org_a: Organisation) -> None:
    application = apply(name="Alpha Systems")
    response = reviewer.post(f"/accounts/applications/{application.pk}/admit/")
    assert response.status_code == 422
    assert "already exists" in text(response)


def test_an_unknown_application_is_not_found(reviewer: Client) -> None:
    assert reviewer.get("/accounts/applications/999/").status_code == 404
