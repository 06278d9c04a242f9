"""CSAF 2.0: the `csaf_security_advisory` and `csaf_vex` documents of an advisory.

Both are built from one `Snapshot` by one builder; they differ in their category (and so in
the profile's tests, CSAF 2.0 section 4.5 for VEX) and in their tracking id, since a
publisher's tracking ids are unique: the VEX document's is the case reference + `-VEX`.

Choices the standard leaves to us, made here once:
- TLP 2.0 to CSAF 2.0's TLP 1.0 labels: CLEAR is WHITE; AMBER+STRICT is AMBER, with the
  restriction stated in `distribution.text`.
- CSAF 2.0 has no `withdrawn` status: a withdrawn advisory stays `final`; its last revision
  (added by the service that withdraws) and a note say it was withdrawn, and why.
- CSAF 2.0 has no field for CVSS v4.0: such a vector is left out of `scores` (whose
  `cvss_v3` would reject it) and given in a vulnerability note instead.
- `cwe` takes one weakness, named as MITRE's CWE list names it (mandatory test 6.1.11);
  further or unlisted CWE ids are named in a note.
- Statuses: `unknown` is left out. A vulnerability no vendor has answered for lists its
  products as `under_investigation`, with a note saying so, since a CSAF advisory must give
  a product status (6.1.27.6, 6.1.27.7). A `fixed` statement with a fixed version lists the
  product's affected versions as `known_affected` (with the vendor fix as remediation) and
  the fixed version, a product of its own, as `fixed`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import metadata, resources
from typing import Any

from accord.cvd.advisories import csaf_validator
from accord.cvd.advisories.formats import Failure, Format
from accord.cvd.advisories.snapshot import Product, ProductStatus, Snapshot, Vulnerability
from accord.cvd.advisories.statuses import one_status_per_product

CSAF_VERSION = "2.0"
TLP_URL = "https://www.first.org/tlp/"
# TLP 2.0 levels (the case's) to the TLP 1.0 labels CSAF 2.0 knows.
TLP_LABELS = {
    "clear": "WHITE",
    "green": "GREEN",
    "amber": "AMBER",
    "amber+strict": "AMBER",
    "red": "RED",
}
AMBER_STRICT_TEXT = (
    "TLP:AMBER+STRICT: CSAF 2.0 knows only TLP 1.0 labels, hence AMBER above. Recipients may "
    "share this information only within the recipient's own organisation, on a need-to-know "
    "basis, and not with its clients."
)
MAX_SCHEMA_FAILURES = 50


def build_advisory(snapshot: Snapshot) -> dict[str, Any]:
    return _Builder(snapshot, "csaf_security_advisory").document()


def build_vex(snapshot: Snapshot) -> dict[str, Any]:
    return _Builder(snapshot, "csaf_vex").document()


def validate_advisory(document: dict[str, Any]) -> list[Failure]:
    return validate(document, format_key="csaf")


def validate_vex(document: dict[str, Any]) -> list[Failure]:
    return validate(document, format_key="csaf-vex")


def validate(document: dict[str, Any], *, format_key: str = "csaf") -> list[Failure]:
    """The OASIS CSAF 2.0 JSON schema, the profile's requirements, then (when node and the
    BSI validator are installed) the mandatory tests of section 6.1."""
    tested = csaf_validator.mandatory_test_failures(document, format_key=format_key)
    if tested is None:
        return schema_failures(document, format_key=format_key)
    # The validator's own profile tests (6.1.27.x) stand in for the fallback's.
    return _schema_only(document, format_key) + tested


def schema_failures(document: dict[str, Any], *, format_key: str = "csaf") -> list[Failure]:
    """The OASIS CSAF 2.0 JSON schema and the profile's requirements, without node."""
    return _schema_only(document, format_key) + _profile_failures(document, format_key)


def _schema_only(document: dict[str, Any], format_key: str) -> list[Failure]:
    from accord.engine.checks import schemas

    errors = sorted(
        schemas.validator(schemas.CSAF_ADVISORY).iter_errors(document),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    failures = [
        Failure(format_key, error.json_path, error.message[:500])
        for error in errors[:MAX_SCHEMA_FAILURES]
    ]
    return failures


def _profile_failures(document: Any, format_key: str) -> list[Failure]:
    """What sections 4.4 and 4.5 ask of a security advisory and a VEX document beyond the
    schema, checked here too so they hold where node is not installed."""
    if not isinstance(document, dict):
        return []
    category = (document.get("document") or {}).get("category")
    if category not in ("csaf_security_advisory", "csaf_vex"):
        return []
    found: list[Failure] = []
    if "product_tree" not in document:
        found.append(Failure(format_key, "$", "a product_tree is required (6.1.27.4)"))
    vulnerabilities = document.get("vulnerabilities") or []
    if category == "csaf_vex" and not vulnerabilities:
        found.append(Failure(format_key, "$", "a VEX document needs vulnerabilities (6.1.27.11)"))
    for index, vulnerability in enumerate(vulnerabilities):
        found += _vulnerability_profile_failures(
            vulnerability, f"$.vulnerabilities[{index}]", category, format_key
        )
    return found


def _vulnerability_profile_failures(
    vulnerability: Any, path: str, category: str, format_key: str
) -> list[Failure]:
    if not isinstance(vulnerability, dict):
        return []
    found: list[Failure] = []
    if not vulnerability.get("product_status"):
        found.append(Failure(format_key, path, "a product_status is required (6.1.27.6)"))
    if category == "csaf_security_advisory" and not vulnerability.get("notes"):
        found.append(Failure(format_key, path, "notes are required (6.1.27.5)"))
    if category == "csaf_vex":
        if not (vulnerability.get("cve") or vulnerability.get("ids")):
            found.append(Failure(format_key, path, "a cve or ids are required (6.1.27.8)"))
        status = vulnerability.get("product_status") or {}
        explained = _product_ids(vulnerability.get("flags")) | _product_ids(
            [t for t in vulnerability.get("threats") or () if t.get("category") == "impact"]
        )
        remedied = _product_ids(vulnerability.get("remediations"))
        for group, covered, statement in (
            ("known_not_affected", explained, "impact statement (6.1.27.9)"),
            ("known_affected", remedied, "action statement (6.1.27.10)"),
        ):
            for i, product_id in enumerate(status.get(group) or ()):
                if product_id not in covered:
                    where = f"{path}.product_status.{group}[{i}]"
                    found.append(Failure(format_key, where, f"{product_id}: no {statement}"))
    return found


def _product_ids(entries: Any) -> set[str]:
    return {pid for entry in entries or () for pid in entry.get("product_ids") or ()}


@cache
def cwe_names() -> dict[int, str]:
    """MITRE's CWE names by id, as the validator's test 6.1.11 knows them (schemas/)."""
    text = resources.files("accord.cvd.advisories").joinpath("schemas/cwe_names.json")
    return {int(k): v for k, v in json.loads(text.read_text(encoding="utf-8"))["names"].items()}


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with its zone; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def vulnerability_id(snapshot: Snapshot, vulnerability: Vulnerability) -> str:
    """The id of a vulnerability without a CVE id: `ACC-2026-0001-V1`."""
    return f"{snapshot.reference}-V{vulnerability.number}"


def engine_version() -> str:
    try:
        return metadata.version("accord")
    except metadata.PackageNotFoundError:
        return ""


class _Builder:
    def __init__(self, snapshot: Snapshot, category: str) -> None:
        self.snapshot = snapshot
        self.category = category
        self.statuses = {
            v.number: one_status_per_product(snapshot, v) for v in snapshot.vulnerabilities
        }
        # (product key, fixed version) -> the product id of that fixed version: P1-FIX1,
        # P1-FIX2, ... numbered per product in the order of the versions.
        fixes = sorted(
            {
                (st.product_key, st.fixed_version)
                for statuses in self.statuses.values()
                for st in statuses
                if st.status == "fixed" and st.fixed_version
            }
        )
        self.fixed_ids: dict[tuple[str, str], str] = {}
        for key, version in fixes:
            count = sum(1 for other, _ in self.fixed_ids if other == key) + 1
            self.fixed_ids[key, version] = f"{key}-FIX{count}"

    def document(self) -> dict[str, Any]:
        return {
            "document": self.document_meta(),
            "product_tree": self.product_tree(),
            "vulnerabilities": [self.vulnerability(v) for v in self.snapshot.vulnerabilities],
        }

    # -- document ------------------------------------------------------------------------

    def document_meta(self) -> dict[str, Any]:
        s = self.snapshot
        meta: dict[str, Any] = {
            "category": self.category,
            "csaf_version": CSAF_VERSION,
            "title": s.title,
            "lang": "en",
            "publisher": self.publisher(),
            "tracking": self.tracking(),
            "distribution": self.distribution(),
            "notes": self.notes(),
        }
        if s.acknowledgments:
            meta["acknowledgments"] = [{"names": list(s.acknowledgments)}]
        if references := self.references():
            meta["references"] = references
        return meta

    def publisher(self) -> dict[str, Any]:
        p = self.snapshot.publisher
        publisher = {"category": "coordinator", "name": p.name, "namespace": p.namespace}
        if p.contact_details:
            publisher["contact_details"] = p.contact_details
        return publisher

    def tracking(self) -> dict[str, Any]:
        s = self.snapshot
        engine = {"name": s.generator or "Accord"}
        if version := engine_version():
            engine["version"] = version
        suffix = "-VEX" if self.category == "csaf_vex" else ""
        return {
            "id": f"{s.reference}{suffix}",
            "status": "final",
            "version": str(s.version),
            "initial_release_date": timestamp(s.initial_release),
            "current_release_date": timestamp(s.current_release),
            "revision_history": [
                {"number": str(r.number), "date": timestamp(r.date), "summary": r.summary}
                for r in s.revisions
            ],
            "generator": {"engine": engine},
        }

    def distribution(self) -> dict[str, Any]:
        tlp = self.snapshot.tlp.lower().removeprefix("tlp:")
        distribution: dict[str, Any] = {"tlp": {"label": TLP_LABELS[tlp], "url": TLP_URL}}
        if tlp == "amber+strict":
            distribution["text"] = AMBER_STRICT_TEXT
        return distribution

    def notes(self) -> list[dict[str, str]]:
        s = self.snapshot
        notes = [{"category": "summary", "title": "Summary", "text": s.summary or s.title}]
        if s.withdrawn:
            reason = s.withdrawal_reason or "No reason was given."
            notes.insert(
                0,
                {
                    "category": "general",
                    "title": "Withdrawn",
                    "text": f"This advisory was withdrawn in version {s.version}. {reason}",
                },
            )
        return notes

    def references(self) -> list[dict[str, str]]:
        s = self.snapshot
        found = []
        if s.advisory_url:
            found.append({"category": "self", "summary": "This advisory", "url": s.advisory_url})
        for ref in s.references:
            if ref.url != s.advisory_url:
                found.append(
                    {"category": ref.category, "summary": ref.summary or ref.url, "url": ref.url}
                )
        return found

    # -- product tree --------------------------------------------------------------------

    def product_tree(self) -> dict[str, Any]:
        by_vendor: dict[str, list[Product]] = defaultdict(list)
        for product in self.snapshot.products:
            by_vendor[product.vendor or "Unknown vendor"].append(product)
        return {
            "branches": [
                {
                    "category": "vendor",
                    "name": vendor,
                    "branches": [self.product_branch(p) for p in products],
                }
                for vendor, products in by_vendor.items()
            ]
        }

    def product_branch(self, product: Product) -> dict[str, Any]:
        fixes = sorted(
            (version, pid) for (key, version), pid in self.fixed_ids.items() if key == product.key
        )
        branch: dict[str, Any] = {"category": "product_name", "name": product.name}
        if not product.versions and not fixes:
            branch["product"] = self.full_name(product, product.key, product.name)
            return branch
        affected = product.versions or _all_versions(product, fixes)
        leaves = [
            {
                "category": "product_version_range",
                "name": affected,
                "product": self.full_name(product, product.key, f"{product.name} {affected}"),
            }
        ]
        leaves += [
            {
                "category": "product_version",
                "name": version,
                "product": self.full_name(product, pid, f"{product.name} {version}", fixed=True),
            }
            for version, pid in fixes
        ]
        branch["branches"] = leaves
        return branch

    def full_name(
        self, product: Product, product_id: str, name: str, *, fixed: bool = False
    ) -> dict[str, Any]:
        vendor = (
            f"{product.vendor} " if product.vendor and not name.startswith(product.vendor) else ""
        )
        full: dict[str, Any] = {"name": f"{vendor}{name}", "product_id": product_id}
        # A fixed version is not the affected product's purl or CPE (which may name no
        # version, or the affected one), so it carries none.
        helper = (
            {} if fixed else {k: v for k, v in (("cpe", product.cpe), ("purl", product.purl)) if v}
        )
        if helper:
            full["product_identification_helper"] = helper
        return full

    # -- vulnerabilities -----------------------------------------------------------------

    def vulnerability(self, v: Vulnerability) -> dict[str, Any]:
        s = self.snapshot
        entry: dict[str, Any] = {}
        if v.cve_id:
            entry["cve"] = v.cve_id
        entry["ids"] = [{"system_name": f"{s.publisher.name} case", "text": vulnerability_id(s, v)}]
        entry["title"] = v.title or vulnerability_id(s, v)
        notes = [
            {
                "category": "description",
                "title": "Description",
                "text": v.description or entry["title"],
            }
        ]
        entry.update(_weakness(v, notes))
        groups = self.product_status_groups(v, notes)
        entry["product_status"] = groups
        entry.update(self.scores(v, groups, notes))
        entry["notes"] = notes
        entry.update(self.statements(v))
        if involvements := self.involvements():
            entry["involvements"] = involvements
        if s.acknowledgments:
            entry["acknowledgments"] = [{"names": list(s.acknowledgments)}]
        return entry

    def product_status_groups(
        self, v: Vulnerability, notes: list[dict[str, str]]
    ) -> dict[str, list[str]]:
        """The product ids by status; a vulnerability no vendor has answered for lists its
        products as under investigation, and a note says why."""
        groups = {k: sorted(ids) for k, ids in self.product_status(v).items() if ids}
        if groups:
            return groups
        notes.append(
            {
                "category": "general",
                "title": "Product status",
                "text": "No vendor has yet stated whether these products are affected.",
            }
        )
        keys = v.product_keys or tuple(p.key for p in self.snapshot.products)
        return {"under_investigation": sorted(keys)}

    def product_status(self, v: Vulnerability) -> dict[str, set[str]]:
        status: dict[str, set[str]] = defaultdict(set)
        for st in self.statuses[v.number]:
            if st.status == "affected":
                status["known_affected"].add(st.product_key)
            elif st.status == "not_affected":
                status["known_not_affected"].add(st.product_key)
            elif st.status == "under_investigation":
                status["under_investigation"].add(st.product_key)
            elif st.status == "fixed" and st.fixed_version:
                status["known_affected"].add(st.product_key)
                status["fixed"].add(self.fixed_ids[(st.product_key, st.fixed_version)])
            elif st.status == "fixed":
                status["fixed"].add(st.product_key)
        return status

    def scores(
        self, v: Vulnerability, groups: dict[str, list[str]], notes: list[dict[str, str]]
    ) -> dict[str, Any]:
        if not v.cvss_vector:
            return {}
        if v.cvss_vector.startswith("CVSS:4.0/"):
            score = f"{v.cvss_score} " if v.cvss_score is not None else ""
            severity = f"({v.cvss_severity}) " if v.cvss_severity else ""
            notes.append(
                {
                    "category": "other",
                    "title": "CVSS v4.0",
                    "text": f"CVSS v4.0 base score {score}{severity}with the vector "
                    f"{v.cvss_vector}. CSAF 2.0 has no field for CVSS v4.0, so it is given here.",
                }
            )
            return {}
        cvss_v3 = _cvss_v3(v.cvss_vector)
        products = groups.get("known_affected") or [p for ids in groups.values() for p in ids]
        return (
            {"scores": [{"cvss_v3": cvss_v3, "products": sorted(set(products))}]} if cvss_v3 else {}
        )

    def statements(self, v: Vulnerability) -> dict[str, Any]:
        flags: dict[str, list[str]] = defaultdict(list)
        threats: list[dict[str, Any]] = []
        remediations: list[dict[str, Any]] = []
        for st in self.statuses[v.number]:
            if st.status == "not_affected":
                if st.justification:
                    flags[st.justification].append(st.product_key)
                if st.note or not st.justification:
                    details = st.note or "The vendor states this product is not affected."
                    threats.append(
                        {"category": "impact", "details": details, "product_ids": [st.product_key]}
                    )
            elif st.status == "affected":
                remediations.append(_action_statement(st))
            elif st.status == "fixed" and st.fixed_version:
                details = f"Fixed in version {st.fixed_version}: update to it or later."
                remediations.append(
                    {
                        "category": "vendor_fix",
                        "details": f"{details} {st.note}".strip(),
                        "product_ids": [st.product_key],
                    }
                )
            elif st.status == "fixed" and st.note:
                remediations.append(
                    {"category": "vendor_fix", "details": st.note, "product_ids": [st.product_key]}
                )
        found: dict[str, Any] = {}
        if flags:
            found["flags"] = [
                {"label": label, "product_ids": sorted(ids)} for label, ids in sorted(flags.items())
            ]
        if threats:
            found["threats"] = threats
        if remediations:
            found["remediations"] = remediations
        return found

    def involvements(self) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for inv in self.snapshot.involvements:
            date = timestamp(inv.date) if inv.date else ""
            summary = f"{inv.name}: {inv.summary}" if inv.summary else inv.name
            key = (inv.party, date)
            if key in merged:  # 6.1.24: one entry per party and date
                earlier = merged[key].get("summary")
                merged[key]["summary"] = f"{earlier}; {summary}" if earlier else summary
                continue
            entry: dict[str, Any] = {"party": inv.party, "status": inv.status}
            if date:
                entry["date"] = date
            if summary:
                entry["summary"] = summary
            merged[key] = entry
        return list(merged.values())


def _weakness(v: Vulnerability, notes: list[dict[str, str]]) -> dict[str, Any]:
    """CSAF 2.0 takes one CWE, named as MITRE names it (6.1.11): the first listed one; all
    of them are named in a note when there are more, or when none is in the list."""
    names = cwe_names()
    named = [i for i in v.cwe_ids if i in names]
    if len(v.cwe_ids) > (1 if named else 0):
        listed = ", ".join(f"CWE-{i}" for i in v.cwe_ids)
        notes.append({"category": "other", "title": "Weaknesses (CWE)", "text": listed})
    return {"cwe": {"id": f"CWE-{named[0]}", "name": names[named[0]]}} if named else {}


def _action_statement(st: ProductStatus) -> dict[str, Any]:
    """For known_affected, what to do (6.1.27.10): the vendor's note, else that there is
    no remediation yet."""
    if st.note:
        return {"category": "mitigation", "details": st.note, "product_ids": [st.product_key]}
    return {
        "category": "none_available",
        "details": "The vendor has not yet named a fix or a workaround.",
        "product_ids": [st.product_key],
    }


def _all_versions(product: Product, fixes: list[tuple[str, str]]) -> str:
    """The affected range of a product whose statement names only a fixed version."""
    scheme = _vers_scheme(product)
    if len(fixes) == 1:
        return f"vers:{scheme}/<{fixes[0][0]}"
    return f"vers:{scheme}/*"


def _vers_scheme(product: Product) -> str:
    if product.purl.startswith("pkg:") and "/" in product.purl:
        return product.purl[4:].split("/", 1)[0].lower()
    return "generic"


def _cvss_v3(vector: str) -> dict[str, Any] | None:
    """The CVSS 3.x JSON object (FIRST's schema), its score computed from the vector so
    that mandatory tests 6.1.9 and 6.1.10 agree with it."""
    from cvss import CVSS3
    from cvss.exceptions import CVSSError

    try:
        cvss = CVSS3(vector)
    except CVSSError:
        return None
    version = vector.split("/", 1)[0].removeprefix("CVSS:")
    score = Decimal(cvss.base_score)
    return {
        "version": version,
        "vectorString": cvss.clean_vector(),
        "baseScore": float(score),
        "baseSeverity": cvss.severities()[0].upper(),
    }


FORMATS = (
    Format("csaf", "CSAF 2.0 advisory", "application/json", build_advisory, validate_advisory),
    Format("csaf-vex", "CSAF 2.0 VEX", "application/json", build_vex, validate_vex),
)
