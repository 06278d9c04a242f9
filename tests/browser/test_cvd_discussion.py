"""A vendor in a real browser: sees the unread count of the case's discussion, opens the
thread (the new posts marked), posts Markdown and sees it rendered and defused, and the
unread marker is gone; all under the pages' Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accord.cvd.services import discussion as services
from tests.browser.helpers import sign_in
from tests.cvd.conftest import cvd_world  # noqa: F401 - the fixture, for this module
from tests.cvd.test_discussion_pages import case_tabs  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("case_tabs")]

HOSTILE_MARKDOWN = (
    "Fixed in **2.4.1**, see [the advisory](https://vendor.example/adv).\n\n"
    "<script>document.title='pwned'</script> [click](javascript:alert(1))"
)


def test_a_vendor_reads_and_posts_markdown_in_the_discussion(
    live_server: Any,
    page: Any,
    screenshot: Any,
    cvd_world: Any,  # noqa: F811 - the fixture imported above
    password: str,
) -> None:
    w = cvd_world
    thread = services.start_thread(
        actor=w.secretariat, case=w.case, title="Patch timing", body="When can you _ship_?"
    )
    services.post_reply(actor=w.vendor_b_member, thread=thread, body="Bolt: next week.")
    base = live_server.url
    sign_in(page, base, w.vendor_a_admin.email, password)

    page.goto(base + reverse("cvd:discussion", args=[w.case.reference]))
    expect(page.locator("#unread-total")).to_have_text("2 unread")
    row = page.locator("table.threads tbody tr", has_text="Patch timing")
    expect(row.locator(".unread")).to_have_text("2 unread")
    row.get_by_role("link", name="Patch timing").click()

    expect(page.locator(".post.unread")).to_have_count(2)
    expect(page.locator(".post-body em")).to_have_text("ship")
    page.get_by_label("Your post").fill(HOSTILE_MARKDOWN)
    page.get_by_role("button", name="Post").click()

    mine = page.locator(".post", has_text="Fixed in")
    expect(mine.locator(".post-body strong")).to_have_text("2.4.1")
    link = mine.get_by_role("link", name="the advisory")
    expect(link).to_have_attribute("href", "https://vendor.example/adv")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(mine.locator(".post-body")).to_contain_text("<script>document.title='pwned'</script>")
    expect(mine.locator(".post-body script")).to_have_count(0)
    expect(mine.locator(".post-body a", has_text="click")).to_have_count(0)
    assert page.title() != "pwned"
    expect(page.locator(".post.unread")).to_have_count(0)
    screenshot("cvd-discussion-thread")

    page.get_by_role("link", name="← All threads").click()
    expect(page.locator("#unread-total")).to_have_count(0)
    expect(page.locator("table.threads tbody tr", has_text="Patch timing")).not_to_contain_text(
        "unread"
    )
