# ruff: noqa: F811 (the fixture `cvd_world` comes from the CVD tests)
"""Every CVD page as the person who uses it, at a desktop's width and at a phone's: a
realistic case (vendors, scored vulnerabilities with products, statements, an embargo
proposal, a discussion), nothing wider than the screen, nothing blocked by the pages'
Content-Security-Policy (conftest fails the test on any violation), and the page's own
content in view. Screenshots go to test-artifacts/cvd-look/ for a person to look at."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accord.accounts.sessions import TWO_FACTOR_PASSED_KEY
from accord.cvd.services import (
    contacts,
    delivery,
    discussion,
    embargo,
    products,
    reports,
    statements,
)
from accord.cvd.services import vulnerabilities as vulns
from accord.cvd.services.invitations import invite_vendor
from accord.notifications.models import Message
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PHONE, overflow
from tests.cvd.conftest import cvd_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N"
SHOTS = ARTIFACTS / "cvd-look"
DESKTOP = {"width": 1280, "height": 900}
# What the pages got wrong, gathered so one run names every page that is wrong.
PROBLEMS: list[str] = []


def a_busy_case(w: Any) -> dict[str, str]:
    """Fill the world's case the way a real one looks a few weeks in; return the links
    (follow-up, invitation) that only a token opens."""
    lead = w.secretariat
    first = vulns.add_vulnerability(
        actor=lead,
        case=w.case,
        title="Heap overflow in the HTTP request parser of the management interface",
        description="A long header overflows a fixed buffer; remote code execution.",
        cwe_ids="CWE-122, CWE-787",
        cvss_vector=V31,
        products=[
            {"purl": "pkg:generic/acme/router-firmware", "versions": "vers:generic/>=2.0|<2.4.1"},
            {
                "cpe": "cpe:2.3:o:bolt:embedded_web_server_for_industrial_gateways:*:*:*:*:*:*:*:*",
                "versions": "",
            },
        ],
    )
    second = vulns.add_vulnerability(
        actor=lead,
        case=w.case,
        title="Session token in the URL",
        cwe_ids="CWE-598",
        cvss_vector=V40,
        products=[{"purl": "pkg:npm/%40bolt/session-middleware", "versions": "vers:npm/<3.1.0"}],
    )
    product = first.products.order_by("pk").first()
    statements.make_statement(
        actor=w.vendor_a_admin,
        participant=w.participant_a,
        vulnerability=first,
        product=product,
        status="fixed",
        fixed_version="2.4.1",
        note="Firmware 2.4.1 is on the download portal since Monday.",
    )
    statements.make_statement(
        actor=w.vendor_b_member,
        participant=w.participant_b,
        vulnerability=second,
        status="not_affected",
        justification="vulnerable_code_not_present",
    )
    statements.make_statement(
        actor=w.vendor_b_member,
        participant=w.participant_b,
        vulnerability=first,
        status="under_investigation",
    )
    ends = datetime(datetime.now(UTC).year + 1, 3, 14, 16, 0, tzinfo=UTC)
    embargo.propose_embargo(actor=w.vendor_a_admin, case=w.case, ends_at=ends)
    thread = discussion.start_thread(
        actor=lead,
        case=w.case,
        title="Patch timing for the firmware and the middleware",
        body="When can you **ship**? The reporter asks for a date before the conference.",
    )
    discussion.post_reply(
        actor=w.vendor_a_admin,
        thread=thread,
        body="Acme: 2.4.1 is out; see https://acme.example/security/advisories/2026-0042-"
        "heap-overflow-in-the-http-parser-of-the-management-interface",
    )
    discussion.post_reply(actor=w.vendor_b_member, thread=thread, body="Bolt: next week.")
    products.declare_vendor_product(
        actor=w.vendor_a_admin, organisation=w.vendor_a, purl_type="generic", purl_namespace="acme"
    )
    submission = reports.submit_report(
        actor=None,
        title="Stored XSS in the profile page of the partner portal",
        description="The display name is echoed unescaped on /partners/profile.\n\nSteps: ...",
        product="Acme Partner Portal 3.2",
        reporter_name="Rita",
        reporter_email="rita@example.org",
    )
    assert submission.followup_path
    for vendor, admin in ((w.vendor_a, w.vendor_a_admin),):
        contacts.set_security_contact(actor=admin, organisation=vendor, email="psirt@acme.example")
    delivery.notify_vendors(actor=lead, case=w.case)
    invite_vendor(actor=lead, case=w.case, email="psirt@tiny.example", name="Tiny Devices")
    body = Message.objects.filter(to_address="psirt@tiny.example").latest("id").body
    invitation = re.search(r"/cvd/invitations/[^/\s]+/", body)
    assert invitation is not None
    return {
        "report": submission.report.reference,
        "followup": submission.followup_path,
        "invitation": invitation.group(0),
        "thread": f"/cvd/{w.case.reference}/discussion/{thread.pk}/",
    }


def signed_in(browser: Any, base: str, user: Any, viewport: dict[str, int]) -> Any:
    """A page signed in as `user` (past the two-factor step) through a session cookie."""
    context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE)
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.session
        session[TWO_FACTOR_PASSED_KEY] = user.pk
        session.save()
        cookie = django_settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": cookie, "value": session.session_key, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def look(page: Any, base: str, path: str, name: str, text: str, width: int) -> Path:
    response = page.goto(base + path)
    assert response is not None, path
    assert response.status == 200, (path, response.status)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    heading = page.get_by_role("heading", level=1)
    if heading.count() != 1 or not heading.is_visible():
        PROBLEMS.append(f"{path}: not one visible h1")
    if text not in page.locator("main").inner_text():
        PROBLEMS.append(f"{path}: {text!r} is not shown")
    wide = overflow(page, width)
    if wide["width"] > width or wide["wide"]:
        PROBLEMS.append(f"{path}: wider than {width}px: {wide}")
    return shot


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_cvd_page_fits_and_shows_its_content(
    live_server: Any, browser: Any, cvd_world: Any, settings: Any, viewport: dict[str, int]
) -> None:
    settings.ACCORD_BASE_URL = live_server.url
    PROBLEMS.clear()
    w = cvd_world
    links = a_busy_case(w)
    base, width = live_server.url, viewport["width"]
    ref = w.case.reference
    case = f"/cvd/{ref}"

    anonymous = signed_in(browser, base, None, viewport)
    look(anonymous, base, "/report/", "report-form", "Description", width)
    look(anonymous, base, links["followup"], "report-followup", "Stored XSS", width)
    look(anonymous, base, links["invitation"], "invitation", ref, width)
    anonymous.context.close()

    lead = signed_in(browser, base, w.secretariat, viewport)
    look(lead, base, "/cvd/triage/", "triage-queue", links["report"], width)
    look(lead, base, f"/cvd/triage/{links['report']}/", "triage-report", "Acme Partner", width)
    look(lead, base, "/cvd/", "cases", ref, width)
    look(lead, base, "/cvd/new/", "case-new", "Title", width)
    look(lead, base, f"{case}/", "case-overview", "Heap overflow in the HTTP request", width)
    look(lead, base, f"{case}/embargo/", "case-embargo", "Acme Routers", width)
    look(lead, base, f"{case}/statements/", "case-statements-matrix", "Bolt Software", width)
    look(lead, base, f"{case}/discussion/", "case-discussion", "Patch timing", width)
    look(lead, base, links["thread"], "case-thread", "next week", width)
    # A new post is marked at its edge and by a "New" badge, its text still dark on white.
    unread = lead.locator(".post.unread").first
    assert unread.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert unread.locator(".new-marker").is_visible()
    look(lead, base, f"{case}/timeline/", "case-timeline", "V2 added", width)
    look(lead, base, f"{case}/deliveries/", "case-deliveries", "Each message to a vendor", width)
    look(lead, base, "/cvd/coordinators/", "coordinators", "Gamma CERT", width)
    lead.context.close()

    vendor = signed_in(browser, base, w.vendor_a_admin, viewport)
    look(vendor, base, f"{case}/", "vendor-case-overview", "Heap overflow", width)
    look(vendor, base, f"{case}/statements/", "vendor-statements", "2.4.1", width)
    look(vendor, base, f"{case}/embargo/", "vendor-embargo", "Accept", width)
    look(vendor, base, "/cvd/products/acme/", "vendor-products", "acme", width)
    look(vendor, base, "/cvd/contact/acme/", "vendor-contact", "Acme Routers", width)
    vendor.context.close()
    assert not PROBLEMS, "\n".join(PROBLEMS)
