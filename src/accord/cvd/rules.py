"""Who sees and does what in coordinated disclosure: written once, here.

A case is in its own zone. Nobody outside it reads any part of it, the secretariat
included, unless the secretariat coordinates it. Inside it, a person holds the roles of
the participants they are (in person, or as a member of the participant's organisation
while it is in good standing):

- the **lead** coordinators: the members of the case's coordinating organisation (the
  secretariat when the case has none) and those of a `coordinator` participant. They see
  and manage everything;
- **other coordinators** see everything in the case the lead sees (not the report it
  came from) and manage nothing;
- **vendors** and **reporters** see the case, its vulnerabilities, its participants and
  embargo, the case's own threads and timeline, and of the statements and private
  threads only their own;
- **observers** see the case, its vulnerabilities and its embargo proposals, the
  coordinators among the participants, the threads the coordinator opens to them, and
  their own private thread: what the coordinator shares with them.

Vendors never learn who reported unless the reporter chose so (`CVD_REPORTER_VIEW`): a
reporter who stayed anonymous is not even listed to them. A removed participant sees
nothing more. Reports belong to their coordinator's queue, to their reporter, and to
the lead of the case opened from them; vendors never read the report itself.

An API token acts for its owner within its one organisation (`accounts.rules`), so a
vendor's tracking system reads only what that organisation's part allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F, Q, QuerySet

from accord.access import Permission, Viewer, active, declare
from accord.accounts import selectors as accounts
from accord.accounts.rules import OrganisationQuerySet, Role, is_secretariat, not_removed

if TYPE_CHECKING:
    # The querysets' type parameters.
    from accord.cvd.models import (  # noqa: F401
        Advisory,
        AdvisoryRevision,
        AffectedProduct,
        Attachment,
        Case,
        CaseEvent,
        Delivery,
        DisclosureMeasure,
        EmbargoProposal,
        Participant,
        ParticipantInvitation,
        Post,
        Report,
        Statement,
        Thread,
        VendorProduct,
        Vulnerability,
    )

TLP_CLEAR = "clear"
COORDINATOR, VENDOR, REPORTER, OTHER_COORDINATOR, OBSERVER = (
    "coordinator", "vendor", "reporter", "other_coordinator", "observer",
)  # fmt: skip
# Roles that read the case's own threads and timeline.
PARTIES = (COORDINATOR, VENDOR, REPORTER, OTHER_COORDINATOR)


def _participants() -> QuerySet[Participant]:
    from accord.cvd.models import Participant

    return Participant.objects.filter(removed_at__isnull=True)


def _cases() -> QuerySet[Case]:
    from accord.cvd.models import Case

    return Case.objects.all()


def _organisations(user: Viewer) -> QuerySet[Any]:
    """The organisations `user` belongs to and may act for, as a subquery built once per
    rule call and named wherever that rule needs it."""
    return accounts.organisations_joined_by(user).order_by().values("pk")


def _mine(user: Viewer, organisations: QuerySet[Any] | list[int]) -> QuerySet[Participant]:
    return _participants().filter(Q(user=user) | Q(organisation__in=organisations))


def mine(user: Viewer) -> QuerySet[Participant]:
    """The participants `user` is: in person, or through an organisation they belong to
    and may act for. None for a visitor or an inactive account."""
    if not active(user):
        return _participants().none()
    return _mine(user, _organisations(user))


@dataclass(frozen=True)
class _Seats:
    """Where one viewer sits in disclosure: the organisations they act for and the
    participants they are, each a subquery built once per rule call.

    Building the viewer's participants and organisations again for every role a rule
    names (five to thirteen times in one check) cost more than running the check. They
    stay subqueries, run with the rule's own query: nothing is read ahead or kept
    between calls, so a rule's queryset always reads the participants as they are when
    it runs, and a write counts at once."""

    organisations: QuerySet[Any] | list[int] = field(default_factory=list)
    secretariat: bool = False
    participants: QuerySet[Participant] | None = None

    def _mine(self) -> QuerySet[Participant]:
        return self.participants if self.participants is not None else _participants().none()

    def participant_ids(self) -> QuerySet[Any]:
        return self._mine().values("pk")

    def case_ids(self, *roles: str) -> QuerySet[Any]:
        """The cases where the viewer is a participant in one of `roles` (in any role
        when none is named)."""
        mine = self._mine().filter(role__in=roles) if roles else self._mine()
        return mine.values("case_id")

    def leads(self, via: str) -> Q:
        """Objects of the cases the viewer leads; `via` is the lookup from the objects to
        the case (`""` for cases themselves)."""
        lead = Q(**{f"{via}coordinator__in": self.organisations})
        if self.secretariat:
            lead |= Q(**{f"{via}coordinator__isnull": True})
        return lead | Q(**{f"{via}pk__in": self.case_ids(COORDINATOR)})

    def sees_all(self, via: str) -> Q:
        """Objects of cases the viewer leads or helps coordinate: they see everything."""
        return self.leads(via) | Q(**{f"{via}pk__in": self.case_ids(OTHER_COORDINATOR)})

    def in_case(self, via: str) -> Q:
        """Objects of cases the viewer takes part in, in any role, or leads."""
        return self.leads(via) | Q(**{f"{via}pk__in": self.case_ids()})


def _seats(user: Viewer) -> _Seats:
    if not active(user):
        return _Seats()
    organisations = _organisations(user)
    participants = _mine(user, organisations).order_by()
    return _Seats(organisations, is_secretariat(user), participants)


def led_cases(user: Viewer) -> QuerySet[Case]:
    """The cases `user` leads as coordinator."""
    if not active(user):
        return _cases().none()
    return _cases().filter(_seats(user).leads(""))


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Viewer) -> CaseQuerySet:
        """Cases the user takes part in, in any role, or leads (`CVD_CASE_VIEW`)."""
        return self.filter(_seats(user).in_case(""))

    def led_by(self, user: Viewer) -> CaseQuerySet:
        """Cases the user leads (`CVD_CASE_COORDINATE`)."""
        return self.filter(_seats(user).leads(""))

    def coordinated_by(self, user: Viewer) -> CaseQuerySet:
        """Cases whose coordinators the user is among, leading or not: they see all of
        the case (every statement, every embargo answer)."""
        return self.filter(_seats(user).sees_all(""))

    def reporter_visible_to(self, user: Viewer) -> CaseQuerySet:
        """Cases whose reporter the user may know (`CVD_REPORTER_VIEW`): coordinators
        always; the reporter; vendors and others only if the reporter chose so."""
        seats = _seats(user)
        disclosed = Q(report__identity_disclosed=True) & Q(pk__in=seats.case_ids(*PARTIES))
        own = Q(pk__in=seats.case_ids(REPORTER))
        return self.filter(seats.sees_all("") | disclosed | own)


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def visible_to(self, user: Viewer) -> ParticipantQuerySet:
        """Everyone in the cases the user takes part in, but a reporter who stayed
        anonymous; an observer sees only itself and the coordinators."""
        seats = _seats(user)
        known = ~Q(role=REPORTER) | Q(case__report__identity_disclosed=True)
        parties = Q(case__in=seats.case_ids(*PARTIES)) & known
        to_observer = Q(case__in=seats.case_ids(OBSERVER)) & Q(role=COORDINATOR)
        own = Q(pk__in=seats.participant_ids())
        return self.filter(seats.sees_all("case__") | parties | to_observer | own).filter(
            removed_at__isnull=True
        )

    def acted_for_by(self, user: Viewer) -> ParticipantQuerySet:
        """The participants the user acts for: answering an embargo, setting its own
        report-management state and tracking id, stating on vulnerabilities. The lead
        acts for every participant of its cases."""
        seats = _seats(user)
        own = Q(pk__in=seats.participant_ids())
        return self.filter(own | seats.leads("case__")).filter(removed_at__isnull=True)


class VulnerabilityQuerySet(models.QuerySet["Vulnerability"]):
    def visible_to(self, user: Viewer) -> VulnerabilityQuerySet:
        return self.filter(_seats(user).in_case("case__"))


class AdvisoryQuerySet(models.QuerySet["Advisory"]):
    def visible_to(self, user: Viewer) -> AdvisoryQuerySet:
        """Published advisories the user reads (`CVD_ADVISORY_VIEW`): a TLP:CLEAR one
        by anyone, any other only inside its case."""
        return self.filter(Q(tlp=TLP_CLEAR) | _seats(user).in_case("case__"))

    def public(self) -> AdvisoryQuerySet:
        """What the public site and the CSAF provider directory carry: TLP:CLEAR only."""
        return self.filter(tlp=TLP_CLEAR)


class AdvisoryRevisionQuerySet(models.QuerySet["AdvisoryRevision"]):
    """An advisory's versions. A version is public only if it was TLP:CLEAR when it was
    published (its own `tlp`) and its advisory is TLP:CLEAR now: a version published at
    TLP:AMBER stays for those in the case after the case is lowered to TLP:CLEAR."""

    def visible_to(self, user: Viewer) -> AdvisoryRevisionQuerySet:
        """The versions the user reads (`CVD_ADVISORY_VIEW`): public ones by anyone,
        every version inside its case."""
        return self.filter(
            Q(tlp=TLP_CLEAR, advisory__tlp=TLP_CLEAR) | _seats(user).in_case("advisory__case__")
        )

    def public(self) -> AdvisoryRevisionQuerySet:
        """The versions the public site carries."""
        return self.filter(tlp=TLP_CLEAR, advisory__tlp=TLP_CLEAR)


class AffectedProductQuerySet(models.QuerySet["AffectedProduct"]):
    def visible_to(self, user: Viewer) -> AffectedProductQuerySet:
        return self.filter(_seats(user).in_case("vulnerability__case__"))


class EmbargoProposalQuerySet(models.QuerySet["EmbargoProposal"]):
    def visible_to(self, user: Viewer) -> EmbargoProposalQuerySet:
        return self.filter(_seats(user).in_case("case__"))


class StatementQuerySet(models.QuerySet["Statement"]):
    def visible_to(self, user: Viewer) -> StatementQuerySet:
        """All of a case's statements for its coordinators; a vendor's own for it."""
        seats = _seats(user)
        own = Q(participant__in=seats.participant_ids(), participant__case=F("vulnerability__case"))
        return self.filter(seats.sees_all("vulnerability__case__") | own)


def _threads(seats: _Seats, via: str) -> Q:
    parties = Q(**{f"{via}case__in": seats.case_ids(*PARTIES), f"{via}private_with__isnull": True})
    observers = Q(
        **{
            f"{via}case__in": seats.case_ids(OBSERVER),
            f"{via}private_with__isnull": True,
            f"{via}include_observers": True,
        }
    )
    # The participant must be of the thread's own case: a thread wired to another
    # case's participant opens nothing to it.
    private = Q(
        **{
            f"{via}private_with__in": seats.participant_ids(),
            f"{via}private_with__case": F(f"{via}case"),
        }
    )
    return seats.sees_all(f"{via}case__") | parties | observers | private


class ThreadQuerySet(models.QuerySet["Thread"]):
    def visible_to(self, user: Viewer) -> ThreadQuerySet:
        """The case's threads for its parties (observers: those opened to them); a
        private thread only for the coordinators and the participant it is with."""
        return self.filter(_threads(_seats(user), ""))


class PostQuerySet(models.QuerySet["Post"]):
    def visible_to(self, user: Viewer) -> PostQuerySet:
        return self.filter(_threads(_seats(user), "thread__"))


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible_to(self, user: Viewer) -> AttachmentQuerySet:
        """A report's files for whoever may read the report; a post's for whoever may
        read the post."""
        from accord.cvd.models import Post, Report

        seats = _seats(user)
        reports = Report.objects.filter(_reports(user, seats)).values("pk")
        posts = Post.objects.filter(_threads(seats, "thread__")).values("pk")
        return self.filter(Q(report__in=reports) | Q(post__in=posts))


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def visible_to(self, user: Viewer) -> CaseEventQuerySet:
        """The timeline: everything for the coordinators; the entries meant for the
        whole case for its parties; a private entry for the participant it concerns."""
        seats = _seats(user)
        parties = Q(audience="case", case__in=seats.case_ids(*PARTIES))
        private = Q(
            audience="private",
            private_with__in=seats.participant_ids(),
            private_with__case=F("case"),
        )
        return self.filter(seats.sees_all("case__") | parties | private)

    def told_to(self, participant: Participant) -> CaseEventQuerySet:
        """The entries of its case that one participant's audience reads, as
        `visible_to` gives them to its people: what a message to it may tell of."""
        if participant.role in (COORDINATOR, OTHER_COORDINATOR):
            return self.filter(case=participant.case_id)
        audiences = Q(audience="private", private_with=participant.pk)
        if participant.role in PARTIES:
            audiences |= Q(audience="case")
        return self.filter(audiences, case=participant.case_id)


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def visible_to(self, user: Viewer) -> DeliveryQuerySet:
        """Where each message went: for the coordinators, and a participant's own."""
        seats = _seats(user)
        own = Q(participant__in=seats.participant_ids())
        return self.filter(seats.sees_all("participant__case__") | own)


class DisclosureMeasureQuerySet(models.QuerySet["DisclosureMeasure"]):
    def visible_to(self, user: Viewer) -> DisclosureMeasureQuerySet:
        """How a vendor fared in a case: for the case's coordinators, and for the vendor
        itself. Other vendors see only the coalition's medians, published through the
        evidence the measures feed."""
        seats = _seats(user)
        own = Q(participant__in=seats.participant_ids(), participant__case=F("case"))
        return self.filter(seats.sees_all("case__") | own)


class ParticipantInvitationQuerySet(models.QuerySet["ParticipantInvitation"]):
    def visible_to(self, user: Viewer) -> ParticipantInvitationQuerySet:
        return self.filter(_seats(user).leads("participant__case__"))


def _coordinated_organisations(organisations: QuerySet[Any] | list[int]) -> QuerySet[Any]:
    """Of `organisations`, those the secretariat made coordinators."""
    from accord.cvd.models import Coordinator

    return Coordinator.objects.filter(organisation__in=organisations).values("organisation_id")


def _triaged_by(user: Viewer, organisations: QuerySet[Any] | list[int]) -> Q:
    """Reports in the queues the user triages: the instance's own for the secretariat,
    a coordinator organisation's for its members (`organisations`: those they act for)."""
    if not active(user):
        return Q(pk__in=[])
    queue = Q(coordinator__in=_coordinated_organisations(organisations))
    if is_secretariat(user):
        queue |= Q(coordinator__isnull=True)
    return queue


def _reports(user: Viewer, seats: _Seats) -> Q:
    own = Q(reporter=user) if active(user) else Q(pk__in=[])
    led = Q(pk__in=_cases().filter(seats.leads("")).values("report_id"))
    return own | _triaged_by(user, seats.organisations) | led


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: Viewer) -> ReportQuerySet:
        """A report for its reporter, its queue's coordinators, and the lead of a case
        opened from it. Vendors never read the report itself."""
        return self.filter(_reports(user, _seats(user)))

    def triaged_by(self, user: Viewer) -> ReportQuerySet:
        return self.filter(_triaged_by(user, _organisations(user)))


class VendorProductQuerySet(models.QuerySet["VendorProduct"]):
    def visible_to(self, user: Viewer) -> VendorProductQuerySet:
        """An organisation's declared products: for its members and the secretariat
        (a removed organisation's for nobody)."""
        if is_secretariat(user):
            return self.filter(not_removed("organisation__"))
        return self.filter(organisation__in=accounts.organisations_joined_by(user).values("pk"))

    def suggestible_in(self, case: Case, user: Viewer) -> VendorProductQuerySet:
        """Every organisation's declared products, to match against `case`'s affected
        products: for the case's lead alone, who is shown only the matches."""
        return self if led_cases(user).filter(pk=case.pk).exists() else self.none()


def coordinates(user: Viewer) -> bool:
    """Whether the user may triage reports and open cases as coordinator."""
    if not active(user):
        return False
    return is_secretariat(user) or _coordinated_organisations(_organisations(user)).exists()


def _may_open_case(user: Viewer) -> bool:
    """The coordinators, and any member of an organisation in good standing (a vendor
    opening a case on its own product)."""
    return coordinates(user) or accounts.organisations_joined_by(user).exists()


def _organisations_administered(organisations: OrganisationQuerySet, user: Viewer) -> Any:
    return organisations.joined_by(user, role=Role.ORG_ADMIN)


def _organisations_coordinating(organisations: OrganisationQuerySet, user: Viewer) -> Any:
    """The organisations the user may open a case for: those of theirs that coordinate
    (or, for a vendor's own case, any they act for)."""
    return organisations.joined_by(user)


ORGANISATION = "accounts.Organisation"

declare(Permission.CVD_REPORT_SUBMIT, owner=__name__, public=True, allows=lambda user: True)
declare(
    Permission.CVD_REPORT_VIEW, owner=__name__, scopes={"cvd.Report": ReportQuerySet.visible_to}
)
declare(
    Permission.CVD_REPORT_TRIAGE,
    owner=__name__,
    allows=coordinates,
    scopes={"cvd.Report": ReportQuerySet.triaged_by},
)
declare(
    Permission.CVD_CASE_OPEN,
    owner=__name__,
    allows=_may_open_case,
    scopes={ORGANISATION: _organisations_coordinating},
)
declare(
    Permission.CVD_CASE_VIEW,
    owner=__name__,
    scopes={
        "cvd.Case": CaseQuerySet.visible_to,
        "cvd.Participant": ParticipantQuerySet.visible_to,
        "cvd.Vulnerability": VulnerabilityQuerySet.visible_to,
        "cvd.AffectedProduct": AffectedProductQuerySet.visible_to,
        "cvd.EmbargoProposal": EmbargoProposalQuerySet.visible_to,
    },
)
declare(
    Permission.CVD_ADVISORY_VIEW,
    owner=__name__,
    public=True,
    scopes={
        "cvd.Advisory": AdvisoryQuerySet.visible_to,
        "cvd.AdvisoryRevision": AdvisoryRevisionQuerySet.visible_to,
    },
)
declare(
    Permission.CVD_CASE_COORDINATE,
    owner=__name__,
    scopes={
        "cvd.Case": CaseQuerySet.led_by,
        "cvd.ParticipantInvitation": ParticipantInvitationQuerySet.visible_to,
    },
)
declare(
    Permission.CVD_REPORTER_VIEW,
    owner=__name__,
    scopes={"cvd.Case": CaseQuerySet.reporter_visible_to},
)
declare(
    Permission.CVD_PARTICIPANT_ACT,
    owner=__name__,
    scopes={"cvd.Participant": ParticipantQuerySet.acted_for_by},
)
declare(
    Permission.CVD_STATEMENT_VIEW,
    owner=__name__,
    scopes={"cvd.Statement": StatementQuerySet.visible_to},
)
declare(
    Permission.CVD_POST_VIEW,
    owner=__name__,
    scopes={"cvd.Thread": ThreadQuerySet.visible_to, "cvd.Post": PostQuerySet.visible_to},
)
declare(
    Permission.CVD_ATTACHMENT_VIEW,
    owner=__name__,
    scopes={"cvd.Attachment": AttachmentQuerySet.visible_to},
)
declare(
    Permission.CVD_TIMELINE_VIEW,
    owner=__name__,
    scopes={"cvd.CaseEvent": CaseEventQuerySet.visible_to},
)
declare(
    Permission.CVD_DELIVERY_VIEW,
    owner=__name__,
    scopes={"cvd.Delivery": DeliveryQuerySet.visible_to},
)
declare(
    Permission.CVD_MEASURE_VIEW,
    owner=__name__,
    scopes={"cvd.DisclosureMeasure": DisclosureMeasureQuerySet.visible_to},
)
declare(
    Permission.CVD_PRODUCT_DECLARE,
    owner=__name__,
    scopes={ORGANISATION: _organisations_administered},
)


def _organisations_with_visible_products(organisations: OrganisationQuerySet, user: Viewer) -> Any:
    """The organisations whose declared products the user reads (as `VendorProduct`
    `visible_to`): their own, and every one for the secretariat."""
    return organisations if is_secretariat(user) else organisations.joined_by(user)


declare(
    Permission.CVD_PRODUCT_VIEW,
    owner=__name__,
    scopes={
        "cvd.VendorProduct": VendorProductQuerySet.visible_to,
        ORGANISATION: _organisations_with_visible_products,
    },
)
declare(
    Permission.CVD_CONTACT_MANAGE,
    owner=__name__,
    scopes={ORGANISATION: _organisations_administered},
)
declare(Permission.CVD_COORDINATOR_GRANT, owner=__name__, allows=is_secretariat)
