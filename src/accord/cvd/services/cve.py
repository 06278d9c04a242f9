"""CVE Services, for a coalition that is a CNA: the case's lead reserves a CVE id for a
vulnerability, and submits the advisory's CVE records once it is published.

These services talk to CVE Services before they write, so they are not one transaction:
what CVE Services accepted is recorded even when it refuses a later record, and an id it
reserved is kept on the vulnerability in a short transaction of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from accord.access import Permission
from accord.cvd import cve_services
from accord.cvd.advisories.cve import UNKNOWN_ASSIGNER
from accord.cvd.exceptions import CveServicesRefused, StateConflict
from accord.cvd.models import Advisory, Case, CaseEvent, Vulnerability
from accord.cvd.services._common import record, require, require_visible

if TYPE_CHECKING:
    from accord.accounts.models import User

SUBMITTED = "cvd:advisory:cve_submitted"
REFUSED = "cvd:advisory:cve_refused"
RESERVED = "cvd:vulnerability:cve_reserved"


def _require_lead(actor: User, case: Case) -> None:
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator does this.")


def submittable(advisory: Advisory | None) -> bool:
    """May the advisory's CVE records go to the CVE List: it has CVE ids and is TLP:CLEAR
    (the CVE List is public)."""
    return bool(advisory and advisory.cve_ids and advisory.tlp == "clear")


def _require_clear(advisory: Advisory) -> None:
    if advisory.tlp != "clear":
        raise StateConflict(
            f"{advisory.tracking_id} is TLP:{advisory.tlp.upper()}, and CVE records are "
            "public: lower the case's TLP to CLEAR and publish again."
        )


def _records(advisory: Advisory) -> dict[str, dict[str, Any]]:
    """The advisory's CVE records, each one built with the CNA's own org id."""
    records = (advisory.documents.get("cve") or {}).get("records") or {}
    if not records:
        raise StateConflict(
            f"{advisory.tracking_id} has no CVE record: no vulnerability has a CVE id."
        )
    for cve_id, found in records.items():
        if found["cveMetadata"]["assignerOrgId"] == UNKNOWN_ASSIGNER:
            raise StateConflict(
                f"The record of {cve_id} was published without the CNA's org id "
                "(ACCORD_CVE_CNA_ORG_ID): publish the advisory again once it is set."
            )
    return dict(records)


def _submit(services: cve_services.CveServices, cve_id: str, found: dict[str, Any]) -> str:
    """Send one record's CNA container the way its id's state asks; what was done."""
    container = found["containers"]["cna"]
    state = services.state(cve_id)
    if found["cveMetadata"]["state"] == cve_services.REJECTED:
        if state == cve_services.RESERVED:
            services.reject(cve_id, container)
            return "rejected"
        services.update_rejected(cve_id, container)
        return "rejected"
    if state == cve_services.RESERVED:
        services.publish(cve_id, container)
        return "published"
    services.update_published(cve_id, container)
    return "updated"


def submit_cve_records(*, actor: User, advisory: Advisory) -> dict[str, str]:
    """The case's lead submits each CVE record of the published advisory to CVE Services:
    published for a reserved id, updated for a published one, rejected once withdrawn.
    Returns what was done by CVE id. Raises `CveServicesNotConfigured` without
    credentials, and `CveServicesRefused` (after recording what was accepted before) when
    CVE Services refuses one."""
    case = advisory.case
    _require_lead(actor, case)
    _require_clear(advisory)
    records = _records(advisory)
    services = cve_services.connect()
    done: dict[str, str] = {}
    for cve_id, found in records.items():
        try:
            done[cve_id] = _submit(services, cve_id, found)
        except CveServicesRefused as exc:
            _record_submission(actor, advisory, done, refused={cve_id: str(exc)})
            raise
    _record_submission(actor, advisory, done)
    return done


@transaction.atomic
def _record_submission(
    actor: User, advisory: Advisory, done: dict[str, str], refused: dict[str, str] | None = None
) -> None:
    listed = ", ".join(f"{cve_id} {action}" for cve_id, action in done.items()) or "nothing sent"
    if refused:
        summary = f"CVE Services refused {', '.join(refused)} ({listed})"
    else:
        summary = f"CVE records submitted to CVE Services: {listed}"
    record(
        case=advisory.case,
        tag=REFUSED if refused else SUBMITTED,
        actor=actor,
        target=advisory,
        summary=summary,
        data={
            "advisory": advisory.tracking_id,
            "version": advisory.version,
            "submitted": done,
            "refused": refused or {},
        },
        audience=CaseEvent.Audience.COORDINATORS,
    )


def reserve_cve_id(*, actor: User, vulnerability: Vulnerability) -> Vulnerability:
    """The case's lead reserves a CVE id at CVE Services for a vulnerability that has
    none, and it becomes the vulnerability's."""
    case = vulnerability.case
    _require_lead(actor, case)
    if vulnerability.cve_id:
        raise StateConflict(
            f"V{vulnerability.number} has a CVE id already: {vulnerability.cve_id}."
        )
    cve_id = cve_services.connect().reserve(timezone.now().year)
    return _keep_reserved(actor, vulnerability, cve_id)


@transaction.atomic
def _keep_reserved(actor: User, vulnerability: Vulnerability, cve_id: str) -> Vulnerability:
    locked = Vulnerability.objects.select_for_update().get(pk=vulnerability.pk)
    if locked.cve_id:
        # Someone else reserved one meanwhile; the new id stays reserved, unused.
        raise StateConflict(
            f"V{locked.number} was given {locked.cve_id} meanwhile; "
            f"{cve_id} stays reserved, unused."
        )
    locked.cve_id = cve_id
    locked.save(update_fields=["cve_id"])
    record(
        case=locked.case,
        tag=RESERVED,
        actor=actor,
        target=locked,
        summary=f"V{locked.number} was given {cve_id}, reserved at CVE Services",
        data={"vulnerability": locked.pk, "number": locked.number, "cve_id": cve_id},
    )
    return locked
