"""The embargo page, /cvd/<ref>/embargo/: the state and date in UTC (and, by
local-time.js, the viewer's zone), the proposals with who answered what, and the forms."""

from __future__ import annotations

import re
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.utils import timezone

from accord.cvd.models import Case, EmbargoProposal
from accord.cvd.services import embargo as services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("case_tabs")]

# The case tabs other parts of the CVD app provide. Until they are merged in, a tests-only
# page stands in for each missing one, so case pages render; once they exist, none does.
TABS = ("case", "embargo", "statements", "discussion", "timeline", "deliveries")


def _stand_in(request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse("Another part of the case.")


def _urlconf_with_every_tab() -> ModuleType | None:
    from accord import urls as site
    from accord.cvd import urls as cvd

    named = {getattr(pattern, "name", None) for pattern in cvd.urlpatterns}
    missing = [name for name in TABS if name not in named]
    if not missing:
        return None
    stand_ins = [path(f"cvd/<str:reference>/~{name}/", _stand_in, name=name) for name in missing]
    module = ModuleType("urls_with_every_tab")
    module.urlpatterns = [  # type: ignore[attr-defined]
        *(p for p in site.urlpatterns if getattr(p, "app_name", None) != "cvd"),
        path("", include(([*cvd.urlpatterns, *stand_ins], "cvd"))),
    ]
    for handler in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, handler, getattr(site, handler))
    return module


@pytest.fixture
def case_tabs(settings: Any) -> None:
    """Every case tab resolves, whichever parts of the app are merged in."""
    urlconf = _urlconf_with_every_tab()
    if urlconf is not None:
        settings.ROOT_URLCONF = urlconf


def url(case: Case, name: str = "embargo", *args: Any) -> str:
    return reverse(f"cvd:{name}", args=[case.reference, *args])


def future(days: int = 30) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_page_shows_the_date_in_utc_for_local_time_js(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.vendor_b_member)
    response = client.post(url(w.case, "embargo_propose"), {"ends_at": "2099-01-01T09:30"})
    assert response.status_code == 422  # more than two years ahead
    when = timezone.now() + timedelta(days=30)
    response = client.post(
        url(w.case, "embargo_propose"), {"ends_at": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    page = client.get(url(w.case))
    body = text(page)
    assert page.status_code == 200
    iso = when.replace(second=0, microsecond=0).isoformat()
    assert f'<time datetime="{iso}" data-utc>{when:%-d %b %Y %H:%M} UTC</time>' in body
    assert "cvd/local-time.js" in body
    assert "<script>" not in body
    assert (
        "Accepted: <strong>1</strong> · Rejected: <strong>0</strong> · Silent: <strong>2</strong>"
        in body
    )


def test_a_date_in_the_past_is_shown_by_its_field(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(w.vendor_a_admin).post(url(w.case, "embargo_propose"), {"ends_at": past})
    assert response.status_code == 422
    assert 'id="id_ends_at-errors"' in text(response)
    assert "The embargo must end in the future (UTC)." in text(response)
    assert not EmbargoProposal.objects.exists()
    response = client_for(w.vendor_a_admin).post(
        url(w.case, "embargo_propose"), {"ends_at": "soon"}
    )
    assert response.status_code == 422


def test_the_lead_sees_who_accepted_and_who_stayed_silent(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    proposal = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=20)
    )
    vendor_b = client_for(w.vendor_b_member)
    response = vendor_b.post(
        url(w.case, "embargo_answer", proposal.pk),
        {"answer": "reject", "comment": "Our fix needs 60 days", "participant": w.participant_b.pk},
    )
    assert response.status_code == 302
    lead = text(client_for(w.secretariat).get(url(w.case)))
    assert '<tr class="answer-accept"><td>Acme Routers</td><td>Accepted</td>' in lead
    rejected = "<td>Bolt Software</td><td>Rejected</td><td>Our fix needs 60 days</td>"
    assert f'<tr class="answer-reject">{rejected}' in lead
    assert f'<tr class="answer-silent"><td>{w.lead.name}</td><td>Silent</td>' in lead
    assert "National Agency" not in lead  # observers do not answer
    own = text(vendor_b.get(url(w.case)))
    assert "Bolt Software: Rejected — Our fix needs 60 days" in own
    assert "Acme Routers: Accepted" not in own
    assert "answer-accept" not in own


def test_an_answer_that_is_too_long_is_shown_by_its_field(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    proposal = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=20)
    )
    response = client_for(w.vendor_b_member).post(
        url(w.case, "embargo_answer", proposal.pk),
        {"answer": "accept", "comment": "x" * 2001, "participant": w.participant_b.pk},
    )
    assert response.status_code == 422
    assert 'id="id_comment-errors"' in text(response)
    # A party that is not the viewer's is no choice.
    response = client_for(w.vendor_b_member).post(
        url(w.case, "embargo_answer", proposal.pk),
        {"answer": "accept", "participant": w.participant_a.pk},
    )
    assert response.status_code == 422
    assert proposal.responses.count() == 1


def test_the_lead_adopts_withdraws_and_ends_through_the_page(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    lead = client_for(w.secretariat)
    first = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=20)
    )
    second = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=40)
    )
    assert lead.post(url(w.case, "embargo_withdraw", first.pk)).status_code == 302
    assert lead.post(url(w.case, "embargo_adopt", second.pk)).status_code == 302
    w.case.refresh_from_db()
    assert (w.case.embargo_state, w.case.embargo_ends_at) == ("active", second.ends_at)
    page = text(lead.get(url(w.case)))
    assert "The embargo is active until" in page
    assert "End the embargo early" in page
    refused = lead.post(url(w.case, "embargo_end"), {"reason": " "})
    assert refused.status_code == 422
    assert 'id="id_reason-errors"' in text(refused)
    assert (
        lead.post(url(w.case, "embargo_end"), {"reason": "Exploited in the wild"}).status_code
        == 302
    )
    page = text(lead.get(url(w.case)))
    assert "The embargo ended" in page
    assert "Exploited in the wild" in page
    assert "Propose an embargo" not in page


def test_an_illegal_move_is_a_409_that_lists_the_allowed_ones(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    response = client_for(w.secretariat).post(url(w.case, "embargo_end"), {"reason": "Why not"})
    assert response.status_code == 409
    assert "Allowed: proposed." in text(response)


def test_vendors_and_observers_get_no_lead_forms(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    proposal = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=20)
    )
    vendor = text(client_for(w.vendor_b_member).get(url(w.case)))
    assert url(w.case, "embargo_adopt", proposal.pk) not in vendor
    assert url(w.case, "embargo_answer", proposal.pk) in vendor
    observer = text(client_for(w.observer).get(url(w.case)))
    assert url(w.case, "embargo_answer", proposal.pk) not in observer
    assert url(w.case, "embargo_propose") not in observer
    assert (
        client_for(w.vendor_b_member).post(url(w.case, "embargo_adopt", proposal.pk)).status_code
        == 403
    )
    assert (
        client_for(w.observer)
        .post(url(w.case, "embargo_propose"), {"ends_at": future()})
        .status_code
        == 403
    )


def test_outside_the_case_nothing_exists(cvd_world: Any, client_for: Any, client: Any) -> None:
    w = cvd_world
    proposal = services.propose_embargo(
        actor=w.vendor_a_admin, case=w.case, ends_at=timezone.now() + timedelta(days=20)
    )
    outsider = client_for(w.outsider)
    assert outsider.get(url(w.case)).status_code == 404
    assert outsider.post(url(w.case, "embargo_adopt", proposal.pk)).status_code == 404
    assert client.get(url(w.case)).status_code == 404
    lead = client_for(w.secretariat)
    # The site refuses an id past any database's integers before the view (422).
    assert lead.post(url(w.case, "embargo_adopt", 2**64)).status_code in (404, 422)
    assert lead.post(url(w.case, "embargo_adopt", proposal.pk + 1)).status_code == 404
