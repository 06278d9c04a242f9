"""The case timeline: who reads which entries, newest first, a page at a time, and the
link a notification gives to an entry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.cvd.models import CaseEvent
from accord.cvd.selectors import timeline as selectors
from accord.cvd.services import _common, embargo, statements
from tests.cvd.test_embargo_pages import case_tabs  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("case_tabs")]


def events(w: Any, n: int) -> list[CaseEvent]:
    return [
        _common.record(case=w.case, tag="cvd:case:note", actor=w.secretariat, summary=f"Step {i}")
        for i in range(n)
    ]


def test_each_reads_the_entries_meant_for_them(cvd_world: Any) -> None:
    w = cvd_world
    statements.make_statement(
        actor=w.vendor_a_admin,
        participant=w.participant_a,
        vulnerability=w.vulnerability,
        status="affected",
    )
    embargo.propose_embargo(
        actor=w.vendor_b_member, case=w.case, ends_at=timezone.now() + timedelta(days=9)
    )
    tags = lambda user: [e.tag for e in selectors.timeline_for(user, w.case)]  # noqa: E731
    lead = tags(w.secretariat)
    assert lead[:2] == ["cvd:embargo:propose", "cvd:statement:set"]
    assert "cvd:statement:set" in tags(w.vendor_a_admin)
    assert "cvd:statement:set" not in tags(w.vendor_b_member)
    assert "cvd:embargo:propose" in tags(w.vendor_b_member)
    assert tags(w.observer) == []
    assert tags(w.outsider) == []


def test_pages_are_named_by_their_newest_entry(cvd_world: Any) -> None:
    w = cvd_world
    made = events(w, 120)
    newest = list(selectors.timeline_for(w.secretariat, w.case))
    first = selectors.timeline_page(w.secretariat, w.case)
    assert first.events == newest[:50]
    assert (first.newer, first.older) == (None, newest[50].pk)
    second = selectors.timeline_page(w.secretariat, w.case, upto=first.older)
    assert second.events == newest[50:100]
    assert second.newer == 0  # the newest page
    third = selectors.timeline_page(w.secretariat, w.case, upto=second.older)
    assert third.events == newest[100:]
    assert third.older is None
    assert third.newer == newest[50].pk
    assert made[0] in third.events


def test_a_link_lands_on_the_page_holding_the_entry(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    made = events(w, 70)
    target = made[3]
    link = selectors.timeline_link(target)
    assert link == f"/cvd/{w.case.reference}/timeline/?upto={target.pk}#event-{target.pk}"
    page = client_for(w.secretariat).get(link.split("#")[0])
    body = page.content.decode()
    assert f'id="event-{target.pk}"' in body
    assert "Step 3" in body
    assert 'rel="prev"' in body  # newer entries, a page up


def test_the_page_is_newest_first_with_anchors(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    made = events(w, 3)
    body = (
        client_for(w.vendor_b_member)
        .get(reverse("cvd:timeline", args=[w.case.reference]))
        .content.decode()
    )
    ids = [int(i) for i in re.findall(r'<li id="event-(\d+)"', body)]
    assert ids[:3] == [made[2].pk, made[1].pk, made[0].pk]
    assert ids == sorted(ids, reverse=True)
    assert "cvd/local-time.js" in body


def test_a_bad_page_name_shows_the_newest_page(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    events(w, 2)
    client = client_for(w.secretariat)
    base = reverse("cvd:timeline", args=[w.case.reference])
    for upto in ("x", "-1", "0", "9" * 30):
        response = client.get(base, {"upto": upto})
        assert response.status_code == 200
        assert "Step 1" in response.content.decode()
    assert client_for(w.outsider).get(base).status_code == 404


def test_the_newest_entry_named_has_no_newer_page(cvd_world: Any) -> None:
    w = cvd_world
    made = events(w, 3)
    page = selectors.timeline_page(w.secretariat, w.case, upto=made[-1].pk)
    assert page.newer is None
    assert page.events[0] == made[-1]
