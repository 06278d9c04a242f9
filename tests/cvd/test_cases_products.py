"""Affected products, the products organisations declare, and the vendors a case's
products suggest to its lead."""

from __future__ import annotations

from typing import Any

import pytest

from accord.access import Permission, has_perm
from accord.accounts.models import Membership, Organisation
from accord.audit.models import Event
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import AffectedProduct, Statement, VendorProduct
from accord.cvd.selectors import cases as selectors
from accord.cvd.services import cases, products

pytestmark = pytest.mark.django_db


def affect(w: Any, **fields: str) -> AffectedProduct:
    return products.add_affected_product(
        actor=w.secretariat, vulnerability=w.vulnerability, **fields
    )


def test_a_purl_product_keeps_its_parts_and_range(cvd_world: Any) -> None:
    product = affect(
        cvd_world, purl="pkg:npm/%40acme/widget@1.2", versions="vers:npm/<2.0.0|>=1.0.0"
    )
    product.refresh_from_db()
    assert (product.purl_type, product.purl_namespace, product.purl_name) == (
        "npm",
        "@acme",
        "widget",
    )
    assert product.versions == "vers:npm/>=1.0.0|<2.0.0"
    assert cvd_world.case.events.filter(tag="cvd:product:add").exists()


def test_a_cpe_product_keeps_its_vendor_and_product(cvd_world: Any) -> None:
    product = affect(cvd_world, cpe="cpe:2.3:o:Acme:Router_OS:*:*:*:*:*:*:*:*")
    assert (product.cpe_vendor, product.cpe_product, product.purl) == ("acme", "router_os", "")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "purl"),
        ({"purl": "pkg:npm/x", "cpe": "cpe:2.3:a:a:b:*:*:*:*:*:*:*:*"}, "purl"),
        ({"purl": "pkg:npm"}, "purl"),
        ({"cpe": "cpe:2.3:a:acme"}, "cpe"),
        ({"purl": "pkg:npm/x", "versions": "vers:npm/>=x"}, "versions"),
    ],
)
def test_a_malformed_product_names_its_field_and_stores_nothing(
    cvd_world: Any, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        affect(cvd_world, **fields)
    assert refused.value.field == field
    assert not AffectedProduct.objects.exists()


def test_only_the_lead_lists_products(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        products.add_affected_product(
            actor=w.vendor_a_admin, vulnerability=w.vulnerability, purl="pkg:npm/x"
        )
    with pytest.raises(NotFound):
        products.add_affected_product(
            actor=w.outsider, vulnerability=w.vulnerability, purl="pkg:npm/x"
        )


def test_a_product_is_removed_unless_vendors_stated_on_it(cvd_world: Any) -> None:
    w = cvd_world
    product = affect(w, purl="pkg:npm/x")
    kept = affect(w, purl="pkg:npm/y")
    products.remove_affected_product(actor=w.secretariat, product=product)
    Statement.objects.create(
        participant=w.participant_a, vulnerability=w.vulnerability, product=kept
    )
    with pytest.raises(StateConflict):
        products.remove_affected_product(actor=w.secretariat, product=kept)
    assert list(AffectedProduct.objects.all()) == [kept]


# Declared products ----------------------------------------------------------------------


def declare(w: Any, **fields: str) -> VendorProduct:
    return products.declare_vendor_product(
        actor=w.vendor_a_admin, organisation=w.vendor_a, **fields
    )


def test_an_organisations_admin_declares_its_products(cvd_world: Any) -> None:
    w = cvd_world
    namespace = declare(w, purl_type=" NPM ", purl_namespace="%40acme/")
    pypi = declare(w, purl_type="pypi", purl_name="acme-tools")
    cpe = declare(w, cpe_vendor="Acme", cpe_product="Router_OS")
    assert str(namespace) == "pkg:npm/@acme/*"
    assert (pypi.purl_namespace, pypi.purl_name) == ("", "acme-tools")
    assert (cpe.cpe_vendor, cpe.cpe_product) == ("acme", "router_os")
    assert Event.objects.filter(tag="cvd:vendorproduct:declare").count() == 3
    assert list(selectors.vendor_products_of(w.vendor_a_admin, w.vendor_a)) == [
        cpe,
        namespace,
        pypi,
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "purl_type"),
        ({"purl_type": "npm", "cpe_vendor": "acme"}, "purl_type"),
        ({"purl_type": "n pm", "purl_namespace": "x"}, "purl_type"),
        ({"purl_type": "npm"}, "purl_namespace"),
        ({"purl_type": "npm", "purl_namespace": "a b"}, "purl_namespace"),
        ({"purl_type": "npm", "purl_namespace": "@a", "purl_name": "x/y"}, "purl_name"),
        ({"purl_type": "npm", "purl_namespace": "a//b"}, "purl_namespace"),
        ({"cpe_vendor": "*"}, "cpe_vendor"),
        ({"cpe_vendor": "acme", "cpe_product": "ro*"}, "cpe_product"),
    ],
)
def test_a_bad_declaration_names_its_field(
    cvd_world: Any, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        declare(cvd_world, **fields)
    assert refused.value.field == field
    assert not VendorProduct.objects.exists()


def test_a_product_is_declared_once(cvd_world: Any) -> None:
    declare(cvd_world, purl_type="npm", purl_namespace="@acme")
    with pytest.raises(StateConflict):
        declare(cvd_world, purl_type="npm", purl_namespace="@ACME")


def test_only_its_admins_declare_and_only_members_see(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        products.declare_vendor_product(
            actor=w.vendor_b_member,
            organisation=w.vendor_b,
            purl_type="npm",
            purl_namespace="@bolt",
        )
    with pytest.raises(NotAllowed):
        products.declare_vendor_product(
            actor=w.vendor_a_admin, organisation=w.vendor_b, purl_type="npm", purl_namespace="@bolt"
        )
    declared = declare(w, purl_type="npm", purl_namespace="@acme")
    assert has_perm(w.secretariat, Permission.CVD_PRODUCT_VIEW, w.vendor_a)
    assert has_perm(w.vendor_a_admin, Permission.CVD_PRODUCT_VIEW, w.vendor_a)
    assert not has_perm(w.vendor_b_member, Permission.CVD_PRODUCT_VIEW, w.vendor_a)
    assert not selectors.vendor_products_of(w.vendor_b_member, w.vendor_a).exists()
    assert selectors.vendor_product_for(w.vendor_b_member, declared.pk) is None


def test_a_declared_product_is_withdrawn_by_its_admins(cvd_world: Any) -> None:
    w = cvd_world
    declared = declare(w, purl_type="npm", purl_namespace="@acme")
    with pytest.raises(NotFound):
        products.withdraw_vendor_product(actor=w.vendor_b_member, product=declared)
    # A plain member of Acme sees the product, and may not withdraw it.
    Membership.objects.create(user=w.vendor_b_member, organisation=w.vendor_a, role="member")
    with pytest.raises(NotAllowed):
        products.withdraw_vendor_product(actor=w.vendor_b_member, product=declared)
    products.withdraw_vendor_product(actor=w.vendor_a_admin, product=declared)
    assert not VendorProduct.objects.exists()
    assert Event.objects.filter(tag="cvd:vendorproduct:withdraw").exists()


# Suggestions ----------------------------------------------------------------------------


@pytest.fixture
def makers(cvd_world: Any) -> dict[str, Organisation]:
    """Three organisations outside the case that declared products, one suspended."""
    made = {}
    for slug, kind in (("widgets", "purl"), ("routers", "cpe"), ("gone", "purl")):
        org = Organisation.objects.create(name=slug.title(), slug=slug)
        if kind == "purl":
            VendorProduct.objects.create(organisation=org, purl_type="npm", purl_namespace="@Acme")
        else:
            VendorProduct.objects.create(
                organisation=org, cpe_vendor="acme", cpe_product="router_os"
            )
        made[slug] = org
    made["gone"].standing = Organisation.Standing.SUSPENDED
    made["gone"].save()
    return made


def test_matching_declarations_suggest_vendors_with_what_matched(
    cvd_world: Any, makers: dict[str, Organisation]
) -> None:
    w = cvd_world
    affect(w, purl="pkg:npm/%40acme/widget")
    affect(w, cpe="cpe:2.3:o:acme:router_os:2.1:*:*:*:*:*:*:*")
    affect(w, cpe="cpe:2.3:o:acme:other:2.1:*:*:*:*:*:*:*")
    found = selectors.suggest_vendors(w.secretariat, w.case)
    assert [s.organisation.slug for s in found] == ["routers", "widgets"]
    assert found[0].matches == [
        "V1 cpe:2.3:o:acme:router_os:2.1:*:*:*:*:*:*:* (declared cpe:acme:router_os)"
    ]
    assert found[1].matches == ["V1 pkg:npm/%40acme/widget (declared pkg:npm/@Acme/*)"]


def test_vendors_in_the_case_are_not_suggested_again(
    cvd_world: Any, makers: dict[str, Organisation]
) -> None:
    w = cvd_world
    affect(w, purl="pkg:npm/%40acme/widget")
    cases.add_participant(
        actor=w.secretariat, case=w.case, role="vendor", organisation=makers["widgets"]
    )
    assert selectors.suggest_vendors(w.secretariat, w.case) == []
    removed = cases.add_participant(
        actor=w.secretariat, case=w.case, role="vendor", organisation=makers["routers"]
    )
    cases.remove_participant(actor=w.secretariat, participant=removed)
    affect(w, cpe="cpe:2.3:o:acme:router_os:2.1:*:*:*:*:*:*:*")
    # A vendor taken out of the case is suggested again.
    assert [s.organisation.slug for s in selectors.suggest_vendors(w.secretariat, w.case)] == [
        "routers"
    ]


def test_names_and_vendor_wide_declarations_match(cvd_world: Any) -> None:
    w = cvd_world
    org = Organisation.objects.create(name="Named", slug="named")
    VendorProduct.objects.create(organisation=org, purl_type="pypi", purl_name="acme-tools")
    VendorProduct.objects.create(organisation=org, cpe_vendor="acme")
    VendorProduct.objects.create(organisation=org, purl_type="pypi", purl_name="other")
    affect(w, purl="pkg:pypi/acme-tools@1.0")
    affect(w, cpe="cpe:2.3:a:acme:anything:*:*:*:*:*:*:*:*")
    (suggestion,) = selectors.suggest_vendors(w.secretariat, w.case)
    assert len(suggestion.matches) == 2


def test_only_the_lead_is_shown_suggestions(
    cvd_world: Any, makers: dict[str, Organisation]
) -> None:
    w = cvd_world
    affect(w, purl="pkg:npm/%40acme/widget")
    assert selectors.suggest_vendors(w.vendor_a_admin, w.case) == []
    assert selectors.suggest_vendors(w.outsider, w.case) == []
    assert selectors.suggest_vendors(w.secretariat, w.case) != []


def test_a_case_without_products_suggests_nobody(
    cvd_world: Any, makers: dict[str, Organisation]
) -> None:
    assert selectors.suggest_vendors(cvd_world.secretariat, cvd_world.case) == []
