"""Opening cases and changing who takes part in them.

A case is opened by a coordinator (the secretariat, or a member organisation the
secretariat made coordinator), from a report or directly, or by a vendor for a flaw in
its own product, which then leads the case itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.cvd import states
from accord.cvd.exceptions import InvalidField, NotAllowed, StateConflict
from accord.cvd.models import Case, Participant, Report, Tlp
from accord.cvd.selectors.coordinators import is_coordinator
from accord.cvd.services import delivery
from accord.cvd.services._common import (
    next_number,
    record,
    refuse_controls,
    require,
    require_visible,
)

if TYPE_CHECKING:
    from accord.accounts.models import Organisation, User

MAX_TITLE = 200
MAX_SUMMARY = 20_000


def _text(value: str, *, field: str, limit: int, required: bool) -> str:
    cleaned = refuse_controls(value.strip(), field=field, multiline=field != "title")
    if required and not cleaned:
        raise InvalidField(f"Give the case a {field}.", field=field)
    if len(cleaned) > limit:
        raise InvalidField(f"The {field} is at most {limit:,} characters.", field=field)
    return cleaned


def _tlp(value: str) -> str:
    if value not in Tlp.values:
        choices = ", ".join(label for _, label in Tlp.choices)
        raise InvalidField(f"Choose a TLP 2.0 level: {choices}.", field="tlp")
    return value


def _next_reference(year: int) -> tuple[int, str]:
    number = next_number("case", year)
    return number, f"ACC-{year}-{number:04d}"


@transaction.atomic
def open_case(
    *,
    actor: User,
    title: str,
    summary: str = "",
    tlp: str = Tlp.AMBER,
    organisation: Organisation | None = None,
    report: Report | None = None,
) -> Case:
    """Open a case, `ACC-YYYY-NNNN`.

    From `report`: by its coordinator, who takes the report's reporter in. With
    `organisation`: led by it, as coordinator if the secretariat made it one, else as the
    vendor of its own product. With neither: led by the secretariat.
    """
    title = _text(title, field="title", limit=MAX_TITLE, required=True)
    summary = _text(summary, field="summary", limit=MAX_SUMMARY, required=False)
    tlp = _tlp(tlp)
    if report is not None:
        require(
            actor,
            Permission.CVD_REPORT_TRIAGE,
            report,
            "Only the report's coordinator opens it as a case.",
        )
        locked = Report.objects.select_for_update().get(pk=report.pk)
        states.require(
            states.REPORT_MOVES, locked.state, states.REPORT_COORDINATED, what="The report"
        )
        organisation = locked.coordinator
    elif organisation is not None:
        require(
            actor,
            Permission.CVD_CASE_OPEN,
            organisation,
            "You may open cases only for your own organisation.",
        )
    elif not has_perm(actor, Permission.CVD_COORDINATOR_GRANT):
        raise NotAllowed(
            "Only the secretariat opens a case that it coordinates; name your organisation."
        )
    now = timezone.now()
    number, reference = _next_reference(now.year)
    case = Case.objects.create(
        reference=reference,
        year=now.year,
        number=number,
        title=title,
        summary=summary,
        tlp=tlp,
        coordinator=organisation,
        report=report,
        opened_by=actor,
        opened_at=now,
    )
    lead = _add_lead(case, actor, organisation)
    if report is not None:
        _take_in_reporter(case, locked, actor)
    record(
        case=case,
        tag="cvd:case:open",
        actor=actor,
        summary=f"Case {reference} opened: {title}",
        data={"tlp": tlp, "report": report.reference if report else None, "lead": lead.name},
    )
    return case


def _add_lead(case: Case, actor: User, organisation: Organisation | None) -> Participant:
    if organisation is None:
        name = f"{settings.ACCORD_INSTANCE_NAME} secretariat"
        return Participant.objects.create(
            case=case,
            role=Participant.Role.COORDINATOR,
            user=actor,
            name=name,
            added_by=actor,
            rm_state=Participant.RmState.ACCEPTED,
        )
    role = Participant.Role.COORDINATOR if is_coordinator(organisation) else Participant.Role.VENDOR
    if role == Participant.Role.VENDOR:
        # A vendor's own case: it coordinates, and is the vendor too.
        Participant.objects.create(
            case=case,
            role=Participant.Role.COORDINATOR,
            organisation=organisation,
            name=organisation.name,
            added_by=actor,
            rm_state=Participant.RmState.ACCEPTED,
        )
    return Participant.objects.create(
        case=case,
        role=role,
        organisation=organisation,
        name=organisation.name,
        added_by=actor,
        rm_state=Participant.RmState.ACCEPTED,
    )


def _take_in_reporter(case: Case, report: Report, actor: User) -> None:
    report.state = Report.State.COORDINATED
    report.save(update_fields=["state"])
    if report.reporter is None and not report.reporter_email:
        return  # an anonymous reporter with no address: followed by their private link
    Participant.objects.create(
        case=case,
        role=Participant.Role.REPORTER,
        user=report.reporter,
        email=report.reporter_email if report.reporter is None else "",
        name=report.reporter_name or "Reporter",
        added_by=actor,
        rm_state=Participant.RmState.VALID,
    )


ADDABLE_ROLES = (
    Participant.Role.VENDOR,
    Participant.Role.OTHER_COORDINATOR,
    Participant.Role.OBSERVER,
    Participant.Role.COORDINATOR,
)


@transaction.atomic
def add_participant(
    *,
    actor: User,
    case: Case,
    role: str,
    organisation: Organisation | None = None,
    user: User | None = None,
    name: str = "",
    email: str = "",
) -> Participant:
    """The lead adds an organisation, a person with an account, or (to be invited by
    email, `invite_vendor`) a named address to the case in `role`."""
    require(
        actor,
        Permission.CVD_CASE_COORDINATE,
        case,
        "Only the case's coordinator adds participants.",
    )
    if role not in ADDABLE_ROLES:
        allowed = ", ".join(ADDABLE_ROLES)
        raise InvalidField(f"A participant's role is one of: {allowed}.", field="role")
    if organisation is None and user is None and not email:
        raise InvalidField(
            "Name an organisation, a person or an email address.", field="organisation"
        )
    existing = Participant.objects.filter(case=case, role=role, removed_at__isnull=True)
    if organisation is not None and existing.filter(organisation=organisation).exists():
        raise StateConflict(f"{organisation.name} is already a {role} in this case.")
    label = (
        name.strip()[:200]
        or (organisation.name if organisation else "")
        or (user.email if user else email)
    )
    participant = Participant.objects.create(
        case=case,
        role=role,
        organisation=organisation,
        user=user,
        email=email,
        name=label,
        added_by=actor,
    )
    record(
        case=case,
        tag="cvd:participant:add",
        actor=actor,
        target=participant,
        summary=f"{label} joined the case as {participant.get_role_display().lower()}",
        data={"participant": participant.pk, "role": role},
    )
    delivery.queue_vendor_notice(participant=participant)
    return participant


@transaction.atomic
def remove_participant(*, actor: User, participant: Participant, reason: str = "") -> Participant:
    """The lead takes a participant out of the case; its past stays on the timeline."""
    case = participant.case
    require(
        actor,
        Permission.CVD_CASE_COORDINATE,
        case,
        "Only the case's coordinator removes participants.",
    )
    if participant.removed_at is not None:
        raise StateConflict(f"{participant.name} was removed already.")
    leads = Participant.objects.filter(
        case=case, role=Participant.Role.COORDINATOR, removed_at__isnull=True
    )
    if participant.role == Participant.Role.COORDINATOR and leads.count() == 1:
        raise StateConflict("A case keeps at least one coordinator.")
    participant.removed_at = timezone.now()
    participant.save(update_fields=["removed_at"])
    record(
        case=case,
        tag="cvd:participant:remove",
        actor=actor,
        target=participant,
        summary=f"{participant.name} left the case",
        data={"participant": participant.pk, "reason": reason[:500]},
    )
    return participant


@transaction.atomic
def set_report_state(*, actor: User, participant: Participant, state: str) -> Participant:
    """A participant moves its own handling of the report (Vultron RM): received,
    invalid, valid, accepted, deferred, closed. The message of a refused move lists the
    allowed ones."""
    require(
        actor,
        Permission.CVD_PARTICIPANT_ACT,
        participant,
        "You may change only your own state in a case.",
    )
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if state not in states.RM_STATES:
        raise InvalidField(
            f"A report-management state is one of: {', '.join(states.RM_STATES)}.", field="state"
        )
    states.require(states.RM_MOVES, locked.rm_state, state, what=f"{locked.name}'s report state")
    before, locked.rm_state, locked.rm_changed_at = locked.rm_state, state, timezone.now()
    locked.save(update_fields=["rm_state", "rm_changed_at"])
    record(
        case=locked.case,
        tag="cvd:participant:state",
        actor=actor,
        target=locked,
        summary=f"{locked.name}: report {before} → {state}",
        data={"participant": locked.pk, "from": before, "to": state},
    )
    return locked


MAX_TRACKING_ID = 100


@transaction.atomic
def set_tracking_id(*, actor: User, participant: Participant, tracking_id: str) -> Participant:
    """A vendor records its own id for the case (its ticket); every message to it
    carries it."""
    require(
        actor, Permission.CVD_PARTICIPANT_ACT, participant, "You may set only your own tracking id."
    )
    value = tracking_id.strip()
    if len(value) > MAX_TRACKING_ID:
        raise InvalidField(
            f"A tracking id is at most {MAX_TRACKING_ID} characters.", field="tracking_id"
        )
    Participant.objects.filter(pk=participant.pk).update(tracking_id=value)
    participant.tracking_id = value
    record(
        case=participant.case,
        tag="cvd:participant:tracking",
        actor=actor,
        target=participant,
        summary=f"{participant.name} set its tracking id",
        audience="private",
        private_with=participant,
        data={"participant": participant.pk, "tracking_id": value},
    )
    return participant


@transaction.atomic
def edit_case(
    *,
    actor: User,
    case: Case,
    title: str | None = None,
    summary: str | None = None,
    tlp: str | None = None,
) -> Case:
    """The lead changes the case's title, summary or TLP level (None: unchanged)."""
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator edits it.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    changed: dict[str, str] = {}
    if title is not None:
        changed["title"] = _text(title, field="title", limit=MAX_TITLE, required=True)
    if summary is not None:
        changed["summary"] = _text(summary, field="summary", limit=MAX_SUMMARY, required=False)
    if tlp is not None:
        changed["tlp"] = _tlp(tlp)
    changed = {key: value for key, value in changed.items() if getattr(locked, key) != value}
    if not changed:
        return locked
    for key, value in changed.items():
        setattr(locked, key, value)
    locked.save(update_fields=list(changed))
    record(
        case=locked,
        tag="cvd:case:edit",
        actor=actor,
        summary=f"Case changed: {', '.join(changed)}",
        data={key: value for key, value in changed.items() if key != "summary"},
    )
    return locked


MAX_REASON = 2_000


@transaction.atomic
def close_case(*, actor: User, case: Case, reason: str) -> Case:
    """The lead closes the case: its discussion becomes read-only and it stays, with its
    timeline, for everyone who took part. `reopen_case` undoes it."""
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator closes it.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.closed_at is not None:
        raise StateConflict("The case is closed already. Allowed: reopen.")
    why = _text(reason, field="reason", limit=MAX_REASON, required=True)
    locked.closed_at = timezone.now()
    locked.save(update_fields=["closed_at"])
    record(
        case=locked,
        tag="cvd:case:close",
        actor=actor,
        summary=f"Case closed: {why}",
        data={"reason": why},
    )
    return locked


@transaction.atomic
def reopen_case(*, actor: User, case: Case) -> Case:
    """The lead opens a closed case again."""
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator reopens it.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.closed_at is None:
        raise StateConflict("The case is open. Allowed: close.")
    locked.closed_at = None
    locked.save(update_fields=["closed_at"])
    record(case=locked, tag="cvd:case:reopen", actor=actor, summary="Case reopened")
    return locked
