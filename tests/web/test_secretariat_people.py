"""The secretariat's people page over HTTP: every account, found by email or name and
filtered by instance role and status, and deactivating one that belongs to no
organisation."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone

from accord.accounts import services as accounts
from accord.accounts.models import ApiToken, Membership, Organisation, User
from accord.audit.models import Event

pytestmark = pytest.mark.django_db

PEOPLE = "/secretariat/people/"


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def emails(response: Any) -> list[str]:
    return re.findall(r'<tr data-email="([^"]+)">', response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def deactivate(person: User) -> str:
    return f"{PEOPLE}{person.pk}/deactivate/"


@pytest.fixture
def sec(client_for: Any, secretariat: User) -> Client:
    client: Client = client_for(secretariat)
    return client


@pytest.fixture
def olga(make_user: Any) -> User:
    """An observer, who belongs to no organisation."""
    return make_user(
        "olga@observer.example", full_name="Olga Observer", instance_role=User.InstanceRole.OBSERVER
    )


def _joined(user: User, days_ago: int) -> User:
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


# The list ---------------------------------------------------------------------------


def test_the_list_shows_every_account_newest_first_with_what_the_secretariat_needs(
    sec: Client, secretariat: User, alice: User, olga: User, make_user: Any, org_b: Organisation
) -> None:
    _joined(secretariat, 30)
    _joined(alice, 20)
    _joined(olga, 10)
    newcomer = make_user("new@signup.example", email_verified_at=None)
    Membership.objects.create(user=alice, organisation=org_b, role=Membership.Role.MEMBER)
    User.objects.filter(pk=alice.pk).update(last_login=timezone.now().replace(year=2025, month=3))
    page = sec.get(PEOPLE)
    assert page.status_code == 200
    assert emails(page) == [newcomer.email, olga.email, alice.email, secretariat.email]
    rows = dict(re.findall(
        r'<tr data-email="([^"]+)">(.*?)</tr>', text(page)
    ))  # fmt: skip
    assert "Olga Observer" in rows[olga.email]
    assert 'data-label="Instance role">Observer<' in rows[olga.email]
    assert 'data-label="Instance role">Secretariat admin<' in rows[secretariat.email]
    assert 'data-label="Instance role">None<' in rows[alice.email]
    assert "Alpha Systems</a>, <a" in rows[alice.email]
    assert "Beta Energy" in rows[alice.email]
    assert "Mar 2025" in rows[alice.email]
    assert "Never" in rows[olga.email]
    assert "Not confirmed" in rows[newcomer.email]
    assert "Confirmed" in rows[olga.email]
    assert "Not confirmed" not in rows[olga.email]
    assert "4 accounts." in text(page)


def test_an_organisation_that_was_removed_is_not_listed_among_memberships(
    sec: Client, secretariat: User, alice: User, org_a: Organisation
) -> None:
    accounts.remove_organisation(organisation=org_a, reason="Left.", actor=secretariat)
    page = sec.get(PEOPLE, {"q": "alice"})
    assert emails(page) == [alice.email]
    assert "Alpha Systems" not in text(page)


def test_search_by_email_or_name(sec: Client, olga: User, alice: User, carol: User) -> None:
    assert emails(sec.get(PEOPLE, {"q": "ALPHA.example"})) == [carol.email, alice.email]
    assert emails(sec.get(PEOPLE, {"q": "olga obs"})) == [olga.email]
    nobody = sec.get(PEOPLE, {"q": "nobody"})
    assert emails(nobody) == []
    assert "No account matches these filters." in text(nobody)
    assert 'role="search" aria-label="Find people"' in nobody.content.decode()


def test_filter_by_instance_role_and_status(
    sec: Client, secretariat: User, olga: User, alice: User, make_user: Any
) -> None:
    gone = make_user("gone@alpha.example", is_active=False)
    assert emails(sec.get(PEOPLE, {"role": "observer"})) == [olga.email]
    assert emails(sec.get(PEOPLE, {"role": "secretariat"})) == [secretariat.email]
    assert set(emails(sec.get(PEOPLE, {"role": "none"}))) == {alice.email, gone.email}
    assert emails(sec.get(PEOPLE, {"status": "deactivated"})) == [gone.email]
    active = sec.get(PEOPLE, {"status": "active", "role": "none"})
    assert emails(active) == [alice.email]
    row = re.search(r'<tr data-email="gone@alpha.example">(.*?)</tr>', text(sec.get(PEOPLE)))
    assert row is not None
    assert "Deactivated" in row[1]
    assert "Deactivate " not in row[1]


def test_the_list_pages_by_25(sec: Client, secretariat: User, make_user: Any) -> None:
    _joined(secretariat, 100)
    for n in range(30):
        _joined(make_user(f"person{n:02d}@example.org"), n)
    first = sec.get(PEOPLE)
    assert emails(first)[:2] == ["person00@example.org", "person01@example.org"]
    assert len(emails(first)) == 25
    assert "31 accounts, 1 to 25 shown." in text(first)
    second = sec.get(PEOPLE, {"page": "2"})
    assert emails(second) == [f"person{n}@example.org" for n in range(25, 30)] + [secretariat.email]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"page": "1e9"},
        {"role": "king"},
        {"status": "asleep"},
        {"q": "x" * 1999},
        {"q": "%' OR 1=1 --"},
        {"role": ["observer", "secretariat"], "q": ["a", "b"]},
    ],
)
def test_bad_query_parameters_never_break_the_page(
    sec: Client, olga: User, params: dict[str, Any]
) -> None:
    response = sec.get(PEOPLE, params)
    assert response.status_code == 200
    assert "People" in text(response)


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [({"q": "x" * 5000}, 422, "q is longer than"), ({"q": "nul\x00byte"}, 400, "q contains a NUL")],
)
def test_text_no_search_could_hold_is_refused_naming_the_parameter(
    sec: Client, params: dict[str, Any], status: int, says: str
) -> None:
    response = sec.get(PEOPLE, params)
    assert response.status_code == status
    assert says in text(response)


# Who may look and act ---------------------------------------------------------------


def test_only_the_secretariat_sees_or_acts(
    client_for: Any, alice: User, olga: User, carol: User
) -> None:
    anonymous = Client().get(PEOPLE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert Client().post(deactivate(carol), {"confirm": "on"}).status_code == 302
    for someone in (alice, olga):
        client = client_for(someone)
        assert client.get(PEOPLE).status_code == 403
        assert client.post(deactivate(carol), {"confirm": "on"}).status_code == 403
    carol.refresh_from_db()
    assert carol.is_active
    assert not Event.objects.filter(tag="accounts:user:deactivate").exists()


# Deactivating ------------------------------------------------------------------------


def test_deactivating_an_observer_who_belongs_to_no_organisation(
    sec: Client, secretariat: User, olga: User, client_for: Any
) -> None:
    olgas = client_for(olga)
    done = sec.post(deactivate(olga), {"confirm": "on", "back": "role=observer&evil=1"})
    assert done.status_code == 302
    assert done["Location"] == f"{PEOPLE}?role=observer"  # back to the same rows
    shown = sec.get(done["Location"])
    assert messages_of(shown) == [
        "olga@observer.example can no longer sign in: their sessions ended and their API "
        "tokens are revoked. Their memberships and history stay."
    ]
    assert 'data-email="olga@observer.example"' in shown.content.decode()
    olga.refresh_from_db()
    assert not olga.is_active
    event = Event.objects.get(tag="accounts:user:deactivate")
    assert event.actor == secretariat
    assert event.data["email"] == olga.email
    assert olgas.get("/accounts/").status_code == 302  # her session ended
    again = sec.post(deactivate(olga), {"confirm": "on"}, follow=True)
    assert messages_of(again) == ["olga@observer.example was deactivated already; nothing changed."]
    assert Event.objects.filter(tag="accounts:user:deactivate").count() == 1


def test_deactivating_revokes_the_persons_api_tokens(
    sec: Client, carol: User, org_a: Organisation
) -> None:
    token, _ = accounts.create_api_token(user=carol, organisation=org_a, name="ci")
    assert sec.post(deactivate(carol), {"confirm": "on"}).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_deactivating_needs_the_tick(sec: Client, olga: User) -> None:
    refused = sec.post(deactivate(olga), {"back": "role=observer"})
    assert refused.status_code == 422
    assert messages_of(refused) == [
        "Tick “I mean it” beside the button to deactivate olga@observer.example."
    ]
    assert emails(refused) == [olga.email]  # the same filtered list, shown again
    olga.refresh_from_db()
    assert olga.is_active


def test_deactivating_the_last_secretariat_admin_is_refused(sec: Client, secretariat: User) -> None:
    refused = sec.post(deactivate(secretariat), {"confirm": "on"})
    assert refused.status_code == 409
    assert "The instance needs another secretariat admin first." in text(refused)
    secretariat.refresh_from_db()
    assert secretariat.is_active
    assert not Event.objects.filter(tag="accounts:user:deactivate").exists()
    assert sec.get(PEOPLE).status_code == 200  # still signed in


def test_another_secretariat_admin_can_be_deactivated(
    sec: Client, make_user: Any, secretariat: User
) -> None:
    other = make_user("sec2@accord.example", instance_role=User.InstanceRole.SECRETARIAT)
    assert sec.post(deactivate(other), {"confirm": "on"}).status_code == 302
    other.refresh_from_db()
    assert not other.is_active


def test_an_unknown_account_or_a_get_is_refused(sec: Client, olga: User) -> None:
    assert sec.post(f"{PEOPLE}999999/deactivate/", {"confirm": "on"}).status_code == 404
    assert sec.get(deactivate(olga)).status_code == 405


def test_the_overview_links_the_people_page(sec: Client, olga: User, make_user: Any) -> None:
    make_user("gone@example.org", is_active=False)
    page = sec.get("/secretariat/")
    assert re.search(
        r'<li id="ws-people"><strong>2</strong><a href="/secretariat/people/">accounts</a>',
        page.content.decode(),
    )
    assert "1 deactivated" in text(page)
    assert 'href="/secretariat/people/">People</a>' in sec.get(PEOPLE).content.decode()
