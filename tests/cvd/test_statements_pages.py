"""The statements page, /cvd/<ref>/statements/: the coordinators' matrix, a vendor's own
view and forms, and nothing for observers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accord.cvd.models import AffectedProduct, Statement
from accord.cvd.services import statements as services
from tests.cvd.test_embargo_pages import case_tabs  # noqa: F401 (a fixture)
from tests.cvd.test_statements import many_vendors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("case_tabs")]


def url(w: Any, name: str = "statements") -> str:
    return reverse(f"cvd:{name}", args=[w.case.reference])


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def stated(cvd_world: Any) -> Statement:
    w = cvd_world
    return services.make_statement(
        actor=w.vendor_a_admin,
        participant=w.participant_a,
        vulnerability=w.vulnerability,
        status="fixed",
        fixed_version="4.2.0-acme",
    )


def test_the_lead_sees_the_matrix_with_silent_vendors(
    cvd_world: Any, stated: Statement, client_for: Any
) -> None:
    w = cvd_world
    page = text(client_for(w.secretariat).get(url(w)))
    assert '<th scope="col">V1 as a whole</th>' in page
    assert "4.2.0-acme" in page
    assert f'<tr class="vendor-silent" id="vendor-{w.participant_b.pk}">' in page
    assert f'<tr class="" id="vendor-{w.participant_a.pk}">' in page
    assert "Record a statement for a vendor" in page


def test_vendor_b_never_sees_vendor_a_statements(
    cvd_world: Any, stated: Statement, client_for: Any
) -> None:
    w = cvd_world
    page = text(client_for(w.vendor_b_member).get(url(w)))
    assert "Your statements" in page
    assert "4.2.0-acme" not in page
    assert "Acme Routers" not in page
    assert "vendor-silent" not in page
    own = text(client_for(w.vendor_a_admin).get(url(w)))
    assert "4.2.0-acme" in own


def test_observers_see_no_statements(cvd_world: Any, stated: Statement, client_for: Any) -> None:
    w = cvd_world
    page = text(client_for(w.observer).get(url(w)))
    assert "4.2.0-acme" not in page
    assert "read by the case's coordinators and each vendor for itself" in page
    assert url(w, "statement_set") not in page
    response = client_for(w.observer).post(
        url(w, "statement_set"), {"target": "1", "status": "affected"}
    )
    assert response.status_code == 422
    assert Statement.objects.count() == 1


def test_a_vendor_states_through_its_own_form(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    product = AffectedProduct.objects.create(
        vulnerability=w.vulnerability, cpe="cpe:2.3:o:acme:fw:*:*:*:*:*:*:*:*"
    )
    client = client_for(w.vendor_b_member)
    refused = client.post(
        url(w, "statement_set"), {"target": f"1:{product.pk}", "status": "not_affected"}
    )
    assert refused.status_code == 422
    assert 'id="statement_justification-errors"' in text(refused)
    assert not Statement.objects.exists()
    response = client.post(
        url(w, "statement_set"),
        {
            "target": f"1:{product.pk}",
            "status": "not_affected",
            "justification": "vulnerable_code_not_present",
            "note": "We never shipped the parser.",
        },
    )
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert (statement.participant, statement.product) == (w.participant_b, product)
    page = text(client.get(url(w)))
    assert "Vulnerable code not present" in page
    assert "We never shipped the parser." in page


def test_a_vendor_disputes_through_the_page(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.vendor_a_admin)
    refused = client.post(url(w, "statement_dispute"), {"vulnerability": "1", "reason": ""})
    assert refused.status_code == 422
    assert 'id="dispute_reason-errors"' in text(refused)
    response = client.post(
        url(w, "statement_dispute"), {"vulnerability": "1", "reason": "Not a flaw: by design."}
    )
    assert response.status_code == 302
    assert Statement.objects.get().disputed
    page = text(client.get(url(w)))
    assert "Disputed: Not a flaw: by design." in page
    assert url(w, "statement_undispute") in page
    response = client.post(url(w, "statement_undispute"), {"vulnerability": "1"})
    assert response.status_code == 302
    assert not Statement.objects.get().disputed
    again = client.post(url(w, "statement_undispute"), {"vulnerability": "1"})
    assert again.status_code == 409
    assert "Allowed: dispute." in text(again)
    assert client.post(url(w, "statement_undispute"), {"vulnerability": "9"}).status_code == 422


def test_the_lead_records_for_a_vendor(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    response = client_for(w.secretariat).post(
        url(w, "statement_set"),
        {
            "participant": w.participant_b.pk,
            "target": "1",
            "status": "fixed",
            "fixed_version": "1.1",
        },
    )
    assert response.status_code == 302
    assert Statement.objects.get().participant == w.participant_b
    refused = client_for(w.secretariat).post(
        url(w, "statement_set"),
        {"participant": w.participant_b.pk, "target": "1", "status": "fixed", "fixed_version": " "},
    )
    assert refused.status_code == 422
    assert "Fixed needs the version that fixes it." in text(refused)
    # Both forms offer every vendor; the refused one keeps the vendor it was sent for.
    chosen = f'<option value="{w.participant_b.pk}" selected>{w.participant_b.name}</option>'
    statement_select = text(refused).split('name="participant"')[1].split("</select>")[0]
    dispute_select = text(refused).split('name="participant"')[2].split("</select>")[0]
    assert chosen in statement_select
    assert (
        f'<option value="{w.participant_a.pk}">{w.participant_a.name}</option>' in statement_select
    )
    assert f'<option value="{w.participant_b.pk}">{w.participant_b.name}</option>' in dispute_select
    assert '<select name="participant" id="statement_participant">' in text(refused)
    assert '<select name="participant" id="dispute_participant">' in text(refused)


def test_the_matrix_page_is_paginated_in_a_fixed_number_of_queries(
    cvd_world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = cvd_world
    client = client_for(w.secretariat)
    many_vendors(w, 3, 1, "Small")
    client.get(url(w))
    with CaptureQueriesContext(connection) as small:
        client.get(url(w))
    many_vendors(w, 500, 18, "Vendor")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url(w) + "?page=3")
    body = text(page)
    assert "Page 3 of 11" in body
    assert body.count("vendor-silent") == 5
