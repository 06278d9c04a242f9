"""Reading a case's embargo: its state, the proposals, and their answers.

Everyone in the case sees the proposals and how many accepted, rejected or stayed
silent; the coordinators see each party's answer, everyone else only their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count

from accord.cvd import rules
from accord.cvd.models import Case, EmbargoProposal, EmbargoResponse, Participant

if TYPE_CHECKING:
    from accord.access import Viewer

NEGOTIATORS = rules.PARTIES
MAX_ID = 2**63  # past a database's integers: no such row


def party_label(participant: Participant | None) -> str:
    """How a party is named to everyone in the case: a reporter only by its role, as
    vendors may not learn who reported."""
    if participant is None:
        return "The coordinator"
    if participant.role == Participant.Role.REPORTER:
        return "The reporter"
    return participant.name


@dataclass
class ProposalView:
    proposal: EmbargoProposal
    proposed_by: str
    accepted: int = 0
    rejected: int = 0
    silent: int = 0
    # The viewer's own parties' answers.
    own: list[EmbargoResponse] = field(default_factory=list)
    # For the coordinators: every answer, and the parties that gave none.
    answers: list[EmbargoResponse] = field(default_factory=list)
    silent_parties: list[Participant] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.proposal.state == EmbargoProposal.State.OPEN


@dataclass
class EmbargoView:
    case: Case
    proposals: list[ProposalView]
    sees_answers: bool
    # The viewer's own parties that answer proposals.
    answering_as: list[Participant]


def sees_everything(user: Viewer, case: Case) -> bool:
    """Whether `user` is among the case's coordinators (leading or not)."""
    return Case.objects.coordinated_by(user).filter(pk=case.pk).exists()


def proposals_for(user: Viewer, case: Case) -> list[EmbargoProposal]:
    return list(
        EmbargoProposal.objects.visible_to(user)
        .filter(case=case)
        .select_related("proposed_by_participant")
    )


def proposal_for(user: Viewer, case: Case, proposal_id: int) -> EmbargoProposal | None:
    if not 0 < proposal_id < MAX_ID:
        return None
    return EmbargoProposal.objects.visible_to(user).filter(case=case, pk=proposal_id).first()


def embargo_view(user: Viewer, case: Case) -> EmbargoView:
    """The embargo page's content for `user`, in a fixed number of queries."""
    proposals = proposals_for(user, case)
    everything = sees_everything(user, case)
    parties = list(Participant.objects.visible_to(user).filter(case=case, role__in=NEGOTIATORS))
    party_ids = {party.pk for party in parties}
    own_ids = set(rules.mine(user).filter(case=case).values_list("pk", flat=True))
    counts: Counter[tuple[int, str]] = Counter()
    for row in (
        EmbargoResponse.objects.filter(proposal__in=proposals, participant__in=party_ids)
        .values("proposal", "answer")
        .annotate(n=Count("pk"))
    ):
        counts[(row["proposal"], row["answer"])] = row["n"]
    shown = EmbargoResponse.objects.filter(proposal__in=proposals).select_related("participant")
    if not everything:
        shown = shown.filter(participant__in=own_ids)
    by_proposal: dict[int, list[EmbargoResponse]] = {}
    for response in shown.order_by("participant__name", "pk"):
        by_proposal.setdefault(response.proposal_id, []).append(response)
    views = [
        _proposal_view(p, counts, by_proposal.get(p.pk, []), parties, own_ids, everything)
        for p in proposals
    ]
    answering_as = [party for party in parties if party.pk in own_ids]
    return EmbargoView(
        case=case, proposals=views, sees_answers=everything, answering_as=answering_as
    )


def _proposal_view(
    proposal: EmbargoProposal,
    counts: Counter[tuple[int, str]],
    responses: list[EmbargoResponse],
    parties: list[Participant],
    own_ids: set[int],
    everything: bool,
) -> ProposalView:
    accepted = counts[(proposal.pk, EmbargoResponse.Answer.ACCEPT)]
    rejected = counts[(proposal.pk, EmbargoResponse.Answer.REJECT)]
    view = ProposalView(
        proposal=proposal,
        proposed_by=party_label(proposal.proposed_by_participant),
        accepted=accepted,
        rejected=rejected,
        silent=max(len(parties) - accepted - rejected, 0),
        own=[response for response in responses if response.participant_id in own_ids],
    )
    if everything:
        answered = {response.participant_id for response in responses}
        view.answers = [r for r in responses if r.participant.removed_at is None]
        view.silent_parties = [party for party in parties if party.pk not in answered]
    return view


def acting_party(
    user: Viewer,
    case: Case,
    *,
    roles: tuple[str, ...],
    participant_id: int | None = None,
    organisation: object | None = None,
) -> Participant | None:
    """The participant `user` means to act as: the one named (if they may see it), else
    their own in one of `roles`, the one of `organisation` first (an API token's)."""
    if participant_id is not None:
        if not 0 < participant_id < MAX_ID:
            return None
        return Participant.objects.visible_to(user).filter(case=case, pk=participant_id).first()
    own = list(rules.mine(user).filter(case=case, role__in=roles).order_by("role", "id"))
    preferred = [party for party in own if party.organisation_id == getattr(organisation, "pk", 0)]
    return next(iter(preferred or own), None)
