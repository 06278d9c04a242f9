"""The public pages on a 390 px phone: nothing wider than the screen, so nobody has to
scroll sideways; charts and tables keep to their own boxes. Screenshots are kept in
test-artifacts/ to look at."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from accord.accounts.models import Membership, Organisation, User
from accord.catalogue.services import load_catalogue
from accord.commitments import services as commitments
from accord.commitments.models import PublicationPreference, Status
from accord.engine.registry import CHECKS
from accord.engine.types import CheckResult, Finding
from accord.engine.types import Status as Verdict
from accord.evidence import services as evidence
from accord.evidence.models import Domain
from accord.figures.services import rebuild_snapshots
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PHONE, overflow, sign_in
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
START = date(2025, 1, 6)
PASSWORD = "correct horse battery staple 42"


def figures() -> None:
    energy = make_orgs(40, sector="energy", is_demo=True)
    finance = make_orgs(15, sector="finance", country="FR", size_band="medium")
    make_orgs(8, sector="water", country="NL")
    verify(energy[:25], "cvd.security-txt", on=START, verified=START + timedelta(days=40))
    verify(finance[:3], "cvd.security-txt", on=START, verified=START + timedelta(days=90))
    for n, org in enumerate(energy[10:35]):
        commit(org, "supply-chain.sbom", on=START + timedelta(days=n * 5),
               then=[(Status.IMPLEMENTED, START + timedelta(days=n * 8 + 20))])  # fmt: skip
    rebuild_snapshots(until=START + timedelta(days=300))


def published_organisation() -> User:
    """Alpha: a long name, a published scorecard with every practice of a profile, badges,
    and a domain that could not be reached."""
    alpha = Organisation.objects.create(
        name="Alpha Systems International Research and Infrastructure Holding",
        slug="alpha",
        sector="software",
        country="DE",
    )
    admin = User.objects.create_user(
        email="alice.with.a.long.address@alpha.example", password=PASSWORD
    )
    Membership.objects.create(user=admin, organisation=alpha, role=Membership.Role.ORG_ADMIN)
    commitments.commit_to_profile(
        organisation=alpha,
        profile_slug="cvd-baseline",
        target_date=date.today() + timedelta(days=120),
        actor=admin,
    )
    PublicationPreference.objects.update_or_create(
        organisation=alpha, defaults={"public_profile": True, "badges": True}
    )
    domain = Domain.objects.create(
        organisation=alpha, name="a-rather-long-subdomain.alpha-systems.example"
    )
    for check_id in CHECKS:
        result = CheckResult(check_id, Verdict.ERROR, errors=[Finding("dns_error", "no address")])
        evidence.record_observation(
            domain=domain, check_id=check_id, result=result, now=datetime.now(UTC)
        )
    return admin


PUBLIC_PAGES = {
    "home": "/",
    "catalogue": "/catalogue/",
    "practice": "/catalogue/practices/cvd.security-txt/",
    "dashboard": "/adoption/",
    "directory": "/adoption/organisations/",
    "scorecard": "/adoption/organisations/alpha/scorecard/",
    "badge-page": "/adoption/badges/alpha/cvd-baseline/",
    "sign-in": "/accounts/login/",
}


def test_public_pages_fit_a_390_px_phone(live_server: Any, phone: Any) -> None:
    load_catalogue()
    figures()
    published_organisation()
    problems = {}
    for name, path in PUBLIC_PAGES.items():
        phone.goto(f"{live_server.url}{path}")
        assert phone.locator("main").is_visible(), name
        found = overflow(phone)
        keep_screenshot(phone, f"phone-{name}")
        if found["width"] > PHONE["width"]:
            problems[name] = found
    assert problems == {}


def chart_text_px(page: Any, selector: str) -> float:
    """The size an 11-unit chart text is drawn at, in CSS pixels."""
    return float(
        page.evaluate(
            """(selector) => {
              const svg = document.querySelector(selector);
              return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width * 11;
            }""",
            selector,
        )
    )


def test_charts_are_drawn_for_the_screen_they_are_read_on(
    live_server: Any, phone: Any, page: Any
) -> None:
    load_catalogue()
    figures()
    phone.goto(f"{live_server.url}/adoption/")
    assert phone.locator("#chart-frameworks-narrow").is_visible()
    assert not phone.locator("#chart-frameworks").is_visible()
    assert chart_text_px(phone, "#chart-frameworks-narrow") >= 10
    # A framework with more than six norms: one small chart per norm, readable too.
    panel = phone.locator(".small-multiples svg").first
    assert panel.is_visible()
    assert chart_text_px(phone, ".small-multiples svg") >= 10

    page.goto(f"{live_server.url}/adoption/")
    assert page.locator("#chart-frameworks").is_visible()
    assert not page.locator("#chart-frameworks-narrow").is_visible()
    assert chart_text_px(page, "#chart-frameworks") >= 11
    assert page.locator(".small-multiples svg").count() > 6


def test_member_pages_fit_a_390_px_phone(live_server: Any, phone: Any) -> None:
    load_catalogue()
    admin = published_organisation()
    sign_in(phone, live_server.url, admin.email, PASSWORD)
    problems = {}
    for name, path in {
        "organisation": "/accounts/organisations/alpha/",
        "publication": "/adoption/organisations/alpha/publication/",
        "account": "/accounts/",
    }.items():
        phone.goto(f"{live_server.url}{path}")
        assert "Sign in" not in phone.title(), name
        found = overflow(phone)
        keep_screenshot(phone, f"phone-{name}")
        if found["width"] > PHONE["width"]:
            problems[name] = found
    assert problems == {}


def keep_screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
