"""Disclosure measures: for each case and each vendor in it, the time from notification
to acknowledgement, to the first statement, to the fix and to publication, and whether
the embargo held; and the evidence they give of each vendor organisation.

`refresh_measures` computes a case's measures from its records alone (deliveries, the
timeline and audit events of the vendors' own steps, its embargo, its advisory), so
calling it again, or in any order with the events, gives the same rows. `record`
(services/_common.py) calls it after each step that can change a measure, in the step's
transaction: for the one vendor a step concerns (its report state, its statement), for
every vendor after a case-wide one (the embargo; publishing, revising or withdrawing the
advisory, which pass through `record` like any step). The delivery of a notice, which
writes no timeline entry, calls it itself for the vendor told.

Only the vendor's own steps count: those of a member of its organisation, or of its
own user for a vendor invited in person. The lead may move a vendor's report state or
state for it, but that is no answer from the vendor.

Each refresh then reports, for each vendor organisation it computed, its
acknowledgement times over the last `WINDOW` as a platform observation of the check
`cvd-acknowledgement-time` (`accord.evidence.services.record_platform_observation`):
the commitments to the practice verified by that check derive their status from it, and
the published figures take the coalition's medians from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.accounts import selectors as accounts
from accord.audit import selectors as audit
from accord.cvd import states
from accord.cvd.models import (
    Advisory,
    Case,
    CaseEvent,
    Delivery,
    DisclosureMeasure,
    Participant,
    Statement,
)
from accord.cvd.services.embargo import SCHEDULED_END
from accord.engine.registry import (
    ACKNOWLEDGEMENT_CHECK,
    ACKNOWLEDGEMENT_LATE,
    ACKNOWLEDGEMENT_MISSING,
    PLATFORM_CHECKS,
)
from accord.engine.types import CheckResult, Finding, Status
from accord.evidence import services as evidence

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.evidence.models import Observation

# The steps of a case after which a measure may differ (`record` refreshes on these).
MEASURED_TAGS = frozenset(
    {
        "cvd:participant:add",
        "cvd:participant:remove",
        "cvd:participant:state",
        "cvd:statement:set",
        "cvd:statement:dispute",
        "cvd:embargo:adopt",
        "cvd:embargo:end",
        "cvd:embargo:expire",
    }
)
MEASURED_PREFIXES = ("cvd:advisory:",)  # publishing, revising, withdrawing an advisory
# The cases an organisation's evidence is judged on: those notified in the last year.
WINDOW = timedelta(days=365)
MEASURES = ("acknowledgement", "first_statement", "fix", "publication")
_STATEMENT_TAGS = ("cvd:statement:set", "cvd:statement:dispute")


def is_measured(tag: str) -> bool:
    return tag in MEASURED_TAGS or tag.startswith(MEASURED_PREFIXES)


# The steps that concern one vendor alone (their data name it, `participant`): after
# them only that vendor's measure is computed again. The others (embargo, advisory)
# concern every vendor of the case.
PARTICIPANT_TAGS = frozenset(
    {
        "cvd:participant:add",
        "cvd:participant:remove",
        "cvd:participant:state",
        "cvd:statement:set",
        "cvd:statement:dispute",
    }
)


@transaction.atomic
def refresh_measures(
    *, case: Case, participant: Participant | int | None = None, now: datetime | None = None
) -> list[DisclosureMeasure]:
    """Compute the measures of every vendor of `case` (of `participant` alone, when a
    step concerns only it) from its records, store them, and report those vendors'
    organisations' evidence; returns the measures computed.

    Idempotent: a second call with nothing new changes no row and records nothing. A
    vendor taken out of the case leaves no measure."""
    now = now or timezone.now()
    case = Case.objects.get(pk=case.pk)  # as stored: the caller's copy may be older
    vendors = Participant.objects.filter(case=case, role=Participant.Role.VENDOR)
    gone = DisclosureMeasure.objects.filter(case=case, participant__removed_at__isnull=False)
    if participant is not None:
        one = participant if isinstance(participant, int) else participant.pk
        vendors, gone = vendors.filter(pk=one), gone.filter(participant_id=one)
    chosen = list(vendors)
    if not chosen:
        return []
    gone.delete()
    published_at = _published_at(case)
    embargo_held = _embargo_held(case, published_at)
    measures = [
        _store(vendor, embargo_held=embargo_held, published_at=published_at, now=now)
        for vendor in chosen
        if vendor.removed_at is None
    ]
    for organisation_id in sorted({v.organisation_id for v in chosen if v.organisation_id}):
        report_acknowledgement(organisation_id=organisation_id, now=now)
    return measures


def refresh_after(*, case: Case, tag: str, data: dict[str, Any]) -> None:
    """What `record` calls after a measured step: the one vendor it concerns, or the
    whole case."""
    participant = data.get("participant") if tag in PARTICIPANT_TAGS else None
    refresh_measures(case=case, participant=participant if isinstance(participant, int) else None)


def _store(
    vendor: Participant, *, embargo_held: bool | None, published_at: datetime | None, now: datetime
) -> DisclosureMeasure:
    values: dict[str, Any] = {
        "case_id": vendor.case_id,
        "organisation_id": vendor.organisation_id,
        "notified_at": _notified_at(vendor),
        "acknowledged_at": _acknowledged_at(vendor),
        "first_statement_at": _first_statement_at(vendor),
        "fixed_at": _fixed_at(vendor),
        "published_at": published_at,
        "embargo_held": embargo_held,
    }
    measure = DisclosureMeasure.objects.filter(participant=vendor).first()
    if measure is None:
        return DisclosureMeasure.objects.create(participant=vendor, computed_at=now, **values)
    if any(getattr(measure, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(measure, key, value)
        measure.computed_at = now
        measure.save()
    return measure


def _notified_at(vendor: Participant) -> datetime | None:
    # The first notice: each one reaches the inbox of the vendor's people on the
    # platform, whatever became of the mail. A vendor known only by an address (invited,
    # no account yet) is told only by a mail that went: not held for want of a key,
    # not without any contact.
    notices = Delivery.objects.filter(participant=vendor)
    if vendor.organisation_id is None and vendor.user_id is None:
        notices = notices.filter(held=False).exclude(source=Delivery.Source.NONE)
    return notices.order_by("created_at", "pk").values_list("created_at", flat=True).first()


def _own_steps(vendor: Participant, tags: Iterable[str]) -> QuerySet[CaseEvent]:
    """The vendor's case's steps of `tags` taken by someone acting for the vendor: a
    member of its organisation, or its own user (a vendor invited in person). The lead
    may move a vendor's report state or state for it; that is not the vendor's answer,
    and counting it would let a coordinator make a vendor's evidence pass."""
    own = Q(actor_id=vendor.user_id) if vendor.user_id else Q(pk__in=[])
    if vendor.organisation_id:
        own |= Q(actor_id__in=accounts.member_ids_of(vendor.organisation_id))
    return CaseEvent.objects.filter(case_id=vendor.case_id, tag__in=tuple(tags)).filter(own)


def _acknowledged_at(vendor: Participant) -> datetime | None:
    # Acknowledged: the vendor itself moved its report state out of `received` (valid or
    # invalid, either is an answer). Report states never return to `received`, so the
    # vendor's first move is the one.
    if vendor.rm_state == states.RECEIVED:
        return None
    seqs = _own_steps(vendor, ("cvd:participant:state",)).order_by().values("audit_seq")
    return audit.first_event_at(
        tags=("cvd:participant:state",), data={"participant": vendor.pk}, seqs=seqs
    )


def _first_statement_at(vendor: Participant) -> datetime | None:
    # A statement's timeline entry is private to its vendor: `private_with` names it.
    steps = _own_steps(vendor, _STATEMENT_TAGS).filter(private_with=vendor)
    return steps.order_by("occurred_at", "pk").values_list("occurred_at", flat=True).first()


def _fixed_at(vendor: Participant) -> datetime | None:
    seqs = (
        _own_steps(vendor, ("cvd:statement:set",))
        .filter(private_with=vendor)
        .order_by()
        .values("audit_seq")
    )
    return audit.first_event_at(
        tags=("cvd:statement:set",),
        data={"participant": vendor.pk, "status": Statement.Status.FIXED},
        seqs=seqs,
    )


def _published_at(case: Case) -> datetime | None:
    advisory = Advisory.objects.filter(case=case).first()
    return advisory.initial_release_at if advisory is not None else None


def _embargo_held(case: Case, published_at: datetime | None) -> bool | None:
    """True: the embargo ran to its date (and nothing was published before it); False:
    it was ended early, or the advisory came out while it stood; None: no embargo was
    agreed, or it still stands."""
    if case.embargo_state == states.EM_EXITED:
        if case.embargo_exit_reason != SCHEDULED_END:
            return False
        ends = case.embargo_exited_at
        return not (published_at is not None and ends is not None and published_at < ends)
    if case.embargo_state in (states.EM_ACTIVE, states.EM_REVISE):
        return False if published_at is not None else None
    return None


# The evidence of one organisation ------------------------------------------------------


def report_acknowledgement(*, organisation_id: int, now: datetime) -> Observation | None:
    """Record the organisation's acknowledgement times as a platform observation, if
    they say something new (`record_platform_observation` stores nothing otherwise)."""
    measures = DisclosureMeasure.objects.filter(
        organisation_id=organisation_id,
        participant__removed_at__isnull=True,
        notified_at__gte=now - WINDOW,
        notified_at__lte=now,
    ).select_related("organisation")
    rows = list(measures)
    result = acknowledgement_result(rows, now=now)
    if result is None:
        return None
    organisation: Organisation = rows[0].organisation  # type: ignore[assignment]
    return evidence.record_platform_observation(
        organisation=organisation, check_id=ACKNOWLEDGEMENT_CHECK, result=result, now=now
    )


def acknowledgement_result(
    measures: Iterable[DisclosureMeasure], *, now: datetime
) -> CheckResult | None:
    """The verdict on one organisation's cases: pass when each case due was acknowledged
    within the check's days, fail when one was late or is overdue. None while no case
    is due yet: nothing to judge. Its details hold the organisation's medians (days) and
    its embargoes, counts only, never a case: what the coalition's figures are made of."""
    limit = timedelta(days=PLATFORM_CHECKS[ACKNOWLEDGEMENT_CHECK].within_days)
    rows = [m for m in measures if m.notified_at is not None]
    due = [m for m in rows if m.acknowledged_at is not None or _waited(m, now) > limit]
    if not due:
        return None
    late = [m for m in due if m.acknowledged_at is not None and _waited(m, now) > limit]
    missing = [m for m in due if m.acknowledged_at is None]
    errors = _findings(late, missing, limit)
    return CheckResult(
        check_id=ACKNOWLEDGEMENT_CHECK,
        status=Status.FAIL if errors else Status.PASS,
        errors=errors,
        details=_details(rows, due=len(due), late=len(late), missing=len(missing), limit=limit),
    )


def _waited(measure: DisclosureMeasure, now: datetime) -> timedelta:
    # From the notification to the acknowledgement, or to `now` while there is none.
    assert measure.notified_at is not None
    return (measure.acknowledged_at or now) - measure.notified_at


def _findings(
    late: list[DisclosureMeasure], missing: list[DisclosureMeasure], limit: timedelta
) -> list[Finding]:
    days = limit.days
    findings = []
    if late:
        findings.append(
            Finding(
                ACKNOWLEDGEMENT_LATE,
                f"{len(late)} case(s) acknowledged later than {days} days after notification.",
            )
        )
    if missing:
        findings.append(
            Finding(
                ACKNOWLEDGEMENT_MISSING,
                f"{len(missing)} case(s) not acknowledged {days} days after notification.",
            )
        )
    return findings


def _details(
    rows: list[DisclosureMeasure], *, due: int, late: int, missing: int, limit: timedelta
) -> dict[str, Any]:
    held = [m.embargo_held for m in rows if m.embargo_held is not None]
    return {
        "within_days": limit.days,
        "window_days": WINDOW.days,
        "cases": len(rows),
        "due": due,
        "late": late,
        "unacknowledged": missing,
        "median_days": {
            "acknowledgement": _median(m.days_to_acknowledgement for m in rows),
            "first_statement": _median(m.days_to_first_statement for m in rows),
            "fix": _median(m.days_to_fix for m in rows),
            "publication": _median(m.days_to_publication for m in rows),
        },
        "embargo": {"held": sum(held), "broken": len(held) - sum(held)},
    }


def _median(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(float(median(known)), 1) if known else None


def refresh_all_disclosure_evidence(*, now: datetime) -> int:
    """Report every vendor organisation's evidence again (daily: a case becomes overdue
    with time alone); returns how many observations were stored."""
    organisations = (
        DisclosureMeasure.objects.filter(organisation__isnull=False, notified_at__isnull=False)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    stored = 0
    for organisation_id in sorted(set(organisations)):
        with transaction.atomic():
            stored += report_acknowledgement(organisation_id=organisation_id, now=now) is not None
    return stored
