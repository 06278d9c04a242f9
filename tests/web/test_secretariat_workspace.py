"""The secretariat's workspace over HTTP: where it lands after signing in, the overview,
the organisations list, and each action on an organisation with what it is told."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts import services as accounts
from accord.accounts.models import Membership, Organisation, TotpDevice, User
from accord.audit.models import Event
from accord.engine.types import CheckResult, Status
from accord.evidence import services as evidence
from accord.evidence.models import Domain
from tests.accounts.helpers import post_code, post_login, totp_code

pytestmark = pytest.mark.django_db

WORKSPACE = "/secretariat/"
ORGANISATIONS = "/secretariat/organisations/"


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def org_page(slug: str = "alpha", action: str = "") -> str:
    return f"/secretariat/organisations/{slug}/{action}"


@pytest.fixture
def sec(client_for: Any, secretariat: User) -> Client:
    client: Client = client_for(secretariat)
    return client


# Landing and the overview --------------------------------------------------------------


def test_the_secretariat_lands_on_its_workspace_after_signing_in(
    client: Client, secretariat: User, password: str
) -> None:
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=secretariat).update(secret=secret)
    post_login(client, secretariat.email, password)
    signed_in = post_code(client, totp_code(secret))
    landed = client.get(signed_in["Location"], follow=True)
    assert landed.redirect_chain[-1][0] == WORKSPACE
    assert "Secretariat workspace" in text(landed)
    assert "You do not belong to any organisation yet" not in text(landed)


def test_a_member_still_lands_on_their_account(client: Client, alice: User, password: str) -> None:
    landed = client.get(post_login(client, alice.email, password)["Location"], follow=True)
    assert landed.redirect_chain[-1][0] == "/accounts/"


def test_only_the_secretariat_has_a_workspace(client_for: Any, alice: User) -> None:
    member = client_for(alice)
    for url in (WORKSPACE, ORGANISATIONS, org_page(), "/secretariat/failing/"):
        assert member.get(url).status_code == 403, url
    assert member.post(org_page(action="suspend/"), {"reason": "x"}).status_code == 403
    assert Client().get(WORKSPACE).status_code == 302


def test_the_overview_counts_what_waits(
    sec: Client, catalogue: object, alice: User, org_a: Organisation, org_b: Organisation
) -> None:
    from tests.commitments.factories_review import pending_documents

    pending_documents(3, organisations=1)
    accounts.suspend_organisation(organisation=org_b, reason="Dues.", actor=_secretariat())
    domain = Domain.objects.create(organisation=org_a, name="alpha.example")
    result = CheckResult("security-txt", Status.FAIL, url="https://alpha.example/")
    evidence.record_observation(
        domain=domain, check_id="security-txt", result=result, now=timezone.now()
    )
    accounts.submit_application(
        name="Gamma Water",
        domains=["gamma.example"],
        sector="water",
        country="NL",
        size_band="medium",
        contact_name="Grace",
        contact_email="grace@gamma.example",
    )
    # Beta proves a name Alpha holds: the claim is contested.
    Domain.objects.create(organisation=org_a, name="shared.example", control="verified")
    Domain.objects.create(organisation=org_b, name="shared.example", control="contested")
    Domain.objects.create(organisation=org_a, name="old.example", control="lapsed")
    page = sec.get(WORKSPACE)
    figures = dict(re.findall(r'<li id="ws-(\w+)"><strong>(\d+)</strong>', page.content.decode()))
    assert figures == {
        "organisations": "2",  # Alpha and the review factory's member; Beta is suspended
        "review": "3",
        "failing": "1",
        "lapses": "0",
        "outbox": str(_outbox_count()),
        "applications": "1",
        "disputes": "1",
        "people": str(User.objects.filter(is_active=True).count()),
    }
    assert "1 suspended" in text(page)
    assert "1 domain whose proof of control lapsed" in text(page)


def _secretariat() -> User:
    return User.objects.get(email="sec@accord.example")


def _outbox_count() -> int:
    from accord.notifications.models import Message

    return Message.objects.count()


def test_the_nav_offers_the_workspace_to_the_secretariat_only(
    sec: Client, client_for: Any, alice: User
) -> None:
    assert 'href="/secretariat/">Workspace</a>' in sec.get("/").content.decode()
    assert "Workspace" not in client_for(alice).get("/").content.decode()


# The organisations list ----------------------------------------------------------------


@pytest.fixture
def many(db: None) -> list[Organisation]:
    sectors = ["energy", "finance", "water"]
    countries = ["NL", "DE"]
    found = []
    for n in range(30):
        found.append(
            Organisation.objects.create(
                name=f"Org {n:02d} {sectors[n % 3]}",
                slug=f"org-{n:02d}",
                sector=sectors[n % 3],
                country=countries[n % 2],
                created_at=timezone.now() - timedelta(days=n),
            )
        )
    return found


def names(response: Any) -> list[str]:
    return re.findall(
        r'<a href="/secretariat/organisations/[\w-]+/">([^<]+)</a>', response.content.decode()
    )


def test_the_organisations_are_listed_25_a_page_by_name(sec: Client, many: Any) -> None:
    first = sec.get(ORGANISATIONS)
    assert first.status_code == 200
    assert names(first) == [
        f"Org {n:02d} {['energy', 'finance', 'water'][n % 3]}" for n in range(25)
    ]
    assert "30 organisations, 1 to 25 shown" in text(first)
    assert len(names(sec.get(ORGANISATIONS, {"page": 2}))) == 5


def test_search_and_filter_the_organisations(sec: Client, many: Any) -> None:
    by_name = sec.get(ORGANISATIONS, {"q": "org 1"})
    assert len(names(by_name)) == 10
    assert 'role="search" aria-label="Find organisations"' in by_name.content.decode()
    filtered = sec.get(ORGANISATIONS, {"sector": "finance", "country": "DE"})
    # finance: n % 3 == 1; DE: n % 2 == 1.
    assert names(filtered) == [
        f"Org {n:02d} finance" for n in range(30) if n % 3 == 1 and n % 2 == 1
    ]


def test_filter_by_status_and_sort(sec: Client, many: Any, secretariat: User) -> None:
    accounts.suspend_organisation(organisation=many[3], reason="Dues.", actor=secretariat)
    suspended = sec.get(ORGANISATIONS, {"standing": "suspended"})
    assert names(suspended) == ["Org 03 energy"]
    assert "Suspended" in text(suspended)
    newest = sec.get(ORGANISATIONS, {"order": "newest"})
    assert names(newest)[:2] == ["Org 00 energy", "Org 01 finance"]
    by_country = names(sec.get(ORGANISATIONS, {"order": "country"}))
    assert by_country[0].startswith("Org 01")  # DE before NL


def test_removed_organisations_leave_the_list(sec: Client, many: Any, secretariat: User) -> None:
    accounts.remove_organisation(organisation=many[0], reason="Left.", actor=secretariat)
    assert "Org 00 energy" not in names(sec.get(ORGANISATIONS))
    assert "29 organisations" in text(sec.get(ORGANISATIONS))


def test_unknown_filters_fall_back_to_everyone(sec: Client, many: Any) -> None:
    response = sec.get(ORGANISATIONS, {"sector": "space", "order": "x", "standing": "gone"})
    assert response.status_code == 200
    assert len(names(response)) == 25


# Acting on one organisation ------------------------------------------------------------


def test_the_organisation_page_links_to_the_members_page(sec: Client, alice: User) -> None:
    page = sec.get(org_page())
    assert page.status_code == 200
    assert 'href="/accounts/organisations/alpha/"' in page.content.decode()
    assert "alice@alpha.example" in text(page)
    assert sec.get(org_page("nope")).status_code == 404


def test_editing_says_what_changed(sec: Client, org_a: Organisation) -> None:
    data = {"name": "Alpha Systems BV", "sector": "software", "country": "nl", "size_band": ""}
    response = sec.post(org_page(action="edit/"), data, follow=True)
    assert messages_of(response) == [
        "Saved Alpha Systems BV: name “Alpha Systems” → “Alpha Systems BV”; country “” → “NL”."
    ]
    again = sec.post(org_page(action="edit/"), {**data, "country": "NL"}, follow=True)
    assert messages_of(again) == ["Nothing changed: Alpha Systems BV's details were already these."]
    assert Event.objects.filter(tag="accounts:organisation:edit").count() == 1


def test_an_unacceptable_edit_shows_the_form_again(sec: Client, org_a: Organisation) -> None:
    response = sec.post(org_page(action="edit/"), {"name": "Alpha", "country": "N1"})
    assert response.status_code == 422
    assert 'id="details_country-errors"' in response.content.decode()
    assert "two-letter ISO 3166-1 code" in text(response)


def test_suspending_needs_a_reason_and_says_what_it_did(
    sec: Client, alice: User, org_a: Organisation
) -> None:
    refused = sec.post(org_page(action="suspend/"), {"reason": ""})
    assert refused.status_code == 422
    assert 'id="standing_reason-errors"' in refused.content.decode()

    done = sec.post(org_page(action="suspend/"), {"reason": "Dues unpaid."}, follow=True)
    [message] = messages_of(done)
    assert message.startswith("Alpha Systems is suspended: its members cannot act for it")
    assert "Suspended" in text(done)
    assert "Reinstate Alpha Systems" in text(done)

    back = sec.post(org_page(action="reinstate/"), {"reason": ""}, follow=True)
    assert messages_of(back)[0].startswith("Alpha Systems is reinstated")
    org_a.refresh_from_db()
    assert org_a.standing == "active"


def test_removing_asks_for_confirmation(sec: Client, alice: User, org_a: Organisation) -> None:
    unconfirmed = sec.post(org_page(action="remove/"), {"reason": "Left.", "confirm": "alph"})
    assert unconfirmed.status_code == 422
    assert "Type “alpha” to confirm the removal." in text(unconfirmed)
    assert Organisation.objects.filter(slug="alpha").exists()

    removed = sec.post(
        org_page(action="remove/"), {"reason": "Left.", "confirm": "alpha"}, follow=True
    )
    assert removed.redirect_chain[-1][0] == ORGANISATIONS
    assert messages_of(removed) == [
        "Alpha Systems is removed: it is hidden everywhere and 0 API token(s) were revoked. "
        "Its history stays in the audit log."
    ]
    assert not Organisation.objects.filter(slug="alpha").exists()
    assert sec.get(org_page()).status_code == 404


def test_changing_a_role_says_so(sec: Client, alice: User, carol: User) -> None:
    url = org_page(action=f"members/{carol.pk}/role/")
    promoted = sec.post(url, {"role": "org_admin"}, follow=True)
    assert messages_of(promoted) == [
        "carol@alpha.example is now organisation admin of Alpha Systems."
    ]
    same = sec.post(url, {"role": "org_admin"}, follow=True)
    assert messages_of(same) == [
        "carol@alpha.example was already organisation admin of Alpha Systems."
    ]
    assert sec.post(url, {"role": "owner"}).status_code == 422


def test_the_last_admin_cannot_be_demoted_or_removed_and_the_page_says_why(
    sec: Client, alice: User, org_a: Organisation
) -> None:
    came_from = f"http://testserver{org_page()}"
    demoted = sec.post(
        org_page(action=f"members/{alice.pk}/role/"), {"role": "member"}, HTTP_REFERER=came_from
    )
    assert demoted.status_code == 409
    assert "needs another admin" in text(demoted)
    assert f'href="{came_from}" id="back"' in demoted.content.decode()  # not a dead end
    removed = sec.post(org_page(action=f"members/{alice.pk}/remove/"))
    assert removed.status_code == 409
    assert Membership.objects.filter(user=alice, organisation=org_a, role="org_admin").exists()


def test_removing_a_member_and_deactivating_an_account(
    sec: Client, alice: User, carol: User
) -> None:
    removed = sec.post(org_page(action=f"members/{carol.pk}/remove/"), follow=True)
    assert messages_of(removed) == [
        "carol@alpha.example is no longer a member of Alpha Systems; their API tokens for it "
        "are revoked."
    ]
    accounts.add_member(
        organisation=alice.memberships.get().organisation, user=carol, role="member"
    )
    url = org_page(action=f"members/{carol.pk}/deactivate/")
    deactivated = sec.post(url, follow=True)
    assert messages_of(deactivated)[0].startswith("carol@alpha.example can no longer sign in")
    carol.refresh_from_db()
    assert not carol.is_active
    assert messages_of(sec.post(url, follow=True)) == [
        "carol@alpha.example was deactivated already; nothing changed."
    ]


def test_the_organisation_page_lists_its_domains(sec: Client, org_a: Organisation) -> None:
    domain = Domain.objects.create(organisation=org_a, name="alpha.example")
    response = sec.get(org_page())
    assert response.status_code == 200
    assert f'<a href="/evidence/domains/{domain.pk}/"><code>alpha.example</code></a>' in (
        response.content.decode()
    )
    assert "Remove alpha.example" in text(response)


def test_removing_a_domain(sec: Client, alice: User, org_a: Organisation) -> None:
    domain = Domain.objects.create(organisation=org_a, name="alpha.example")
    response = sec.post(f"/secretariat/domains/{domain.pk}/remove/", follow=True)
    assert messages_of(response) == [
        "alpha.example is removed from Alpha Systems: it is no longer checked, and what was "
        "observed on it stays in the organisation's history."
    ]
    assert not Domain.objects.exists()
    assert Event.objects.filter(tag="evidence:domain:remove").count() == 1
    assert sec.post("/secretariat/domains/99999/remove/").status_code == 404


# Failing evidence and lapses -----------------------------------------------------------


def test_failing_evidence_and_lapses_are_listed(
    sec: Client, catalogue: object, alice: User, org_a: Organisation, observe: Any
) -> None:
    from accord.commitments import services as commitments

    domain = Domain.objects.create(
        organisation=org_a, name="alpha.example", control="verified", verified_at=timezone.now()
    )
    start = timezone.now() - timedelta(days=30)
    commitments.commit_to_practice(
        organisation=org_a,
        practice_id="cvd.security-txt",
        target_date=timezone.localdate() + timedelta(days=30),
        actor=alice,
        now=start,
    )
    observe(domain, "security-txt", "pass", start + timedelta(days=1))
    observe(domain, "security-txt", "fail", timezone.now() - timedelta(days=2))

    failing = sec.get("/secretariat/failing/")
    assert "alpha.example" in text(failing)
    assert "1 failing check." in text(failing)
    lapses = sec.get("/secretariat/lapses/")
    expected = (timezone.localdate() - timedelta(days=2) + timedelta(days=14)).strftime("%-d %b %Y")
    assert f"Verified, in its grace period until {expected}" in text(lapses)

    observe(domain, "security-txt", "fail", timezone.now())
    commitments.refresh_all_commitments(now=timezone.now() + timedelta(days=13))
    assert "Lapsed since" in text(sec.get("/secretariat/lapses/"))
