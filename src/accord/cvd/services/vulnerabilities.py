"""The vulnerabilities of a case: V1, V2, ... each with its CWE ids, its CVSS 3.1 or 4.0
vector scored by the `cvss` library, and optionally an SSVC supplier or deployer
decision. Only the case's lead changes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max

from accord import errors
from accord.access import Permission
from accord.cvd import identifiers, ssvc
from accord.cvd.exceptions import InvalidField, StateConflict
from accord.cvd.models import Case, Decision, Statement, Vulnerability
from accord.cvd.services._common import record, refuse_controls, require, require_visible
from accord.cvd.services.products import add_affected_product

if TYPE_CHECKING:
    from accord.accounts.models import User

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
SSVC_KINDS = (ssvc.SUPPLIER, ssvc.DEPLOYER)


def _require_lead(actor: User, case: Case) -> None:
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator does this.")


def _title(value: str) -> str:
    title = refuse_controls(value.strip(), field="title", multiline=False)
    if not title:
        raise InvalidField("Give the vulnerability a title.", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidField(f"The title is at most {MAX_TITLE} characters.", field="title")
    return title


def _description(value: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        raise InvalidField(
            f"The description is at most {MAX_DESCRIPTION:,} characters.", field="description"
        )
    return refuse_controls(value.strip(), field="description", multiline=True)


def _decision(
    actor: User, kind: str, inputs: dict[str, str], current: Decision | None = None
) -> Decision | None:
    """The SSVC decision of table `kind` for `inputs`; None for no decision; `current`
    itself when it was taken with the same table and inputs (a form saved again does not
    decide again). A refused input names its field `<kind>_<point key>`, as the form does."""
    if not kind:
        return None
    if kind not in SSVC_KINDS:
        raise InvalidField("An SSVC decision is a supplier or a deployer one.", field="ssvc_kind")
    try:
        outcome = ssvc.decide(kind, inputs)
    except errors.Invalid as exc:
        raise InvalidField(str(exc), field=f"{kind}_{exc.field}") from exc
    unchanged = (outcome.table_id, outcome.table_version, outcome.inputs)
    if (
        current is not None
        and (current.table_id, current.table_version, current.inputs) == unchanged
    ):
        return current
    return Decision.objects.create(
        table_id=outcome.table_id,
        table_version=outcome.table_version,
        library_version=outcome.library_version,
        inputs=outcome.inputs,
        outcome=outcome.key,
        outcome_name=outcome.name,
        decided_by=actor,
    )


def _apply_cvss(vulnerability: Vulnerability, vector: str) -> None:
    scored = identifiers.parse_cvss(vector)
    vulnerability.cvss_vector = scored.vector if scored else ""
    vulnerability.cvss_version = scored.version if scored else ""
    vulnerability.cvss_score = scored.score if scored else None
    vulnerability.cvss_severity = scored.severity if scored else ""


@transaction.atomic
def add_vulnerability(
    *,
    actor: User,
    case: Case,
    title: str,
    description: str = "",
    cwe_ids: str | list[str] | list[int] = "",
    cvss_vector: str = "",
    ssvc_kind: str = "",
    ssvc_inputs: dict[str, str] | None = None,
    products: list[dict[str, str]] | None = None,
    cve_id: str = "",
) -> Vulnerability:
    """The lead adds a vulnerability to the case, numbered after the last one, with the
    `products` it affects (each `purl` or `cpe`, and `versions`; all-blank ones are
    skipped). A refused value stores nothing, the vulnerability included."""
    _require_lead(actor, case)
    vulnerability = Vulnerability(
        case=case,
        title=_title(title),
        description=_description(description),
        cwe_ids=identifiers.parse_cwe_ids(cwe_ids),
        cve_id=_cve_id(case, cve_id),
    )
    _apply_cvss(vulnerability, cvss_vector)
    vulnerability.ssvc = _decision(actor, ssvc_kind, ssvc_inputs or {})
    Case.objects.select_for_update().get(pk=case.pk)  # one number at a time
    last = Vulnerability.objects.filter(case=case).aggregate(last=Max("number"))["last"]
    vulnerability.number = (last or 0) + 1
    vulnerability.save()
    record(
        case=case,
        tag="cvd:vulnerability:add",
        actor=actor,
        target=vulnerability,
        summary=f"V{vulnerability.number} added: {vulnerability.title}",
        data=_described(vulnerability),
    )
    for product in products or []:
        if any(value.strip() for value in product.values()):
            add_affected_product(actor=actor, vulnerability=vulnerability, **product)
    return vulnerability


@transaction.atomic
def edit_vulnerability(
    *,
    actor: User,
    vulnerability: Vulnerability,
    title: str | None = None,
    description: str | None = None,
    cwe_ids: str | list[str] | list[int] | None = None,
    cvss_vector: str | None = None,
    ssvc_kind: str | None = None,
    ssvc_inputs: dict[str, str] | None = None,
    cve_id: str | None = None,
) -> Vulnerability:
    """The lead changes what is given (None: unchanged). `ssvc_kind` "" drops the SSVC
    decision; a kind takes a new one, the earlier decision kept in the audit trail."""
    case = vulnerability.case
    _require_lead(actor, case)
    locked = Vulnerability.objects.select_for_update().get(pk=vulnerability.pk)
    if title is not None:
        locked.title = _title(title)
    if description is not None:
        locked.description = _description(description)
    if cwe_ids is not None:
        locked.cwe_ids = identifiers.parse_cwe_ids(cwe_ids)
    if cvss_vector is not None:
        _apply_cvss(locked, cvss_vector)
    if cve_id is not None:
        locked.cve_id = _cve_id(case, cve_id, besides=locked)
    if ssvc_kind is not None:
        locked.ssvc = _decision(actor, ssvc_kind, ssvc_inputs or {}, locked.ssvc)
    locked.save()
    record(
        case=case,
        tag="cvd:vulnerability:edit",
        actor=actor,
        target=locked,
        summary=f"V{locked.number} changed: {locked.title}",
        data=_described(locked),
    )
    return locked


@transaction.atomic
def remove_vulnerability(*, actor: User, vulnerability: Vulnerability) -> None:
    """The lead removes a vulnerability added by mistake, while no vendor has stated on
    it: a statement is never lost with it."""
    case = vulnerability.case
    _require_lead(actor, case)
    if Statement.objects.filter(vulnerability=vulnerability).exists():
        raise StateConflict(
            f"V{vulnerability.number} has vendor statements; it stays with the case."
        )
    number, title = vulnerability.number, vulnerability.title
    record(
        case=case,
        tag="cvd:vulnerability:remove",
        actor=actor,
        target=vulnerability,
        summary=f"V{number} removed: {title}",
        data={"vulnerability": vulnerability.pk, "number": number},
    )
    vulnerability.delete()


def _cve_id(case: Case, value: str, *, besides: Vulnerability | None = None) -> str:
    """The CVE id the lead gives (one assigned elsewhere; a CNA reserves its own through
    `services.cve`): well formed, and naming one vulnerability of the case only."""
    cve_id = identifiers.parse_cve_id(value)
    others = Vulnerability.objects.filter(case=case, cve_id=cve_id)
    if besides is not None:
        others = others.exclude(pk=besides.pk)
    taken = others.first() if cve_id else None
    if taken is not None:
        raise InvalidField(f"{cve_id} already names V{taken.number}.", field="cve_id")
    return cve_id


def _described(vulnerability: Vulnerability) -> dict[str, object]:
    return {
        "vulnerability": vulnerability.pk,
        "number": vulnerability.number,
        "cve_id": vulnerability.cve_id,
        "cwe_ids": vulnerability.cwe_ids,
        "cvss_vector": vulnerability.cvss_vector,
        "cvss_score": str(vulnerability.cvss_score) if vulnerability.cvss_score else None,
        "ssvc": vulnerability.ssvc.outcome if vulnerability.ssvc else None,
    }
