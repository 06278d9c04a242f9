"""Vendors' statements on a case's vulnerabilities (VEX): per vulnerability, for one
affected product or for the vulnerability as a whole, one of affected, not affected (with
a justification from the CSAF/OpenVEX list), fixed (with the version), under
investigation or unknown, and a note. A vendor may also dispute a vulnerability, with a
reason. Each vendor states for itself; the lead may record a statement for a vendor.

A statement is read by the case's coordinators and the vendor that made it: its timeline
entry is private to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accord.access import Permission
from accord.cvd.exceptions import InvalidField, StateConflict
from accord.cvd.models import AffectedProduct, Participant, Statement, Vulnerability
from accord.cvd.services._common import record, refuse_controls, require, require_visible

if TYPE_CHECKING:
    from accord.accounts.models import User

MAX_NOTE = 5_000
MAX_VERSION = 100
MAX_REASON = 2_000
STATUS = Statement.Status


def _target(
    actor: User,
    participant: Participant,
    vulnerability: Vulnerability,
    product: AffectedProduct | None,
) -> None:
    require_visible(actor, vulnerability, "vulnerability")
    require(
        actor,
        Permission.CVD_PARTICIPANT_ACT,
        participant,
        "You may state only for your own organisation.",
    )
    if participant.role != Participant.Role.VENDOR:
        raise InvalidField("Only vendors make statements.", field="participant")
    if participant.case_id != vulnerability.case_id:
        raise InvalidField("That vendor is not in this vulnerability's case.", field="participant")
    if product is not None and product.vulnerability_id != vulnerability.pk:
        raise InvalidField("That product is not affected by this vulnerability.", field="product")


def _text(value: str, *, field: str, limit: int) -> str:
    cleaned = refuse_controls(value.strip(), field=field, multiline=field != "fixed_version")
    if len(cleaned) > limit:
        raise InvalidField(
            f"The {field.replace('_', ' ')} is at most {limit:,} characters.", field=field
        )
    return cleaned


def _vex(status: str, justification: str, fixed_version: str) -> tuple[str, str]:
    """The justification and fixed version the status takes (blank where it takes none)."""
    if status not in STATUS.values:
        raise InvalidField(f"A status is one of: {', '.join(STATUS.values)}.", field="status")
    if status == STATUS.NOT_AFFECTED:
        if justification not in Statement.Justification.values:
            listed = ", ".join(Statement.Justification.values)
            raise InvalidField(
                f"Not affected needs a VEX justification: {listed}.", field="justification"
            )
        return justification, ""
    if status == STATUS.FIXED:
        version = _text(fixed_version, field="fixed_version", limit=MAX_VERSION)
        if not version:
            raise InvalidField("Fixed needs the version that fixes it.", field="fixed_version")
        return "", version
    return "", ""


def _where(vulnerability: Vulnerability, product: AffectedProduct | None) -> str:
    return f"V{vulnerability.number}" + (f" ({product.label})" if product else "")


def _statement(
    participant: Participant, vulnerability: Vulnerability, product: AffectedProduct | None
) -> Statement:
    locked = (
        Statement.objects.select_for_update()
        .filter(participant=participant, vulnerability=vulnerability, product=product)
        # No ordering: the default one joins the nullable product, which PostgreSQL
        # does not lock.
        .order_by()
        .first()
    )
    return locked or Statement(
        participant=participant, vulnerability=vulnerability, product=product
    )


@transaction.atomic
def make_statement(
    *,
    actor: User,
    participant: Participant,
    vulnerability: Vulnerability,
    product: AffectedProduct | None = None,
    status: str,
    justification: str = "",
    fixed_version: str = "",
    note: str = "",
) -> Statement:
    """`participant` (a vendor) states `status` on `vulnerability`, for `product` or, with
    none, for the vulnerability as a whole. A new statement replaces the earlier one; a
    dispute stands until withdrawn."""
    _target(actor, participant, vulnerability, product)
    justification, fixed_version = _vex(status, justification, fixed_version)
    note = _text(note, field="note", limit=MAX_NOTE)
    statement = _statement(participant, vulnerability, product)
    before = statement.status if statement.pk else ""
    statement.status, statement.justification, statement.fixed_version = (
        status,
        justification,
        fixed_version,
    )
    statement.note, statement.updated_by, statement.updated_at = note, actor, timezone.now()
    statement.save()
    detail = statement.get_justification_display().lower() if justification else fixed_version
    record(
        case=participant.case,
        tag="cvd:statement:set",
        actor=actor,
        target=statement,
        summary=(
            f"{participant.name} on {_where(vulnerability, product)}: "
            f"{statement.get_status_display().lower()}" + (f" ({detail})" if detail else "")
        ),
        data={
            "participant": participant.pk,
            "vulnerability": vulnerability.number,
            "product": product.pk if product else None,
            "from": before,
            "status": status,
            "justification": justification,
            "fixed_version": fixed_version,
        },
        audience="private",
        private_with=participant,
    )
    return statement


@transaction.atomic
def dispute_vulnerability(
    *, actor: User, participant: Participant, vulnerability: Vulnerability, reason: str
) -> Statement:
    """`participant` (a vendor) disputes `vulnerability`, saying why: it is no flaw, or
    not theirs. The dispute sits on its statement for the vulnerability as a whole."""
    _target(actor, participant, vulnerability, None)
    reason = _text(reason, field="reason", limit=MAX_REASON)
    if not reason:
        raise InvalidField("Say why you dispute the vulnerability.", field="reason")
    statement = _statement(participant, vulnerability, None)
    statement.disputed, statement.dispute_reason = True, reason
    statement.updated_by, statement.updated_at = actor, timezone.now()
    statement.save()
    record(
        case=participant.case,
        tag="cvd:statement:dispute",
        actor=actor,
        target=statement,
        summary=f"{participant.name} disputes V{vulnerability.number}: {reason}",
        data={"participant": participant.pk, "vulnerability": vulnerability.number},
        audience="private",
        private_with=participant,
    )
    return statement


@transaction.atomic
def withdraw_dispute(
    *, actor: User, participant: Participant, vulnerability: Vulnerability
) -> Statement:
    """`participant` no longer disputes `vulnerability`; its statement stays."""
    _target(actor, participant, vulnerability, None)
    statement = _statement(participant, vulnerability, None)
    if not statement.disputed:
        raise StateConflict(
            f"{participant.name} does not dispute V{vulnerability.number}. Allowed: dispute."
        )
    statement.disputed, statement.dispute_reason = False, ""
    statement.updated_by, statement.updated_at = actor, timezone.now()
    statement.save()
    record(
        case=participant.case,
        tag="cvd:statement:undispute",
        actor=actor,
        target=statement,
        summary=f"{participant.name} no longer disputes V{vulnerability.number}",
        data={"participant": participant.pk, "vulnerability": vulnerability.number},
        audience="private",
        private_with=participant,
    )
    return statement
