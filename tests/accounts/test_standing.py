"""An organisation's standing: the secretariat suspends, reinstates and removes it, and
each does what a person would notice: who can act, what is public, what counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accord.access import Permission, has_perm
from accord.accounts import selectors, services
from accord.accounts.models import Membership, Organisation, User
from accord.audit.models import Event
from accord.commitments import selectors as commitments
from accord.commitments.models import PublicationPreference
from accord.figures.models import DailySnapshot
from accord.figures.services import rebuild_snapshots
from accord.notifications.models import Notification
from tests.accounts.helpers import give_confirmed_totp
from tests.commitments.factories_review import committed
from tests.figures.factories_metrics import commit, make_orgs

pytestmark = pytest.mark.django_db


def suspend(organisation: Organisation, actor: User, reason: str = "Dues unpaid.") -> None:
    services.suspend_organisation(organisation=organisation, reason=reason, actor=actor)


def test_only_the_secretariat_suspends_and_removes(
    alice: User, org_a: Organisation, org_b: Organisation
) -> None:
    with pytest.raises(services.NotAllowed):
        suspend(org_a, alice)
    with pytest.raises(services.NotAllowed):
        services.remove_organisation(organisation=org_b, reason="Left.", actor=alice)
    org_a.refresh_from_db()
    assert org_a.standing == Organisation.Standing.ACTIVE


def test_a_suspension_needs_a_reason(secretariat: User, org_a: Organisation) -> None:
    with pytest.raises(services.InvalidInput) as refused:
        suspend(org_a, secretariat, reason="   ")
    assert refused.value.field == "reason"
    assert refused.value.http_status == 422
    assert not Event.objects.filter(tag="accounts:organisation:suspend").exists()


def test_suspension_is_audited_and_the_admins_are_told(
    secretariat: User, alice: User, carol: User, org_a: Organisation
) -> None:
    suspend(org_a, secretariat)
    org_a.refresh_from_db()
    assert org_a.standing == Organisation.Standing.SUSPENDED
    assert org_a.standing_reason == "Dues unpaid."
    event = Event.objects.get(tag="accounts:organisation:suspend")
    assert event.actor == secretariat
    assert event.organisation_id == org_a.pk
    assert event.data["reason"] == "Dues unpaid."
    told = Notification.objects.filter(kind="accounts:organisation:standing")
    assert [n.recipient for n in told] == [alice]  # the admin, not the plain member
    assert "Dues unpaid." in told[0].body


def test_suspending_twice_is_a_conflict(secretariat: User, org_a: Organisation) -> None:
    suspend(org_a, secretariat)
    with pytest.raises(services.StandingUnchanged) as refused:
        suspend(org_a, secretariat)
    assert refused.value.http_status == 409
    services.reinstate_organisation(organisation=org_a, actor=secretariat)
    with pytest.raises(services.StandingUnchanged, match="not suspended"):
        services.reinstate_organisation(organisation=org_a, actor=secretariat)


def test_a_suspended_organisations_members_read_but_cannot_act(
    secretariat: User, alice: User, org_a: Organisation, client_for: Any
) -> None:
    _, secret = services.create_api_token(user=alice, organisation=org_a, name="ci")
    suspend(org_a, secretariat)

    assert has_perm(alice, Permission.ORGANISATION_VIEW, org_a)
    for acting in (
        Permission.ORGANISATION_MANAGE,
        Permission.COMMITMENT_MANAGE,
        Permission.TOKEN_CREATE,
        Permission.EVIDENCE_SCAN,
    ):
        assert not has_perm(alice, acting, org_a), acting
    # The secretariat still runs it (to edit it, or reinstate it).
    assert has_perm(secretariat, Permission.ORGANISATION_MANAGE, org_a)

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/accounts/me").status_code == 401
    page = client_for(alice).get(reverse("accounts:organisation", args=["alpha"]))
    assert page.status_code == 200
    assert "Suspended" in page.content.decode()

    services.reinstate_organisation(organisation=org_a, actor=secretariat)
    assert has_perm(alice, Permission.COMMITMENT_MANAGE, org_a)
    assert api.get("/api/v1/accounts/me").status_code == 200
    assert Event.objects.filter(tag="accounts:organisation:reinstate").count() == 1


def test_a_suspended_organisations_scorecard_is_not_public(
    secretariat: User, org_a: Organisation
) -> None:
    PublicationPreference.objects.create(organisation=org_a, public_profile=True)
    assert commitments.scorecard_organisation(AnonymousUser(), "alpha") == org_a
    suspend(org_a, secretariat)
    assert commitments.scorecard_organisation(AnonymousUser(), "alpha") is None
    scorecard = reverse("commitments:scorecard", args=["alpha"])
    assert Client().get(scorecard).status_code == 404


def test_a_suspended_organisation_serves_no_badge(
    catalogue: object, secretariat: User, alice: User, org_a: Organisation
) -> None:
    committed(org_a, alice, "cvd.safe-harbour")
    PublicationPreference.objects.create(organisation=org_a, badges=True)
    badge = "/adoption/badges/alpha/cvd-baseline.svg"
    assert Client().get(badge).status_code == 200
    suspend(org_a, secretariat)
    assert Client().get(badge).status_code == 404
    assert Client().get("/adoption/badges/alpha/cvd-baseline/").status_code == 404


def test_a_suspended_organisation_does_not_count_in_the_figures(
    catalogue: object, secretariat: User
) -> None:
    organisations = make_orgs(7)
    for organisation in organisations:
        commit(organisation, "cvd.security-txt", on=date(2025, 3, 1))
    day = date(2025, 3, 2)
    rebuild_snapshots(until=day)
    assert DailySnapshot.objects.get(date=day, dimension="all").population == 7

    suspend(organisations[0], secretariat)
    services.remove_organisation(organisation=organisations[1], reason="Left.", actor=secretariat)
    rebuild_snapshots(until=day)
    assert DailySnapshot.objects.get(date=day, dimension="all").population == 5
    counted = {row[0] for row in selectors.member_rows()}
    assert organisations[0].pk not in counted
    assert organisations[1].pk not in counted


def test_a_removed_organisation_is_hidden_from_everyone_and_keeps_its_history(
    secretariat: User, alice: User, org_a: Organisation, client_for: Any
) -> None:
    give_confirmed_totp(secretariat)
    token, _ = services.create_api_token(user=alice, organisation=org_a, name="ci")
    services.remove_organisation(organisation=org_a, reason="Merged into Beta.", actor=secretariat)

    assert org_a not in selectors.organisations_for(secretariat)
    assert not Organisation.objects.filter(slug="alpha").exists()
    for person in (alice, secretariat):
        page = client_for(person).get(reverse("accounts:organisation", args=["alpha"]))
        assert page.status_code == 404
    assert list(selectors.memberships_of(alice)) == []
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Its record and the audit log stay.
    kept = Organisation.all_objects.get(slug="alpha")
    assert kept.standing == Organisation.Standing.REMOVED
    assert Membership.objects.filter(organisation=kept).exists()
    removal = Event.objects.get(tag="accounts:organisation:remove")
    assert removal.data == {
        "name": "Alpha Systems",
        "from": "active",
        "reason": "Merged into Beta.",
        "tokens_revoked": 1,
    }
    assert Event.objects.filter(organisation_id=kept.pk).count() >= 1


def test_a_removed_organisations_name_stays_taken_without_an_error_page(
    secretariat: User, org_a: Organisation
) -> None:
    services.remove_organisation(organisation=org_a, reason="Left.", actor=secretariat)
    with pytest.raises(services.InvalidInput, match="name already exists"):
        services.create_organisation(name="Alpha Systems", slug="alpha-2", actor=secretariat)
    with pytest.raises(services.InvalidInput, match="Slug already exists"):
        services.create_organisation(name="Alpha Two", slug="alpha", actor=secretariat)


def test_the_last_admin_of_a_removed_organisation_can_be_deactivated(
    secretariat: User, alice: User, org_a: Organisation
) -> None:
    services.remove_organisation(organisation=org_a, reason="Left.", actor=secretariat)
    services.deactivate_user(user=alice, actor=secretariat)
    alice.refresh_from_db()
    assert not alice.is_active


# The last admin stays ------------------------------------------------------------------


def test_removing_the_last_admin_is_refused(
    secretariat: User, alice: User, org_a: Organisation
) -> None:
    with pytest.raises(services.WouldLockOut) as refused:
        services.remove_member(organisation=org_a, user=alice, actor=secretariat)
    assert refused.value.http_status == 409
    assert Membership.objects.filter(organisation=org_a, user=alice).exists()


def test_an_admin_may_leave_once_there_is_another(
    alice: User, carol: User, org_a: Organisation
) -> None:
    services.change_role(organisation=org_a, user=carol, role="org_admin", actor=alice)
    services.remove_member(organisation=org_a, user=alice, actor=carol)
    assert not Membership.objects.filter(organisation=org_a, user=alice).exists()
