"""The snapshot of a case, read from the database at the moment it is published.

Everything the formats say comes from here: the affected products (named once each,
`P1`, `P2`, ...), each active vendor's statements, who took part and how far, whom the
advisory credits, and the publisher (the instance: `ACCORD_INSTANCE_NAME` and
`ACCORD_BASE_URL`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from accord.cvd import rules, states
from accord.cvd.advisories.snapshot import (
    Involvement,
    InvolvementStatus,
    Product,
    ProductStatus,
    Publisher,
    Reference,
    Revision,
    Snapshot,
    Vulnerability,
)
from accord.cvd.models import AffectedProduct, Participant, Statement
from accord.notifications.services import absolute_url

if TYPE_CHECKING:
    from accord.cvd.models import Case
    from accord.cvd.models import Vulnerability as VulnerabilityRow

# A vendor's report-management state, as a CSAF involvement status.
RM_INVOLVEMENT: dict[str, InvolvementStatus] = {
    states.RECEIVED: "contact_attempted",
    states.VALID: "contact_attempted",
    states.ACCEPTED: "in_progress",
    states.DEFERRED: "open",
    states.INVALID: "disputed",
    states.CLOSED: "completed",
}


def publisher() -> Publisher:
    """The instance as publisher: its name and its public address."""
    base = absolute_url("/").rstrip("/")
    return Publisher(
        name=settings.ACCORD_INSTANCE_NAME,
        namespace=base,
        contact_details=f"Report a vulnerability: {absolute_url(reverse('cvd:report'))}",
        cna_org_id=settings.ACCORD_CVE_CNA_ORG_ID,
        cna_short_name=settings.ACCORD_CVE_SERVICES_ORG,
    )


def advisory_url(case: Case) -> str:
    """The advisory's own page: public for TLP:CLEAR, else the case, for those in it."""
    if case.tlp == rules.TLP_CLEAR:
        return absolute_url(reverse("cvd:advisory_page", args=[case.reference]))
    return absolute_url(reverse("cvd:case", args=[case.reference]))


def _vendors(case: Case) -> list[Participant]:
    return list(
        case.participants.filter(role=rules.VENDOR, removed_at__isnull=True).order_by("name", "pk")
    )


def _statements(case: Case, vendors: list[Participant]) -> list[Statement]:
    return list(
        Statement.objects.filter(vulnerability__case=case, participant__in=vendors)
        .select_related("participant", "product")
        .order_by("vulnerability__number", "participant__name", "pk")
    )


def _product_keys(rows: list[AffectedProduct]) -> dict[int, str]:
    """Each affected product's key; one product named under two flaws has one key."""
    by_identity: dict[tuple[str, str, str], str] = {}
    keys: dict[int, str] = {}
    for row in rows:
        identity = (row.purl, row.cpe, row.versions)
        keys[row.pk] = by_identity.setdefault(identity, f"P{len(by_identity) + 1}")
    return keys


def _vendor_of(row: AffectedProduct, statements: list[Statement]) -> str:
    """The vendor whose statement names the product, else the first whose statement on
    the whole vulnerability covers it, else the purl's or CPE's. A vendor that states on
    this product is its vendor, not one that said something of all products."""
    for statement in statements:
        if statement.product_id == row.pk:
            return statement.participant.name
    for statement in statements:
        if statement.product_id is None and statement.vulnerability_id == row.vulnerability_id:
            return statement.participant.name
    return row.purl_namespace or row.cpe_vendor


def _products(
    rows: list[AffectedProduct], keys: dict[int, str], statements: list[Statement]
) -> tuple[Product, ...]:
    found: dict[str, Product] = {}
    for row in rows:
        key = keys[row.pk]
        if key not in found:
            found[key] = Product(
                key=key,
                name=row.purl_name or row.cpe_product or row.label,
                vendor=_vendor_of(row, statements),
                purl=row.purl,
                cpe=row.cpe,
                versions=row.versions,
            )
    return tuple(found.values())


def _status(statement: Statement, key: str) -> ProductStatus:
    return ProductStatus(
        product_key=key,
        vendor=statement.participant.name,
        status=statement.status,  # type: ignore[arg-type]
        justification=statement.justification,
        fixed_version=statement.fixed_version,
        note=statement.note,
        updated_at=statement.updated_at,
    )


def _statuses(
    vulnerability: VulnerabilityRow, rows: list[AffectedProduct], keys: dict[int, str],
    statements: list[Statement],
) -> tuple[ProductStatus, ...]:  # fmt: skip
    """Each vendor's status per product: a statement on the whole vulnerability applies
    to each of its products, one on a product overrides it there."""
    own = [s for s in statements if s.vulnerability_id == vulnerability.pk]
    mine = [r for r in rows if r.vulnerability_id == vulnerability.pk]
    found: dict[tuple[int, str], ProductStatus] = {}
    for statement in sorted(own, key=lambda s: s.product_id is not None):
        for row in mine:
            if statement.product_id in (None, row.pk):
                found[(statement.participant_id, keys[row.pk])] = _status(statement, keys[row.pk])
    return tuple(found.values())


def _vulnerabilities(
    case: Case, rows: list[AffectedProduct], keys: dict[int, str], statements: list[Statement]
) -> tuple[Vulnerability, ...]:
    found = []
    for row in case.vulnerabilities.order_by("number"):
        product_keys = dict.fromkeys(keys[r.pk] for r in rows if r.vulnerability_id == row.pk)
        found.append(
            Vulnerability(
                number=row.number,
                title=row.title,
                description=row.description,
                cwe_ids=tuple(int(c) for c in row.cwe_ids),
                cvss_vector=row.cvss_vector,
                cvss_version=row.cvss_version,
                cvss_score=row.cvss_score,
                cvss_severity=row.cvss_severity,
                cve_id=row.cve_id,
                product_keys=tuple(product_keys),
                statuses=_statuses(row, rows, keys, statements),
            )
        )
    return tuple(found)


def _credited_name(case: Case, participant: Participant) -> str:
    """The reporter's real name, when they chose to be credited by name in public
    (`credit_publicly`: letting the vendors see who reported is another choice); else
    blank. A reporter without a name (the participant's "Reporter") is not credited."""
    report = case.report
    if report is None or not report.credit_publicly:
        return ""
    if report.reporter_name.strip():
        return report.reporter_name.strip()
    return participant.user.full_name.strip() if participant.user is not None else ""


def _involvements(
    case: Case, vendors: list[Participant], statements: list[Statement]
) -> tuple[Involvement, ...]:
    disputing = {s.participant_id for s in statements if s.disputed}
    found = []
    for party in case.participants.filter(removed_at__isnull=True).order_by("role", "name", "pk"):
        if party.role == rules.COORDINATOR:
            found.append(Involvement("coordinator", "completed", party.name, party.rm_changed_at))
        elif party.role == rules.REPORTER:
            name = _credited_name(case, party)
            found.append(Involvement("discoverer", "completed", name, party.added_at))
    for vendor in vendors:
        status = "disputed" if vendor.pk in disputing else RM_INVOLVEMENT[vendor.rm_state]
        found.append(Involvement("vendor", status, vendor.name, vendor.rm_changed_at))
    return tuple(found)


def _acknowledgments(case: Case) -> tuple[str, ...]:
    reporters = case.participants.filter(role=rules.REPORTER, removed_at__isnull=True)
    names = (_credited_name(case, p) for p in reporters)
    return tuple(dict.fromkeys(name for name in names if name))


def snapshot_of(
    case: Case,
    *,
    version: int,
    revisions: tuple[Revision, ...],
    withdrawn: bool = False,
    withdrawal_reason: str = "",
) -> Snapshot:
    """The advisory of `case` at `version` (the last of `revisions`), as the case
    stands now."""
    if not revisions or revisions[-1].number != version:
        raise ValueError("the last revision is the version published")
    vendors = _vendors(case)
    statements = _statements(case, vendors)
    rows = list(
        AffectedProduct.objects.filter(vulnerability__case=case).order_by(
            "vulnerability__number", "pk"
        )
    )
    keys = _product_keys(rows)
    url = advisory_url(case)
    return Snapshot(
        reference=case.reference,
        title=case.title,
        summary=case.summary,
        tlp=case.tlp,
        publisher=publisher(),
        revisions=revisions,
        vulnerabilities=_vulnerabilities(case, rows, keys, statements),
        products=_products(rows, keys, statements),
        involvements=_involvements(case, vendors, statements),
        acknowledgments=_acknowledgments(case),
        references=(Reference(url=url, summary="This advisory", category="self"),),
        advisory_url=url,
        withdrawn=withdrawn,
        withdrawal_reason=withdrawal_reason,
    )


def as_json(value: Any) -> Any:
    """`value` (a snapshot, a document) as plain JSON values: dates as ISO 8601,
    decimals as strings."""
    import json

    if isinstance(value, Snapshot):
        value = asdict(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def pretty(document: Any) -> str:
    """A document as shown and downloaded: indented JSON, UTF-8 as it is."""
    import json

    return json.dumps(document, indent=2, ensure_ascii=False)


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else value


def snapshot_from_json(data: dict[str, Any]) -> Snapshot:
    """The `Snapshot` stored as JSON by `as_json` (an advisory's `snapshot`), again."""
    vulnerabilities = tuple(
        Vulnerability(
            **{
                **v,
                "cwe_ids": tuple(v.get("cwe_ids", ())),
                "cvss_score": None if v.get("cvss_score") is None else Decimal(v["cvss_score"]),
                "product_keys": tuple(v.get("product_keys", ())),
                "statuses": tuple(
                    ProductStatus(**{**s, "updated_at": _when(s.get("updated_at"))})
                    for s in v.get("statuses", ())
                ),
            }
        )
        for v in data.get("vulnerabilities", ())
    )
    return Snapshot(
        **{
            **data,
            "publisher": Publisher(**data["publisher"]),
            "revisions": tuple(
                Revision(number=r["number"], date=_when(r["date"]), summary=r["summary"])  # type: ignore[arg-type]
                for r in data["revisions"]
            ),
            "vulnerabilities": vulnerabilities,
            "products": tuple(Product(**p) for p in data.get("products", ())),
            "involvements": tuple(
                Involvement(**{**i, "date": _when(i.get("date"))})
                for i in data.get("involvements", ())
            ),
            "acknowledgments": tuple(data.get("acknowledgments", ())),
            "references": tuple(Reference(**r) for r in data.get("references", ())),
            "extra": dict(data.get("extra", {})),
        }
    )


def revision_of(number: int, date: datetime, summary: str) -> Revision:
    return Revision(number=number, date=date, summary=summary)
