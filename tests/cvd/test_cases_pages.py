"""The case pages through HTTP: the list, opening a case, the overview with its forms,
a vulnerability's page, declared products and accepting an invitation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Organisation
from accord.cvd.models import (
    AffectedProduct,
    Case,
    Participant,
    Report,
    VendorProduct,
    Vulnerability,
)
from accord.cvd.services import cases, invitations, products, vulnerabilities
from accord.notifications.models import Message

# The tabs of the case header that other parts of the CVD work build are stood in for.
pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cvd.case_urls")]

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def case_url(w: Any, name: str = "cvd:case", *args: Any) -> str:
    return reverse(name, args=[w.case.reference, *args])


def test_the_list_shows_the_viewers_cases_filtered(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    cases.open_case(actor=w.secretariat, title="Red one", tlp="red")
    client = client_for(w.secretariat)
    html = page(client, reverse("cvd:cases"))
    assert "Red one" in html
    assert w.case.title in html
    assert "Open a case" in html
    html = page(client, reverse("cvd:cases") + "?tlp=red")
    assert "Red one" in html
    assert w.case.title not in html
    html = page(client, reverse("cvd:cases") + "?embargo_state=active")
    assert "No cases match these filters" in html
    vendor = page(client_for(w.vendor_a_admin), reverse("cvd:cases"))
    assert w.case.title in vendor
    assert "Red one" not in vendor
    assert "No cases" in page(client_for(w.outsider), reverse("cvd:cases"))
    assert 'href="/cvd/"' in vendor  # the nav link
    assert Client().get(reverse("cvd:cases")).status_code == 302


def test_the_list_is_paginated(cvd_world: Any, client_for: Any) -> None:
    for n in range(26):
        cases.open_case(actor=cvd_world.secretariat, title=f"Case {n}")
    html = page(client_for(cvd_world.secretariat), reverse("cvd:cases") + "?page=2")
    assert "Page 2 of 2" in html


def test_a_member_opens_a_case_for_its_own_product(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.vendor_b_member)
    html = page(client, reverse("cvd:case_new"))
    assert "Bolt Software" in html
    assert "The secretariat" not in html
    response = client.post(
        reverse("cvd:case_new"),
        {"title": "Our flaw", "tlp": "green", "organisation": w.vendor_b.pk},
    )
    case = Case.objects.get(title="Our flaw")
    assert response.status_code == 302
    assert response["Location"] == reverse("cvd:case", args=[case.reference])
    assert case.coordinator == w.vendor_b
    refused = client.post(
        reverse("cvd:case_new"), {"title": "x", "tlp": "green", "organisation": w.vendor_a.pk}
    )
    assert refused.status_code == 422


def test_the_secretariat_opens_a_case_it_leads(cvd_world: Any, client_for: Any) -> None:
    client = client_for(cvd_world.secretariat)
    response = client.post(
        reverse("cvd:case_new"), {"title": "Ours", "tlp": "amber", "organisation": ""}
    )
    assert response.status_code == 302
    assert Case.objects.get(title="Ours").coordinator is None
    response = client.post(
        reverse("cvd:case_new"), {"title": "  ", "tlp": "amber", "organisation": ""}
    )
    assert response.status_code == 422


def test_someone_without_an_organisation_may_not_open_a_case(
    cvd_world: Any, client_for: Any, make_user: Any
) -> None:
    assert client_for(make_user("lone@example.org")).get(reverse("cvd:case_new")).status_code == 403


def test_outsiders_find_no_case(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    for person in (w.outsider, w.coordinator):
        client = client_for(person)
        assert client.get(case_url(w)).status_code == 404
        assert (
            client.post(case_url(w, "cvd:case_edit"), {"title": "x", "tlp": "red"}).status_code
            == 404
        )
        assert client.post(case_url(w, "cvd:vulnerability_add"), {"title": "x"}).status_code == 404
        assert client.get(case_url(w, "cvd:vulnerability", 1)).status_code == 404
    assert Client().get(case_url(w)).status_code == 404
    assert (
        client_for(w.secretariat).get(reverse("cvd:case", args=["ACC-1999-0001"])).status_code
        == 404
    )


def test_the_overview_shows_vulnerabilities_scores_and_participants(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    vulnerabilities.edit_vulnerability(
        actor=w.secretariat, vulnerability=w.vulnerability, cvss_vector=V31, cwe_ids="CWE-122"
    )
    products.add_affected_product(
        actor=w.secretariat,
        vulnerability=w.vulnerability,
        purl="pkg:npm/%40acme/widget",
        versions="vers:npm/<2.0.0",
    )
    html = page(client_for(w.vendor_b_member), case_url(w))
    assert "9.8 Critical" in html
    assert V31 in html
    assert "CWE-122" in html
    assert "pkg:npm/%40acme/widget" in html
    assert "vers:npm/&lt;2.0.0" in html
    assert "Acme Routers" in html
    assert "National Agency" in html
    assert "Add a vulnerability" not in html
    assert "Edit the case" not in html
    lead = page(client_for(w.secretariat), case_url(w))
    assert "Add a vulnerability" in lead
    assert "Invite a vendor by email" in lead


def test_the_reporter_is_named_only_to_those_who_may_know(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    report = Report.objects.create(
        reference="R-2026-0001",
        title="t",
        description="d",
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
    )
    case = cases.open_case(actor=w.secretariat, title="From a report", report=report)
    cases.add_participant(actor=w.secretariat, case=case, role="vendor", organisation=w.vendor_a)
    url = reverse("cvd:case", args=[case.reference])
    assert "Rita Reporter" in page(client_for(w.secretariat), url)
    vendor = page(client_for(w.vendor_a_admin), url)
    assert "Rita Reporter" not in vendor
    assert "rita@example.org" not in vendor
    Report.objects.filter(pk=report.pk).update(identity_disclosed=True)
    assert "Rita Reporter" in page(client_for(w.vendor_a_admin), url)
    assert "is not credited by name in the published advisory" in page(
        client_for(w.secretariat), url
    )
    Report.objects.filter(pk=report.pk).update(credit_publicly=True)
    assert "asked to be credited by name" in page(client_for(w.secretariat), url)
    assert "credited by name" not in page(client_for(w.vendor_a_admin), url)


def test_a_vendor_sets_its_own_tracking_id_and_state(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.vendor_a_admin)
    html = page(client, case_url(w))
    assert f'action="{case_url(w, "cvd:participant_tracking", w.participant_a.pk)}"' in html
    assert f'action="{case_url(w, "cvd:participant_tracking", w.participant_b.pk)}"' not in html
    response = client.post(
        case_url(w, "cvd:participant_tracking", w.participant_a.pk), {"tracking_id": "ACME-42"}
    )
    assert response.status_code == 302
    assert 'value="ACME-42"' in page(client, case_url(w))
    assert "ACME-42" not in page(client_for(w.vendor_b_member), case_url(w))
    assert "ACME-42" in page(client_for(w.secretariat), case_url(w))
    too_long = client.post(
        case_url(w, "cvd:participant_tracking", w.participant_a.pk), {"tracking_id": "x" * 101}
    )
    assert too_long.status_code == 422
    assert "at most 100" in too_long.content.decode()
    client.post(case_url(w, "cvd:participant_state", w.participant_a.pk), {"state": "valid"})
    w.participant_a.refresh_from_db()
    assert w.participant_a.rm_state == "valid"
    assert (
        client.post(
            case_url(w, "cvd:participant_state", w.participant_a.pk), {"state": "received"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            case_url(w, "cvd:participant_state", w.participant_a.pk), {"state": "bogus"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            case_url(w, "cvd:participant_tracking", w.participant_b.pk), {"tracking_id": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(case_url(w, "cvd:participant_state", 999999), {"state": "valid"}).status_code
        == 404
    )


def test_the_lead_edits_the_case(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    response = client.post(
        case_url(w, "cvd:case_edit"), {"title": "Renamed", "summary": "New", "tlp": "red"}
    )
    assert response.status_code == 302
    w.case.refresh_from_db()
    assert (w.case.title, w.case.summary, w.case.tlp) == ("Renamed", "New", "red")
    bad = client.post(case_url(w, "cvd:case_edit"), {"title": "", "tlp": "red"})
    assert bad.status_code == 422
    vendor = client_for(w.vendor_a_admin).post(
        case_url(w, "cvd:case_edit"), {"title": "x", "tlp": "red"}
    )
    assert vendor.status_code == 403


def test_the_lead_adds_a_vulnerability_with_a_product(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    form = {
        "title": "SQLi",
        "cwe_ids": "CWE-89",
        "cvss_vector": V31,
        "purl": "pkg:pypi/acme-db",
        "versions": "vers:pypi/<3.1",
    }
    assert client.post(case_url(w, "cvd:vulnerability_add"), form).status_code == 302
    added = Vulnerability.objects.get(title="SQLi")
    assert (added.number, str(added.cvss_score)) == (2, "9.8")
    assert added.products.get().purl == "pkg:pypi/acme-db"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("cvss_vector", "CVSS:3.1/AV:N", "CVSS vector is not valid"),
        ("purl", "npm/acme", "package URL is not valid"),
        ("cpe", "cpe:2.3:a:acme", "13 components"),
        ("versions", "vers:npm/>=x", "version range is not valid"),
        ("cwe_ids", "CWE-x", "is not a CWE id"),
    ],
)
def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_stored(
    cvd_world: Any, client_for: Any, field: str, value: str, says: str
) -> None:
    w = cvd_world
    form = {"title": "Kept title", "purl": "pkg:npm/x" if field == "versions" else "", field: value}
    response = client_for(w.secretariat).post(case_url(w, "cvd:vulnerability_add"), form)
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(rf'id="vuln_{field}-errors"[^>]*>[^<]*{re.escape(says)}', html), html[:200]
    assert 'value="Kept title"' in html
    assert Vulnerability.objects.count() == 1
    assert not AffectedProduct.objects.exists()


def test_a_supplier_decision_from_the_form(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    form = {
        "title": "RCE",
        "ssvc_kind": "supplier",
        "supplier_E": "A",
        "supplier_U": "S",
        "supplier_TI": "T",
        "supplier_PSI": "S",
    }
    assert client.post(case_url(w, "cvd:vulnerability_add"), form).status_code == 302
    assert "Immediate" in page(client, case_url(w))
    missing = client.post(
        case_url(w, "cvd:vulnerability_add"),
        {"title": "x", "ssvc_kind": "supplier", "supplier_E": "A"},
    )
    assert missing.status_code == 422
    assert 'id="vuln_supplier_U-errors"' in missing.content.decode()


def test_the_vulnerability_page_edits_it_and_its_products(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    url = case_url(w, "cvd:vulnerability", 1)
    assert "Save V1" in page(client, url)
    response = client.post(url, {"title": "Heap overflow!", "cvss_vector": V31, "cwe_ids": "122"})
    assert response.status_code == 302
    assert client.post(url, {"title": "x", "cvss_vector": "CVSS:4.0/AV:N"}).status_code == 422
    add = case_url(w, "cvd:product_add", 1)
    assert client.post(add, {"cpe": "cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*"}).status_code == 302
    bad = client.post(add, {"cpe": "cpe:2.3:a:acme"})
    assert bad.status_code == 422
    assert 'id="product_cpe-errors"' in bad.content.decode()
    product = AffectedProduct.objects.get()
    assert client.post(case_url(w, "cvd:product_remove", 1, product.pk)).status_code == 302
    assert client.post(case_url(w, "cvd:product_remove", 1, product.pk)).status_code == 404
    assert client.post(case_url(w, "cvd:vulnerability_remove", 1)).status_code == 302
    assert client.get(url).status_code == 404
    w.vulnerability = Vulnerability.objects.create(case=w.case, number=1, title="Again")
    assert client_for(w.vendor_a_admin).get(url).status_code == 403


def test_the_lead_adds_and_removes_participants(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    other = Organisation.objects.create(name="Zeta Labs", slug="zeta")
    assert "Zeta Labs" in page(client, case_url(w))
    response = client.post(
        case_url(w, "cvd:participant_add"), {"organisation": other.pk, "role": "observer"}
    )
    assert response.status_code == 302
    added = Participant.objects.get(organisation=other)
    assert added.role == "observer"
    assert (
        client.post(
            case_url(w, "cvd:participant_add"), {"organisation": other.pk, "role": "observer"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            case_url(w, "cvd:participant_add"), {"organisation": "nope", "role": "vendor"}
        ).status_code
        == 422
    )
    assert client.post(case_url(w, "cvd:participant_remove", added.pk)).status_code == 302
    assert client.post(case_url(w, "cvd:participant_remove", added.pk)).status_code == 404
    vendor = client_for(w.vendor_a_admin)
    assert vendor.post(case_url(w, "cvd:participant_remove", w.participant_b.pk)).status_code == 403


def test_suggested_vendors_are_added_in_one_click(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    maker = Organisation.objects.create(name="Widget Makers", slug="widgets")
    VendorProduct.objects.create(organisation=maker, purl_type="npm", purl_namespace="@acme")
    products.add_affected_product(
        actor=w.secretariat, vulnerability=w.vulnerability, purl="pkg:npm/%40acme/widget"
    )
    client = client_for(w.secretariat)
    html = page(client, case_url(w))
    assert "Widget Makers" in html
    assert "declared pkg:npm/@acme/*" in html
    assert client.post(case_url(w, "cvd:suggestion_add", maker.pk)).status_code == 302
    assert Participant.objects.filter(organisation=maker, role="vendor").exists()
    assert client.post(case_url(w, "cvd:suggestion_add", maker.pk)).status_code == 404
    assert "No member organisation has declared" in page(client, case_url(w))


def test_the_overview_of_500_participants_takes_a_bounded_number_of_queries(
    cvd_world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    w = cvd_world
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Vendor {n:03d}", slug=f"v{n}") for n in range(500)
    )
    Participant.objects.bulk_create(
        Participant(case=w.case, role="vendor", organisation=o, name=o.name) for o in orgs
    )
    for n in range(2, 12):
        v = Vulnerability.objects.create(case=w.case, number=n, title=f"V{n}")
        AffectedProduct.objects.create(
            vulnerability=v, purl=f"pkg:npm/p{n}", purl_type="npm", purl_name=f"p{n}"
        )
    vendor, lead = client_for(w.vendor_a_admin), client_for(w.secretariat)
    page(vendor, case_url(w))
    page(lead, case_url(w))
    with django_assert_max_num_queries(30):
        html = page(vendor, case_url(w) + "?page=3")
    assert "Page 3 of 11" in html
    with django_assert_max_num_queries(45):
        page(lead, case_url(w))


def test_an_invitation_is_sent_revoked_and_accepted_by_a_new_account(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    lead = client_for(w.secretariat)
    assert lead.post(case_url(w, "cvd:invite"), {"email": "bad"}).status_code == 422
    assert (
        lead.post(
            case_url(w, "cvd:invite"), {"email": "psirt@tiny.example", "name": "Tiny"}
        ).status_code
        == 302
    )
    body = Message.objects.get(to_address="psirt@tiny.example").body
    link = re.search(r"(/cvd/invitations/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]
    visitor = Client()
    html = page(visitor, link)
    assert "Create the account" in html
    assert "Sign in" in html
    short = visitor.post(link, {"password": "x"})
    assert short.status_code == 422
    response = visitor.post(link, {"password": "a long enough password 42", "full_name": "Tina"})
    case = w.case
    assert response.status_code == 302
    assert response["Location"] == reverse("cvd:case", args=[case.reference])
    html = page(visitor, reverse("cvd:case", args=[case.reference]))
    assert "Tiny" in html
    assert "(you)" in html
    assert "accepted already" in page(visitor, link)
    other = cases.open_case(actor=w.secretariat, title="Other")
    assert visitor.get(reverse("cvd:case", args=[other.reference])).status_code == 404
    lead_html = page(lead, case_url(w))
    assert "psirt@tiny.example" in lead_html
    assert "accepted" in lead_html


def test_an_invitation_is_accepted_by_the_signed_in_account_of_its_address(
    cvd_world: Any, client_for: Any, make_user: Any
) -> None:
    w = cvd_world
    invitation = invitations.invite_vendor(
        actor=w.secretariat, case=w.case, email="psirt@tiny.example"
    )
    link = re.search(r"(/cvd/invitations/[^/\s]+/)", Message.objects.get().body).group(1)  # type: ignore[union-attr]
    assert "you are signed in as" in page(client_for(w.outsider), link)
    owner = client_for(make_user("psirt@tiny.example"))
    assert "Take part" in page(owner, link)
    assert owner.post(link).status_code == 302
    assert Participant.objects.get(pk=invitation.participant.pk).user is not None
    assert Client().get("/cvd/invitations/nope.nope/").status_code == 404


def test_the_lead_revokes_an_invitation(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    invitation = invitations.invite_vendor(
        actor=w.secretariat, case=w.case, email="psirt@tiny.example"
    )
    link = re.search(r"(/cvd/invitations/[^/\s]+/)", Message.objects.get().body).group(1)  # type: ignore[union-attr]
    url = case_url(w, "cvd:invitation_revoke", invitation.pk)
    assert client_for(w.vendor_a_admin).post(url).status_code == 404
    assert client_for(w.secretariat).post(url).status_code == 302
    assert "withdrawn" in page(Client(), link)
    assert client_for(w.secretariat).post(url).status_code == 409


def test_the_products_page_declares_and_withdraws(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    url = reverse("cvd:vendor_products", args=["acme"])
    admin = client_for(w.vendor_a_admin)
    assert "No products declared yet" in page(admin, url)
    assert admin.post(url, {"purl_type": "npm", "purl_namespace": "@acme"}).status_code == 302
    bad = admin.post(url, {"cpe_vendor": "ac*"})
    assert bad.status_code == 422
    assert 'id="id_cpe_vendor-errors"' in bad.content.decode()
    declared = VendorProduct.objects.get()
    assert "pkg:npm/@acme/*" in page(client_for(w.secretariat), url)
    assert client_for(w.vendor_b_member).get(url).status_code == 404
    assert (
        client_for(w.secretariat)
        .post(url, {"purl_type": "npm", "purl_namespace": "@x"})
        .status_code
        == 403
    )
    withdraw = reverse("cvd:vendor_product_withdraw", args=["acme", declared.pk])
    assert client_for(w.vendor_b_member).post(withdraw).status_code == 404
    assert (
        client_for(w.secretariat)
        .post(reverse("cvd:vendor_product_withdraw", args=["bolt", declared.pk]))
        .status_code
        == 404
    )
    assert admin.post(withdraw).status_code == 302
    assert not VendorProduct.objects.exists()
    assert (
        client_for(w.secretariat).get(reverse("cvd:vendor_products", args=["nosuch"])).status_code
        == 404
    )


def test_the_edit_form_starts_from_the_stored_ssvc_decision(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    inputs = {"E": "P", "EXP": "O", "A": "Y", "HI": "VH"}
    vulnerabilities.edit_vulnerability(
        actor=w.secretariat, vulnerability=w.vulnerability, ssvc_kind="deployer", ssvc_inputs=inputs
    )
    html = page(client_for(w.secretariat), case_url(w, "cvd:vulnerability", 1))
    assert re.search(r'<option value="deployer" selected>', html)
    assert re.search(r'name="deployer_HI"[^>]*>.*?<option value="VH" selected>', html, re.DOTALL)


def test_a_closed_participant_has_no_state_to_move_to(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    Participant.objects.filter(pk=w.participant_a.pk).update(rm_state="closed")
    html = page(client_for(w.vendor_a_admin), case_url(w))
    assert case_url(w, "cvd:participant_state", w.participant_a.pk) not in html
    assert case_url(w, "cvd:participant_tracking", w.participant_a.pk) in html


def test_search_finds_only_what_the_searcher_may_read(cvd_world: Any, client_for: Any) -> None:
    """A word that appears only in a private thread between the lead and vendor A finds
    the case for them, and not for vendor B, who may see the case but not that thread."""
    from accord.cvd.models import Post, Thread

    w = cvd_world
    thread = Thread.objects.create(case=w.case, title="Private", private_with=w.participant_a)
    Post.objects.create(thread=thread, author=w.secretariat, body="the zanzibar exploit")
    url = reverse("cvd:cases") + "?text=zanzibar"
    assert w.case.reference in page(client_for(w.vendor_a_admin), url)
    assert w.case.reference in page(client_for(w.secretariat), url)
    assert w.case.reference not in page(client_for(w.vendor_b_member), url)
    by_title = reverse("cvd:cases") + "?text=router+firmware"
    assert w.case.reference in page(client_for(w.vendor_b_member), by_title)
    assert w.case.reference not in page(client_for(w.outsider), by_title)


def test_the_lead_closes_the_case_from_its_page(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    client = client_for(w.secretariat)
    url = reverse("cvd:case", args=[w.case.reference])
    assert "Close the case" in page(client, url)
    response = client.post(reverse("cvd:case_close", args=[w.case.reference]), {"reason": "Done."})
    assert response.status_code == 302
    html = page(client, url)
    assert "the discussion is read-only" in html
    assert "Reopen the case" in html
    assert "Close the case" not in page(client_for(w.vendor_a_admin), url)
    client.post(reverse("cvd:case_reopen", args=[w.case.reference]))
    assert "Close the case" in page(client, url)
