"""Two-factor recovery codes: given at set-up, stored hashed, single use, regenerable,
accepted at the sign-in step in place of the app's code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accord.accounts import services
from accord.accounts.models import LoginAttempt, RecoveryCode, TotpDevice, User
from accord.audit.models import Event
from tests.accounts.helpers import (
    emails_to,
    give_confirmed_totp,
    is_signed_in,
    post_login,
    totp_code,
    verified_client,
)

RECOVERY = "/accounts/login/recovery/"


def text(response: Any) -> str:
    return response.content.decode()


def turn_on(user: User) -> tuple[str, list[str]]:
    """Two-factor sign-in on for `user`: the authenticator's secret and the codes."""
    device = services.start_totp_enrolment(user=user)
    _, codes = services.confirm_totp(user=user, code=totp_code(device.secret))
    return device.secret, codes


def everything_stored() -> str:
    """Every row the codes could have leaked into, as text."""
    rows = [
        *RecoveryCode.objects.values(),
        *Event.objects.values("data"),
        *LoginAttempt.objects.values(),
    ]
    return str(rows)


# Services ------------------------------------------------------------------------------


def test_set_up_gives_ten_long_codes_stored_only_as_digests(alice: User) -> None:
    _, codes = turn_on(alice)
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[0-9a-z]{4}(-[0-9a-z]{4}){3}", code) for code in codes)
    stored = everything_stored()
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    digests = set(RecoveryCode.objects.filter(user=alice).values_list("digest", flat=True))
    assert digests == {RecoveryCode.digest_of(code) for code in codes}
    assert Event.objects.get(tag="accounts:recovery:issue").data == {"issued": 10, "voided": 0}


def test_a_code_works_once(alice: User) -> None:
    _, codes = turn_on(alice)
    assert services.use_recovery_code(user=alice, code=codes[0])
    assert not services.use_recovery_code(user=alice, code=codes[0])
    assert services.recovery_codes_left(alice) == 9
    event = Event.objects.get(tag="accounts:recovery:use")
    assert event.data == {"left": 9}


def test_using_a_code_tells_the_person(alice: User) -> None:
    _, codes = turn_on(alice)
    services.use_recovery_code(user=alice, code=codes[3])
    [notice] = emails_to(alice.email)
    assert "recovery code was used" in notice.subject
    assert "9 unused codes are left" in notice.body
    assert codes[3] not in notice.body


def test_a_code_is_read_as_typed_whatever_the_case_spaces_and_dashes(alice: User) -> None:
    _, codes = turn_on(alice)
    typed = " " + codes[1].upper().replace("-", " ") + " "
    assert services.use_recovery_code(user=alice, code=typed)


@pytest.mark.parametrize("code", ["", "123456", "not-a-code", "x" * 40, "ilou" * 4])
def test_what_is_not_a_code_is_refused(alice: User, code: str) -> None:
    turn_on(alice)
    assert not services.use_recovery_code(user=alice, code=code)
    assert services.recovery_codes_left(alice) == 10


def test_one_persons_code_does_not_work_for_another(alice: User, bob: User) -> None:
    _, alice_codes = turn_on(alice)
    turn_on(bob)
    assert not services.use_recovery_code(user=bob, code=alice_codes[0])


def test_regenerating_voids_the_old_codes(alice: User) -> None:
    secret, old = turn_on(alice)
    services.use_recovery_code(user=alice, code=old[0])
    new = services.regenerate_recovery_codes(user=alice, code=totp_code(secret, steps_ahead=1))
    assert set(new).isdisjoint(old)
    assert not any(services.use_recovery_code(user=alice, code=code) for code in old[1:])
    assert services.use_recovery_code(user=alice, code=new[0])
    event = Event.objects.get(tag="accounts:recovery:regenerate")
    assert event.data == {"issued": 10, "voided": 9}


def test_regenerating_needs_a_right_code(alice: User) -> None:
    _, old = turn_on(alice)
    with pytest.raises(services.InvalidCode):
        services.regenerate_recovery_codes(user=alice, code="000000")
    assert services.use_recovery_code(user=alice, code=old[0])


def test_a_recovery_code_can_prove_a_regeneration(alice: User) -> None:
    _, old = turn_on(alice)
    new = services.regenerate_recovery_codes(user=alice, code=old[0])
    assert len(new) == 10
    assert services.recovery_codes_left(alice) == 10


def test_no_codes_without_two_factor(alice: User) -> None:
    with pytest.raises(services.TwoFactorState):
        services.regenerate_recovery_codes(user=alice, code="000000")


def test_turning_two_factor_off_voids_the_codes(alice: User) -> None:
    secret, codes = turn_on(alice)
    services.disable_totp(user=alice, code=totp_code(secret, steps_ahead=1))
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert not services.use_recovery_code(user=alice, code=codes[0])


def test_a_lost_authenticator_is_replaced_with_a_recovery_code(alice: User) -> None:
    _, codes = turn_on(alice)
    services.replace_authenticator(user=alice, code=codes[0])
    assert not TotpDevice.objects.filter(user=alice).exists()
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert Event.objects.filter(tag="accounts:totp:replace").count() == 1


def test_replacing_needs_a_right_code(alice: User) -> None:
    turn_on(alice)
    with pytest.raises(services.InvalidCode):
        services.replace_authenticator(user=alice, code="aaaa-aaaa-aaaa-aaaa")
    assert TotpDevice.objects.filter(user=alice).exists()


# Signing in with a recovery code -------------------------------------------------------


def test_sign_in_with_a_recovery_code_in_place_of_the_apps(alice: User, password: str) -> None:
    _, codes = turn_on(alice)
    client = Client()
    assert post_login(client, alice.email, password)["Location"] == "/accounts/login/verify/"
    assert 'href="/accounts/login/recovery/"' in text(client.get("/accounts/login/verify/"))
    response = client.post(RECOVERY, {"code": codes[0]})
    assert response["Location"] == "/start/"
    assert is_signed_in(client)
    page = text(client.get("/accounts/"))
    assert "You signed in with a recovery code; 9 are left." in page
    assert '<strong id="recovery-codes-left">9</strong>' in page
    attempt = LoginAttempt.objects.filter(succeeded=True).get()
    assert attempt.stage == LoginAttempt.Stage.RECOVERY


def test_a_used_code_does_not_sign_in_again(alice: User, password: str) -> None:
    _, codes = turn_on(alice)
    first = Client()
    post_login(first, alice.email, password)
    first.post(RECOVERY, {"code": codes[0]})
    second = Client()
    post_login(second, alice.email, password)
    response = second.post(RECOVERY, {"code": codes[0]})
    assert response.status_code == 400
    assert "used already" in text(response)
    assert not is_signed_in(second)


def test_wrong_recovery_codes_count_towards_the_lockout(
    alice: User, password: str, settings: Any
) -> None:
    _, codes = turn_on(alice)
    client = Client()
    post_login(client, alice.email, password)
    for _ in range(settings.ACCORD_LOGIN_MAX_FAILURES):
        assert client.post(RECOVERY, {"code": "aaaa-bbbb-cccc-dddd"}).status_code == 400
    locked = client.post(RECOVERY, {"code": codes[0]})
    assert locked.status_code == 429
    assert not is_signed_in(client)
    assert services.recovery_codes_left(alice) == 10


def test_the_recovery_step_needs_the_password_step_first(db: None) -> None:
    response = Client().post(RECOVERY, {"code": "aaaa-bbbb-cccc-dddd"})
    assert response["Location"] == "/accounts/login/"


def test_the_recovery_page_renders(alice: User, password: str) -> None:
    give_confirmed_totp(alice)
    client = Client()
    post_login(client, alice.email, password)
    page = client.get(RECOVERY)
    assert page.status_code == 200
    assert "Sign in with a recovery code" in text(page)
    assert client.post(RECOVERY, {"code": ""}).status_code == 400


# Pages: set-up, the account page, regeneration and replacement ------------------------


def test_set_up_shows_the_codes_once(client_for: Any, alice: User) -> None:
    client = client_for(alice)
    client.get("/accounts/two-factor/setup/")
    secret = TotpDevice.objects.get(user=alice).secret
    page = client.post("/accounts/two-factor/setup/", {"code": totp_code(secret)})
    codes = re.findall(r"<li><code>([0-9a-z-]{19})</code></li>", text(page))
    assert len(codes) == 10
    assert "no-store" in page["Cache-Control"]
    assert all(services.use_recovery_code(user=alice, code=code) for code in codes[:2])
    account = text(client.get("/accounts/"))
    assert '<strong id="recovery-codes-left">8</strong>' in account
    assert codes[5] not in account


def test_the_account_page_regenerates_the_codes(alice: User) -> None:
    _secret, old = turn_on(alice)
    client = verified_client(alice)
    wrong = client.post("/accounts/two-factor/recovery-codes/", {"code": "000000"})
    assert wrong.status_code == 422
    assert "stay as they are" in text(wrong)
    page = client.post("/accounts/two-factor/recovery-codes/", {"code": old[0]})
    assert page.status_code == 200
    new = re.findall(r"<li><code>([0-9a-z-]{19})</code></li>", text(page))
    assert len(new) == 10
    assert not services.use_recovery_code(user=alice, code=old[1])
    assert services.use_recovery_code(user=alice, code=new[1])


def test_a_secretariat_admin_who_lost_the_phone_gets_back_in(
    secretariat: User, password: str
) -> None:
    TotpDevice.objects.filter(user=secretariat).delete()
    _, codes = turn_on(secretariat)
    client = Client()
    post_login(client, secretariat.email, password)
    assert client.post(RECOVERY, {"code": codes[0]})["Location"] == "/start/"
    response = client.post("/accounts/two-factor/replace/", {"code": codes[1]})
    assert response["Location"] == "/accounts/two-factor/setup/"
    # Until the new device is confirmed, the set-up page is the only one open to them.
    assert client.get("/accounts/")["Location"] == "/accounts/two-factor/setup/"
    client.get("/accounts/two-factor/setup/")
    secret = TotpDevice.objects.get(user=secretariat).secret
    page = client.post("/accounts/two-factor/setup/", {"code": totp_code(secret)})
    assert "Save your recovery codes" in text(page)
    assert client.get("/accounts/").status_code == 200
