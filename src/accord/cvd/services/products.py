"""Products: those a vulnerability affects (a package URL or a CPE 2.3 name, with a vers
range of versions), and those an organisation declares it makes, so cases find it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from django.db import transaction

from accord.access import Permission
from accord.audit.services import record_event
from accord.cvd import identifiers
from accord.cvd.exceptions import InvalidField, NotFound, StateConflict
from accord.cvd.models import AffectedProduct, Statement, VendorProduct, Vulnerability
from accord.cvd.services._common import record, require, require_visible

if TYPE_CHECKING:
    from accord.accounts.models import Organisation, User


def _require_lead(actor: User, vulnerability: Vulnerability) -> None:
    case = vulnerability.case
    require_visible(actor, case, "case")
    require(
        actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator lists products."
    )


@transaction.atomic
def add_affected_product(
    *, actor: User, vulnerability: Vulnerability, purl: str = "", cpe: str = "", versions: str = ""
) -> AffectedProduct:
    """The lead names a product the vulnerability affects, by package URL or by CPE
    2.3 name (one of them), and the affected versions as a vers range."""
    _require_lead(actor, vulnerability)
    if bool(purl.strip()) == bool(cpe.strip()):
        raise InvalidField("Name the product by a package URL or by a CPE name.", field="purl")
    product = AffectedProduct(vulnerability=vulnerability)
    if purl.strip():
        parsed = identifiers.parse_purl(purl)
        product.purl, product.purl_type = parsed.text, parsed.type
        product.purl_namespace, product.purl_name = parsed.namespace, parsed.name
    else:
        named = identifiers.parse_cpe(cpe)
        product.cpe, product.cpe_vendor, product.cpe_product = (
            named.text,
            named.vendor,
            named.product,
        )
    product.versions = identifiers.parse_vers(versions)
    product.save()
    record(
        case=vulnerability.case,
        tag="cvd:product:add",
        actor=actor,
        target=product,
        summary=f"V{vulnerability.number} affects {product.label}"
        + (f" ({product.versions})" if product.versions else ""),
        data={"product": product.pk, "label": product.label, "versions": product.versions},
    )
    return product


@transaction.atomic
def remove_affected_product(*, actor: User, product: AffectedProduct) -> None:
    """The lead takes back a product named by mistake, while no vendor has stated on it."""
    vulnerability = product.vulnerability
    _require_lead(actor, vulnerability)
    if Statement.objects.filter(product=product).exists():
        raise StateConflict(f"Vendors have stated on {product.label}; it stays with the case.")
    record(
        case=vulnerability.case,
        tag="cvd:product:remove",
        actor=actor,
        target=product,
        summary=f"V{vulnerability.number} no longer lists {product.label}",
        data={"product": product.pk, "label": product.label},
    )
    product.delete()


# What the organisation makes ------------------------------------------------------------

_PURL_TYPE = re.compile(r"[a-z][a-z0-9.+-]{0,39}")


def _purl_part(value: str, *, field: str, segments: bool) -> str:
    """A namespace (`@acme`, `github.com/acme`: slash-separated segments) or a name, as
    the parsed package URL holds it: percent-escapes decoded, no spaces, ? or #."""
    text = unquote(value.strip()).strip("/")
    bad = any(c.isspace() or c in "?#" for c in text) or "//" in text
    if len(text) > 200 or bad or (not segments and "/" in text):
        raise InvalidField(
            "Write the package URL's part as it appears in the URL, without spaces, ? or #"
            + ("." if segments else " or /."),
            field=field,
        )
    return text


@transaction.atomic
def declare_vendor_product(
    *,
    actor: User,
    organisation: Organisation,
    purl_type: str = "",
    purl_namespace: str = "",
    purl_name: str = "",
    cpe_vendor: str = "",
    cpe_product: str = "",
) -> VendorProduct:
    """An organisation's admin declares products it makes: a purl namespace (and name),
    or a CPE vendor (and product). Cases that list a matching product suggest it."""
    require(
        actor,
        Permission.CVD_PRODUCT_DECLARE,
        organisation,
        "Only the organisation's admins declare its products.",
    )
    declared = VendorProduct(organisation=organisation, declared_by=actor)
    if purl_type.strip() and cpe_vendor.strip():
        raise InvalidField("Declare a package URL or a CPE vendor, not both.", field="purl_type")
    if purl_type.strip():
        declared.purl_type = purl_type.strip().lower()
        if not _PURL_TYPE.fullmatch(declared.purl_type):
            raise InvalidField("A package URL type is like npm, pypi or maven.", field="purl_type")
        declared.purl_namespace = _purl_part(purl_namespace, field="purl_namespace", segments=True)
        declared.purl_name = _purl_part(purl_name, field="purl_name", segments=False)
        if not declared.purl_namespace and not declared.purl_name:
            raise InvalidField(
                "Give the namespace (or, for types without one, the name).",
                field="purl_namespace",
            )
    elif cpe_vendor.strip():
        declared.cpe_vendor = identifiers.cpe_name_part(cpe_vendor, field="cpe_vendor")
        if cpe_product.strip():
            declared.cpe_product = identifiers.cpe_name_part(cpe_product, field="cpe_product")
    else:
        raise InvalidField("Give a package URL type or a CPE vendor.", field="purl_type")
    if _already_declared(declared):
        raise StateConflict(f"{organisation.name} declared {declared} already.")
    declared.save()
    _record_product(declared, actor, "cvd:vendorproduct:declare")
    return declared


def _already_declared(declared: VendorProduct) -> bool:
    return VendorProduct.objects.filter(
        organisation=declared.organisation,
        purl_type=declared.purl_type,
        purl_namespace__iexact=declared.purl_namespace,
        purl_name__iexact=declared.purl_name,
        cpe_vendor=declared.cpe_vendor,
        cpe_product=declared.cpe_product,
    ).exists()


@transaction.atomic
def withdraw_vendor_product(*, actor: User, product: VendorProduct) -> None:
    """An organisation's admin withdraws a product it declared."""
    if not VendorProduct.objects.visible_to(actor).filter(pk=product.pk).exists():
        raise NotFound("No such product.")
    require(
        actor,
        Permission.CVD_PRODUCT_DECLARE,
        product.organisation,
        "Only the organisation's admins withdraw its products.",
    )
    _record_product(product, actor, "cvd:vendorproduct:withdraw")
    product.delete()


def _record_product(product: VendorProduct, actor: User, tag: str) -> None:
    # Not a case's step: the audit event alone, with no timeline entry.
    record_event(
        tag=tag,
        actor=actor,
        target=product,
        organisation=product.organisation,
        data={"product": str(product)},
    )
