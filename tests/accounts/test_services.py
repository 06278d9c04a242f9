"""Account services: the rules they enforce and the audit events they record."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts import services
from accord.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    TotpDevice,
    User,
)
from accord.audit.models import Event
from tests.accounts.helpers import NON_ASCII_CODES, give_confirmed_totp, totp_code, wrong_code


def events(tag: str) -> list[Event]:
    return list(Event.objects.filter(tag=tag))


def audit_text() -> str:
    return json.dumps([event.data for event in Event.objects.all()])


# People ------------------------------------------------------------------------------


def test_create_user_stores_a_lower_case_email_and_records_an_event(
    db: None, password: str
) -> None:
    user = services.create_user(email="  Dana@Example.ORG ", password=password, full_name="Dana")
    assert user.email == "dana@example.org"
    assert user.check_password(password)
    [event] = events("accounts:user:create")
    assert event.data == {"email": "dana@example.org", "instance_role": ""}
    assert password not in audit_text()


def test_create_user_refuses_an_email_taken_in_another_case(db: None, password: str) -> None:
    services.create_user(email="dana@example.org", password=password)
    with pytest.raises(services.EmailTaken, match="already exists"):
        services.create_user(email="DANA@example.org", password=password)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("bad_password", "message"),
    [
        ("short", "too short"),
        ("password1234", "too common"),
        ("839274619283746", "entirely numeric"),
        ("x" * 5000, "at most 4096"),
    ],
)
def test_create_user_refuses_weak_passwords_with_the_reason(
    db: None, bad_password: str, message: str
) -> None:
    with pytest.raises(services.WeakPassword, match=message):
        services.create_user(email="dana@example.org", password=bad_password)
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b@example.org", "x" * 300 + "@e.org"])
def test_create_user_refuses_invalid_email(db: None, password: str, email: str) -> None:
    with pytest.raises(services.AccountError, match="valid email"):
        services.create_user(email=email, password=password)


def test_create_user_refuses_an_over_long_name(db: None, password: str) -> None:
    with pytest.raises(services.AccountError, match="at most 200"):
        services.create_user(email="d@example.org", password=password, full_name="n" * 201)


def test_passwords_are_stored_with_argon2(db: None, settings: Any, password: str) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.create_user(email="dana@example.org", password=password)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert password not in user.password
    assert user.check_password(password)


def test_create_secretariat_admin(db: None, password: str) -> None:
    admin = services.create_secretariat_admin(email="Sec@Accord.example", password=password)
    assert admin.is_secretariat
    assert events("accounts:user:create")[0].data["instance_role"] == "secretariat"


def test_create_secretariat_admin_reports_duplicates_and_weak_passwords(
    db: None, password: str
) -> None:
    services.create_secretariat_admin(email="sec@accord.example", password=password)
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_secretariat_admin(email="sec@accord.example", password=password)
    with pytest.raises(services.AccountError, match="too short"):
        services.create_secretariat_admin(email="other@accord.example", password="abc")


# Organisations and memberships ------------------------------------------------------------


def test_create_organisation(db: None) -> None:
    org = services.create_organisation(
        name=" Gamma Telecom ", slug="Gamma", country="nl", size_band="large", sector="telecoms"
    )
    assert (org.name, org.slug, org.country) == ("Gamma Telecom", "gamma", "NL")
    [event] = events("accounts:organisation:create")
    assert event.organisation_id == org.pk


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Alpha Systems", "slug": "alpha2"}, "name already exists"),
        ({"name": "ALPHA SYSTEMS", "slug": "alpha2"}, "name already exists"),
        ({"name": "Gamma", "slug": "alpha"}, "Slug already exists"),
        ({"name": "Gamma", "slug": "not a slug!"}, "slug"),
        ({"name": "", "slug": "gamma"}, "cannot be blank"),
        ({"name": "G" * 201, "slug": "gamma"}, "at most 200"),
        ({"name": "Gamma", "slug": "gamma", "country": "NLD"}, "two-letter"),
        ({"name": "Gamma", "slug": "gamma", "size_band": "huge"}, "not a valid choice"),
        ({"name": "Gamma", "slug": "gamma", "website": "javascript:alert(1)"}, "valid URL"),
    ],
)
def test_create_organisation_refuses_bad_input(
    org_a: Organisation, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(services.AccountError, match=message):
        services.create_organisation(**fields)  # type: ignore[arg-type]


def test_only_the_secretariat_admits_organisations(alice: User, secretariat: User) -> None:
    with pytest.raises(services.NotAllowed):
        services.create_organisation(name="Gamma", slug="gamma", actor=alice)
    org = services.create_organisation(name="Gamma", slug="gamma", actor=secretariat)
    assert events("accounts:organisation:create")[0].actor_label == secretariat.email
    assert org.pk


def test_add_member_checks_role_duplicates_and_the_actor(
    alice: User, bob: User, org_a: Organisation, make_user: Any
) -> None:
    dana = make_user("dana@example.org")
    with pytest.raises(services.AccountError, match="Choose a role"):
        services.add_member(organisation=org_a, user=dana, role="owner", actor=alice)
    with pytest.raises(services.NotAllowed):
        services.add_member(organisation=org_a, user=dana, role="member", actor=bob)
    services.add_member(organisation=org_a, user=dana, role="member", actor=alice)
    with pytest.raises(services.AlreadyMember):
        services.add_member(organisation=org_a, user=dana, role="member", actor=alice)
    [event] = events("accounts:membership:create")
    assert event.data == {"email": "dana@example.org", "role": "member"}


def test_a_member_may_not_invite(bob: User, org_b: Organisation, make_user: Any) -> None:
    make_user("dana@example.org")
    with pytest.raises(services.NotAllowed):
        services.invite_to_organisation(
            organisation=org_b, email="dana@example.org", role="org_admin", actor=bob
        )


def test_removing_a_member_revokes_their_tokens_for_that_organisation(
    alice: User, carol: User, org_a: Organisation, org_b: Organisation
) -> None:
    alpha_token, _ = services.create_api_token(user=carol, organisation=org_a, name="a")
    beta_token, _ = services.create_api_token(user=carol, organisation=org_b, name="b")
    services.remove_member(organisation=org_a, user=carol, actor=alice)
    alpha_token.refresh_from_db()
    beta_token.refresh_from_db()
    assert alpha_token.revoked_at is not None
    assert beta_token.revoked_at is None
    assert not Membership.objects.filter(user=carol, organisation=org_a).exists()
    assert events("accounts:membership:delete")[0].data["tokens_revoked"] == 1


# API tokens ----------------------------------------------------------------------------


def test_token_secret_is_returned_once_and_only_its_digest_is_stored(
    alice: User, org_a: Organisation
) -> None:
    token, secret = services.create_api_token(user=alice, organisation=org_a, name="ci")
    assert secret.startswith("acc_")
    assert len(secret) >= 40
    token.refresh_from_db()
    assert token.prefix == secret[:8]
    assert token.digest == ApiToken.digest_of(secret)
    stored = [str(value) for value in ApiToken.objects.values().get(pk=token.pk).values()]
    assert secret not in stored
    assert secret not in audit_text()
    assert token.digest not in audit_text()
    [event] = events("accounts:token:create")
    assert event.data["name"] == "ci"
    assert event.organisation_id == org_a.pk


def test_tokens_are_only_for_members(bob: User, secretariat: User, org_a: Organisation) -> None:
    for user in (bob, secretariat):
        with pytest.raises(services.NotAllowed):
            services.create_api_token(user=user, organisation=org_a, name="x")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
def test_token_name_must_be_given_and_short(alice: User, org_a: Organisation, name: str) -> None:
    with pytest.raises(services.AccountError, match="name of 1 to 100"):
        services.create_api_token(user=alice, organisation=org_a, name=name)


def test_token_expiry_must_be_in_the_future(alice: User, org_a: Organisation) -> None:
    with pytest.raises(services.AccountError, match="future"):
        services.create_api_token(
            user=alice, organisation=org_a, name="x", expires_at=timezone.now()
        )


def test_revoke_token(alice_token: tuple[ApiToken, str], alice: User, bob: User) -> None:
    token, _ = alice_token
    with pytest.raises(services.NotAllowed):
        services.revoke_api_token(token=token, actor=bob)
    services.revoke_api_token(token=token, actor=alice)
    services.revoke_api_token(token=token, actor=alice)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert len(events("accounts:token:revoke")) == 1


def test_an_org_admin_may_revoke_a_members_token(
    alice: User, carol: User, org_a: Organisation
) -> None:
    token, _ = services.create_api_token(user=carol, organisation=org_a, name="c")
    services.revoke_api_token(token=token, actor=alice)
    assert not ApiToken.objects.get(pk=token.pk).is_active


def test_use_api_token(alice_token: tuple[ApiToken, str]) -> None:
    token, secret = alice_token
    assert services.use_api_token(secret=secret) == token
    assert services.use_api_token(secret=secret + "x") is None
    assert services.use_api_token(secret=secret.replace("acc_", "xyz_", 1)) is None
    assert services.use_api_token(secret="acc_" + "a" * 500) is None


def test_token_use_is_noted_at_most_once_a_minute(alice_token: tuple[ApiToken, str]) -> None:
    token, secret = alice_token
    recently = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recently)
    services.use_api_token(secret=secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == recently
    earlier = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    services.use_api_token(secret=secret)
    last_used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert last_used is not None
    assert last_used > earlier


# Two-factor authentication ----------------------------------------------------------


def test_enrolment_starts_unconfirmed_and_keeps_a_recent_pending_secret(alice: User) -> None:
    device = services.start_totp_enrolment(user=alice)
    assert not device.is_confirmed
    assert services.start_totp_enrolment(user=alice).secret == device.secret
    TotpDevice.objects.filter(pk=device.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert services.start_totp_enrolment(user=alice).secret != device.secret
    assert TotpDevice.objects.count() == 1


def test_each_new_enrolment_is_recorded_without_its_secret(alice: User) -> None:
    device = services.start_totp_enrolment(user=alice)
    services.start_totp_enrolment(user=alice)  # the same pending set-up: no new event
    TotpDevice.objects.filter(pk=device.pk).update(created_at=timezone.now() - timedelta(hours=2))
    replacement = services.start_totp_enrolment(user=alice)

    first, second = events("accounts:totp:enrol")
    assert (first.actor, first.object_id) == (alice, str(alice.pk))
    assert (first.data, second.data) == ({"replaced_pending": False}, {"replaced_pending": True})
    assert device.secret not in audit_text()
    assert replacement.secret not in audit_text()


def test_confirm_totp(alice: User) -> None:
    device = services.start_totp_enrolment(user=alice)
    with pytest.raises(services.InvalidCode):
        services.confirm_totp(user=alice, code=wrong_code(device.secret))
    services.confirm_totp(user=alice, code=totp_code(device.secret))
    assert TotpDevice.objects.get(user=alice).is_confirmed
    assert len(events("accounts:totp:enable")) == 1
    assert device.secret not in audit_text()
    with pytest.raises(services.AccountError, match="already on"):
        services.start_totp_enrolment(user=alice)


def test_confirm_without_enrolment_fails(alice: User) -> None:
    with pytest.raises(services.AccountError, match="Start two-factor"):
        services.confirm_totp(user=alice, code="123456")


def test_verify_totp_refuses_a_reused_code(alice: User) -> None:
    secret = give_confirmed_totp(alice)
    code = totp_code(secret)
    assert services.verify_totp(user=alice, code=code)
    assert not services.verify_totp(user=alice, code=code)


def test_verify_totp_accepts_one_step_of_drift_and_no_more(alice: User) -> None:
    secret = give_confirmed_totp(alice)
    assert not services.verify_totp(user=alice, code=totp_code(secret, steps_ahead=-3))
    assert not services.verify_totp(user=alice, code=totp_code(secret, steps_ahead=3))
    assert services.verify_totp(user=alice, code=totp_code(secret, steps_ahead=1))
    # Once a later step is used, an earlier one is refused too.
    assert not services.verify_totp(user=alice, code=totp_code(secret))


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", *NON_ASCII_CODES, "12 34 5"])
def test_verify_totp_refuses_malformed_codes(alice: User, code: str) -> None:
    give_confirmed_totp(alice)
    assert not services.verify_totp(user=alice, code=code)


def test_verify_totp_refuses_an_unconfirmed_device(alice: User) -> None:
    device = services.start_totp_enrolment(user=alice)
    assert not services.verify_totp(user=alice, code=totp_code(device.secret))


def test_disable_totp(alice: User) -> None:
    secret = give_confirmed_totp(alice)
    with pytest.raises(services.InvalidCode):
        services.disable_totp(user=alice, code="abcdef")
    services.disable_totp(user=alice, code=totp_code(secret))
    assert not TotpDevice.objects.filter(user=alice).exists()
    assert len(events("accounts:totp:disable")) == 1


def test_secretariat_admins_cannot_disable_totp(secretariat: User) -> None:
    secret = give_confirmed_totp(secretariat)
    with pytest.raises(services.NotAllowed, match="must keep"):
        services.disable_totp(user=secretariat, code=totp_code(secret))
    assert TotpDevice.objects.filter(user=secretariat).exists()
