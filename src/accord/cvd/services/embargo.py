"""Negotiating the case's embargo (Vultron EM): none, proposed, active, revise, exited.

Any party to the case but an observer proposes an end, a date and time in UTC; each
party accepts or rejects each open proposal; the lead adopts one (the embargo is then
active until it, or stays active with the new date after a revision), withdraws one, or
ends the embargo early with a reason. The scheduler ends it on its date
(`end_due_embargoes`), and publishes the advisory then if the lead asked for it
(`accord.cvd.services.publication`). The state moves are `states.EM_MOVES`: a move the current state
does not allow is refused with a 409 that lists the allowed ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.cvd import rules, states
from accord.cvd.exceptions import InvalidField, NotAllowed, StateConflict
from accord.cvd.models import Case, EmbargoProposal, EmbargoResponse, Participant
from accord.cvd.selectors.embargo import party_label
from accord.cvd.services._common import record, require, require_visible

if TYPE_CHECKING:
    from accord.accounts.models import User

# Parties who negotiate the embargo; observers are told of it.
NEGOTIATORS = rules.PARTIES
# Embargoes are weeks or months long; a date further out is a typing mistake.
LONGEST_EMBARGO = timedelta(days=2 * 366)
MAX_COMMENT = 2_000
MAX_REASON = 2_000
SCHEDULED_END = "The embargo ended on its date."


def _as_utc(value: datetime) -> datetime:
    # A time without a zone is read as UTC: the dates are agreed in UTC.
    if timezone.is_naive(value):
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _end(value: datetime, now: datetime) -> datetime:
    end = _as_utc(value)
    if end <= now:
        raise InvalidField("The embargo must end in the future (UTC).", field="ends_at")
    if end > now + LONGEST_EMBARGO:
        raise InvalidField("An embargo ends at most two years from now.", field="ends_at")
    return end


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _proposer(actor: User, case: Case) -> Participant | None:
    """The party `actor` proposes as: one of its own, or None for a lead who is no
    participant (another member of the secretariat)."""
    party = rules.mine(actor).filter(case=case, role__in=NEGOTIATORS).order_by("role", "id")
    found = party.first()
    if found is None and not has_perm(actor, Permission.CVD_CASE_COORDINATE, case):
        raise NotAllowed("Only the parties to the case propose an embargo; observers do not.")
    return found


def _leads(actor: User, case: Case, what: str) -> None:
    require(actor, Permission.CVD_CASE_COORDINATE, case, f"Only the case's coordinator {what}.")


def _open(proposal: EmbargoProposal) -> EmbargoProposal:
    locked = EmbargoProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != EmbargoProposal.State.OPEN:
        raise StateConflict(
            f"The proposal is {locked.state}; only an open proposal is answered, adopted "
            "or withdrawn. Allowed: none."
        )
    return locked


def _when(moment: datetime) -> str:
    return f"{_as_utc(moment):%Y-%m-%d %H:%M} UTC"


@transaction.atomic
def propose_embargo(*, actor: User, case: Case, ends_at: datetime) -> EmbargoProposal:
    """Propose that the embargo ends at `ends_at` (UTC, in the future). While one is
    active this is a revision: the active date holds until the lead adopts the new one.
    The proposing party counts as accepting its own proposal."""
    require_visible(actor, case, "case")
    proposer = _proposer(actor, case)
    now = timezone.now()
    end = _end(ends_at, now)
    locked = _locked_case(case)
    wanted = (
        states.EM_REVISE
        if locked.embargo_state in (states.EM_ACTIVE, states.EM_REVISE)
        else states.EM_PROPOSED
    )
    states.require(states.EM_MOVES, locked.embargo_state, wanted, what="The embargo")
    proposal = EmbargoProposal.objects.create(
        case=locked,
        ends_at=end,
        proposed_by=actor,
        proposed_by_participant=proposer,
        proposed_at=now,
    )
    if proposer is not None:
        EmbargoResponse.objects.create(
            proposal=proposal, participant=proposer, answer="accept", answered_by=actor
        )
    before, locked.embargo_state = locked.embargo_state, wanted
    locked.save(update_fields=["embargo_state"])
    who = party_label(proposer)
    record(
        case=locked,
        tag="cvd:embargo:propose",
        actor=actor,
        target=proposal,
        summary=f"{who} proposed an embargo until {_when(end)}",
        data={"proposal": proposal.pk, "ends_at": end.isoformat(), "from": before, "to": wanted},
    )
    return proposal


@transaction.atomic
def answer_embargo(
    *,
    actor: User,
    proposal: EmbargoProposal,
    participant: Participant,
    answer: str,
    comment: str = "",
) -> EmbargoResponse:
    """`participant` accepts or rejects an open proposal, with an optional comment; a
    later answer replaces its earlier one. Only the coordinators and the participant
    itself learn which it gave."""
    require_visible(actor, proposal, "embargo proposal")
    require(
        actor,
        Permission.CVD_PARTICIPANT_ACT,
        participant,
        "You may answer only for your own organisation.",
    )
    if participant.case_id != proposal.case_id:
        raise InvalidField("That participant is not in this case.", field="participant")
    if participant.role not in NEGOTIATORS:
        raise InvalidField("Observers do not answer embargo proposals.", field="participant")
    if answer not in EmbargoResponse.Answer.values:
        raise InvalidField("Answer accept or reject.", field="answer")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidField(f"A comment is at most {MAX_COMMENT:,} characters.", field="comment")
    locked = _open(proposal)
    response, _ = EmbargoResponse.objects.update_or_create(
        proposal=locked,
        participant=participant,
        defaults={
            "answer": answer,
            "comment": comment,
            "answered_by": actor,
            "answered_at": timezone.now(),
        },
    )
    record(
        case=locked.case,
        tag="cvd:embargo:answer",
        actor=actor,
        target=locked,
        summary=(
            f"{participant.name} {response.get_answer_display().lower()} the embargo "
            f"until {_when(locked.ends_at)}"
        ),
        data={"proposal": locked.pk, "participant": participant.pk, "answer": answer},
        audience="private",
        private_with=participant,
    )
    return response


@transaction.atomic
def adopt_embargo(*, actor: User, proposal: EmbargoProposal) -> Case:
    """The lead adopts an open proposal: the embargo is active until its date. Every
    other open proposal, and an earlier adopted one, is superseded."""
    require_visible(actor, proposal, "embargo proposal")
    _leads(actor, proposal.case, "adopts an embargo")
    locked = _open(proposal)
    case = _locked_case(locked.case)
    states.require(states.EM_MOVES, case.embargo_state, states.EM_ACTIVE, what="The embargo")
    if locked.ends_at <= timezone.now():
        raise InvalidField("This proposal's date has passed; propose a new one.", field="ends_at")
    others = case.embargo_proposals.exclude(pk=locked.pk).filter(
        state__in=(EmbargoProposal.State.OPEN, EmbargoProposal.State.ADOPTED)
    )
    others.update(state=EmbargoProposal.State.SUPERSEDED)
    locked.state = EmbargoProposal.State.ADOPTED
    locked.save(update_fields=["state"])
    before = case.embargo_state
    case.embargo_state, case.embargo_ends_at = states.EM_ACTIVE, locked.ends_at
    case.save(update_fields=["embargo_state", "embargo_ends_at"])
    record(
        case=case,
        tag="cvd:embargo:adopt",
        actor=actor,
        target=locked,
        summary=f"The embargo is active until {_when(locked.ends_at)}",
        data={"proposal": locked.pk, "ends_at": locked.ends_at.isoformat(), "from": before},
    )
    return case


@transaction.atomic
def withdraw_embargo_proposal(*, actor: User, proposal: EmbargoProposal) -> Case:
    """The lead withdraws an open proposal. With no other open, a proposed embargo
    goes back to none, and a revision is dropped (the active embargo holds)."""
    require_visible(actor, proposal, "embargo proposal")
    _leads(actor, proposal.case, "withdraws an embargo proposal")
    locked = _open(proposal)
    case = _locked_case(locked.case)
    locked.state = EmbargoProposal.State.WITHDRAWN
    locked.save(update_fields=["state"])
    before = case.embargo_state
    still_open = case.embargo_proposals.filter(state=EmbargoProposal.State.OPEN).exists()
    if not still_open:
        back = states.EM_NONE if before == states.EM_PROPOSED else states.EM_ACTIVE
        states.require(states.EM_MOVES, before, back, what="The embargo")
        case.embargo_state = back
        case.save(update_fields=["embargo_state"])
    record(
        case=case,
        tag="cvd:embargo:withdraw",
        actor=actor,
        target=locked,
        summary=f"The embargo proposal until {_when(locked.ends_at)} was withdrawn",
        data={"proposal": locked.pk, "from": before, "to": case.embargo_state},
    )
    return case


def _exit(case: Case, *, actor: User | None, reason: str, at: datetime, tag: str) -> Case:
    before = case.embargo_state
    states.require(states.EM_MOVES, before, states.EM_EXITED, what="The embargo")
    case.embargo_proposals.filter(state=EmbargoProposal.State.OPEN).update(
        state=EmbargoProposal.State.SUPERSEDED
    )
    case.embargo_state, case.embargo_exited_at, case.embargo_exit_reason = (
        states.EM_EXITED,
        at,
        reason,
    )
    case.save(update_fields=["embargo_state", "embargo_exited_at", "embargo_exit_reason"])
    record(
        case=case,
        tag=tag,
        actor=actor,
        summary=f"The embargo ended: {reason}",
        data={"from": before, "reason": reason, "exited_at": at.isoformat()},
    )
    return case


@transaction.atomic
def end_embargo(*, actor: User, case: Case, reason: str) -> Case:
    """The lead ends an active embargo before its date, saying why (for example,
    exploitation seen in the wild)."""
    require_visible(actor, case, "case")
    _leads(actor, case, "ends the embargo")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidField("Say why the embargo ends early.", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidField(f"A reason is at most {MAX_REASON:,} characters.", field="reason")
    return _exit(
        _locked_case(case), actor=actor, reason=reason, at=timezone.now(), tag="cvd:embargo:end"
    )


def end_due_embargoes(*, now: datetime) -> int:
    """End every active embargo whose date has come (the scheduler's job); returns how
    many ended. Running it again, or on two machines at once, ends none twice."""
    ended = 0
    due = Case.objects.filter(
        embargo_state__in=(states.EM_ACTIVE, states.EM_REVISE), embargo_ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        ended += _end_if_due(pk, now)
    return ended


def _expire(case: Case) -> None:
    assert case.embargo_ends_at is not None
    _exit(case, actor=None, reason=SCHEDULED_END, at=case.embargo_ends_at, tag="cvd:embargo:expire")


def end_if_due(case: Case) -> bool:
    """End the embargo of `case` (locked by the caller, inside its transaction) as the
    scheduler would, on its date, if that date has passed: for a publication that comes
    before the scheduler's next run. It publishes nothing; True if it ended."""
    due = case.embargo_state in (states.EM_ACTIVE, states.EM_REVISE)
    if not due or case.embargo_ends_at is None or case.embargo_ends_at > timezone.now():
        return False
    _expire(case)
    return True


@transaction.atomic
def _end_if_due(pk: int, now: datetime) -> int:
    case = (
        Case.objects.select_for_update()
        .filter(
            pk=pk,
            embargo_state__in=(states.EM_ACTIVE, states.EM_REVISE),
            embargo_ends_at__lte=now,
        )
        .first()
    )
    if case is None or case.embargo_ends_at is None:  # ended meanwhile, by another run
        return 0
    _expire(case)
    # Publishing builds on the embargo (it may end one): imported here, not above.
    from accord.cvd.services.publication import publish_at_embargo_end

    publish_at_embargo_end(case)
    return 1
