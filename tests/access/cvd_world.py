"""The disclosure part of the randomised authorisation test: a CVD world and its `SPEC`.

`build` adds to the world coordinator organisations (one suspended, one removed),
reports in every state to the instance's queue and to coordinator organisations (and to
one the secretariat never made coordinator), by reporters with an account and without,
identity disclosed or not; cases led by the secretariat, by coordinator organisations
and by a vendor for its own product, each with participants in every role (an
organisation or a person; a reporter with an account or only an address; invited
vendors), some of them removed, drawn from organisations in every standing; and under
each case its vulnerabilities, affected products, statements, threads (the case's own,
one opened to observers, private ones), posts, attachments, timeline entries of every
audience, deliveries, embargo proposals, invitations and its published advisory (TLP:CLEAR
or not); and the products every organisation declares.

`SPEC` is written from issue 10 ("a case, and everything under it, is visible only to
its participants and coordinators, each as their role allows"; "vendors never see a
reporter who chose to stay anonymous"; "observers see what the coordinator shares with
them"; "each participant accepts or rejects [an embargo proposal]") and from the design
statement at the top of `accord.cvd.rules`, never from the querysets' code.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone

from accord.access import Permission
from accord.accounts.models import Organisation, User
from accord.cvd.models import (
    Advisory,
    AdvisoryRevision,
    AffectedProduct,
    Attachment,
    Case,
    CaseEvent,
    Coordinator,
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
from tests.access.facts import Facts, Viewer

COORDINATOR, VENDOR, REPORTER, OTHER_COORDINATOR, OBSERVER = (
    "coordinator", "vendor", "reporter", "other_coordinator", "observer",
)  # fmt: skip
# The parties to a case: everyone in it but its observers.
PARTIES = frozenset({COORDINATOR, VENDOR, REPORTER, OTHER_COORDINATOR})
ACTIVE = "active"


# What the specification knows -------------------------------------------------------


@dataclass
class Party:
    """A participant: its role, whom it stands for, and whether it was removed."""

    role: str
    organisation: int | None = None
    standing: str = ACTIVE  # its organisation's
    user: int | None = None
    removed: bool = False


@dataclass
class CaseFacts:
    """A case: who leads it (an organisation, or the secretariat when None), who takes
    part, and whether its reporter let the vendors know who they are."""

    lead: int | None
    lead_standing: str
    parties: list[Party] = field(default_factory=list)
    disclosed: bool = False


@dataclass
class ReportFacts:
    """A report: its reporter's account, the queue it was sent to (the instance's when
    None; an organisation's counts only while the secretariat lets it coordinate), and
    the cases opened from it."""

    reporter: int | None
    queue: int | None
    queue_standing: str = ACTIVE
    queue_granted: bool = False
    cases: list[CaseFacts] = field(default_factory=list)


@dataclass
class Cvd:
    """What the disclosure rules read about one object."""

    case: CaseFacts | None = None
    party: Party | None = None  # the participant it is, is of, or is private with
    report: ReportFacts | None = None
    observers: bool = False  # a case thread the coordinator opened to observers
    audience: str = ""  # of a timeline entry
    tlp: str = ""  # of an advisory


@dataclass
class Instance:
    """For permissions asked without an object: every organisation's standing, and
    which ones the secretariat made coordinators."""

    standings: dict[int, str]
    coordinators: set[int]


def _cvd(f: Facts) -> Cvd:
    assert isinstance(f.cvd, Cvd), f
    return f.cvd


def _case(f: Facts) -> CaseFacts:
    case = _cvd(f).case
    assert case is not None, f
    return case


def _party(f: Facts) -> Party:
    party = _cvd(f).party
    assert party is not None, f
    return party


# Who someone is in a case -------------------------------------------------------------


def acts_for(v: Viewer, organisation: int | None, standing: str) -> bool:
    """A member of the organisation, while it is in good standing."""
    return v.role(organisation) is not None and standing == ACTIVE


def holds(v: Viewer, p: Party) -> bool:
    """`v` is participant `p`: in person, or as a member of its organisation while that
    is in good standing. A removed participant is nobody's any more."""
    if not v.active or p.removed:
        return False
    if p.user is not None and p.user == v.user.pk:
        return True
    return p.organisation is not None and acts_for(v, p.organisation, p.standing)


def roles(v: Viewer, c: CaseFacts) -> set[str]:
    return {p.role for p in c.parties if holds(v, p)}


def leads(v: Viewer, c: CaseFacts) -> bool:
    """The lead: the case's coordinating organisation's members (the secretariat when it
    has none), and whoever is a coordinator participant."""
    if not v.active:
        return False
    if c.lead is None and v.secretariat:
        return True
    return acts_for(v, c.lead, c.lead_standing) or COORDINATOR in roles(v, c)


def sees_all(v: Viewer, c: CaseFacts) -> bool:
    """The lead and the other coordinators see everything in the case."""
    return leads(v, c) or OTHER_COORDINATOR in roles(v, c)


def is_party(v: Viewer, c: CaseFacts) -> bool:
    return leads(v, c) or bool(roles(v, c) & PARTIES)


def in_case(v: Viewer, c: CaseFacts) -> bool:
    return leads(v, c) or bool(roles(v, c))


def own_or_all(v: Viewer, f: Facts) -> bool:
    """A participant's own things (statements, deliveries): for it and the
    coordinators."""
    return sees_all(v, _case(f)) or holds(v, _party(f))


# The rows -----------------------------------------------------------------------------


def sees_case(v: Viewer, f: Facts) -> bool:
    return in_case(v, _case(f))


def sees_participant(v: Viewer, f: Facts) -> bool:
    """Vendors and reporters see who takes part, but never a reporter who stayed
    anonymous; observers see only the coordinators and themselves. A removed
    participant is listed for nobody: its past stays on the timeline."""
    c, p = _case(f), _party(f)
    if p.removed:
        return False
    if sees_all(v, c) or holds(v, p):
        return True
    if p.role == REPORTER and not c.disclosed:
        return False
    if roles(v, c) & PARTIES:
        return True
    return OBSERVER in roles(v, c) and p.role == COORDINATOR


def knows_reporter(v: Viewer, f: Facts) -> bool:
    """The coordinators, the reporter, and the case's parties if the reporter chose so;
    never the observers."""
    c = _case(f)
    if sees_all(v, c) or REPORTER in roles(v, c):
        return True
    return c.disclosed and is_party(v, c)


def acts_as(v: Viewer, f: Facts) -> bool:
    """A participant acts for itself; the lead acts for every participant."""
    p = _party(f)
    return not p.removed and (holds(v, p) or leads(v, _case(f)))


def reads_thread(v: Viewer, f: Facts) -> bool:
    """The case's threads: its parties, and the observers if opened to them; a private
    thread: the coordinators and the participant it is with."""
    c, facts = _case(f), _cvd(f)
    if sees_all(v, c):
        return True
    if facts.party is not None:
        return holds(v, facts.party)
    mine = roles(v, c)
    return bool(mine & PARTIES) or (OBSERVER in mine and facts.observers)


def reads_event(v: Viewer, f: Facts) -> bool:
    """The timeline: the coordinators read it all, the parties the entries meant for the
    whole case, a participant the private entries about it. Observers read none."""
    c, facts = _case(f), _cvd(f)
    if sees_all(v, c):
        return True
    if facts.audience == "case":
        return bool(roles(v, c) & PARTIES)
    if facts.audience == "private":
        return facts.party is not None and holds(v, facts.party)
    return False


def triages(v: Viewer, r: ReportFacts) -> bool:
    """The queue's coordinators: the secretariat for the instance's own, the members of
    a coordinator organisation in good standing for its."""
    if not v.active:
        return False
    if r.queue is None:
        return v.secretariat
    return r.queue_granted and acts_for(v, r.queue, r.queue_standing)


def reads_report(v: Viewer, r: ReportFacts) -> bool:
    """Its reporter, its queue's coordinators and the lead of a case opened from it.
    Vendors never read the report itself."""
    own = v.active and r.reporter is not None and r.reporter == v.user.pk
    return own or triages(v, r) or any(leads(v, c) for c in r.cases)


def sees_report(v: Viewer, f: Facts) -> bool:
    report = _cvd(f).report
    assert report is not None
    return reads_report(v, report)


def triages_report(v: Viewer, f: Facts) -> bool:
    report = _cvd(f).report
    assert report is not None
    return triages(v, report)


def reads_attachment(v: Viewer, f: Facts) -> bool:
    """A report's files go with the report, a post's with the post."""
    report = _cvd(f).report
    return reads_report(v, report) if report is not None else reads_thread(v, f)


def coordinates(v: Viewer, f: Facts) -> bool:
    """The secretariat, and the members of a coordinator organisation in good standing."""
    instance = f.cvd
    assert isinstance(instance, Instance)
    return v.active and (
        v.secretariat or any(acts_for(v, o, instance.standings[o]) for o in instance.coordinators)
    )


def may_open_case(v: Viewer, f: Facts) -> bool:
    """Coordinators open cases, and a vendor does for a flaw in its own product: any
    member of an organisation in good standing."""
    instance = f.cvd
    assert isinstance(instance, Instance)
    return v.active and (
        v.secretariat or any(acts_for(v, o, s) for o, s in instance.standings.items())
    )


def runs_own(v: Viewer, f: Facts) -> bool:
    """An organisation's own declarations (products, security contact) are made by its
    admins while it is in good standing; not by the secretariat."""
    return v.role(f.organisation) == "org_admin" and f.standing == ACTIVE


def acts_for_organisation(v: Viewer, f: Facts) -> bool:
    return acts_for(v, f.organisation, f.standing)


def reads_advisory(v: Viewer, f: Facts) -> bool:
    """A published advisory: a TLP:CLEAR one for anyone, signed in or not (issue 11:
    "CLEAR ones by anyone"); any other only for those in its case, in any role."""
    return _cvd(f).tlp == "clear" or in_case(v, _case(f))


def sees_products(v: Viewer, f: Facts) -> bool:
    """An organisation's declared products: its members (acting for it) and the
    secretariat, which finds the vendors of a case among them."""
    return (v.active and v.secretariat) or acts_for(v, f.organisation, f.standing)


SPEC: dict[tuple[Permission, str], Callable[[Viewer, Facts], bool]] = {
    # Anyone may report, with or without an account.
    (Permission.CVD_REPORT_SUBMIT, "none"): lambda v, f: True,
    (Permission.CVD_REPORT_VIEW, "cvd_report"): sees_report,
    (Permission.CVD_REPORT_TRIAGE, "none"): coordinates,
    (Permission.CVD_REPORT_TRIAGE, "cvd_report"): triages_report,
    (Permission.CVD_CASE_OPEN, "none"): may_open_case,
    (Permission.CVD_CASE_OPEN, "organisation"): acts_for_organisation,
    (Permission.CVD_CASE_VIEW, "case"): sees_case,
    (Permission.CVD_CASE_VIEW, "participant"): sees_participant,
    (Permission.CVD_CASE_VIEW, "vulnerability"): sees_case,
    (Permission.CVD_CASE_VIEW, "affected_product"): sees_case,
    # Every participant, observers too, answers an embargo proposal (issue 10, 6).
    (Permission.CVD_CASE_VIEW, "embargo_proposal"): sees_case,
    (Permission.CVD_CASE_COORDINATE, "case"): lambda v, f: leads(v, _case(f)),
    (Permission.CVD_CASE_COORDINATE, "participant_invitation"): lambda v, f: leads(v, _case(f)),
    (Permission.CVD_REPORTER_VIEW, "case"): knows_reporter,
    (Permission.CVD_PARTICIPANT_ACT, "participant"): acts_as,
    # Vendors never see one another's statements.
    (Permission.CVD_STATEMENT_VIEW, "statement"): own_or_all,
    (Permission.CVD_POST_VIEW, "thread"): reads_thread,
    (Permission.CVD_POST_VIEW, "post"): reads_thread,
    (Permission.CVD_ATTACHMENT_VIEW, "attachment"): reads_attachment,
    (Permission.CVD_TIMELINE_VIEW, "case_event"): reads_event,
    (Permission.CVD_DELIVERY_VIEW, "delivery"): own_or_all,
    # Vendors never see one another's measures, only the coalition's medians.
    (Permission.CVD_MEASURE_VIEW, "disclosure_measure"): own_or_all,
    (Permission.CVD_ADVISORY_VIEW, "advisory"): reads_advisory,
    # A version: `tlp` is "clear" only if it was published at TLP:CLEAR and the
    # advisory is TLP:CLEAR now.
    (Permission.CVD_ADVISORY_VIEW, "advisory_revision"): reads_advisory,
    (Permission.CVD_PRODUCT_DECLARE, "organisation"): runs_own,
    (Permission.CVD_PRODUCT_VIEW, "vendor_product"): sees_products,
    # The products page of an organisation: as its declared products (a removed
    # organisation is nobody's to see).
    (Permission.CVD_PRODUCT_VIEW, "organisation"): lambda v, f: (
        f.standing != "removed" and sees_products(v, f)
    ),
    (Permission.CVD_CONTACT_MANAGE, "organisation"): runs_own,
    (Permission.CVD_COORDINATOR_GRANT, "none"): lambda v, f: v.active and v.secretariat,
}

MODELS: dict[str, type[Model]] = {
    "cvd_report": Report,
    "case": Case,
    "participant": Participant,
    "vulnerability": Vulnerability,
    "affected_product": AffectedProduct,
    "embargo_proposal": EmbargoProposal,
    "statement": Statement,
    "thread": Thread,
    "post": Post,
    "attachment": Attachment,
    "case_event": CaseEvent,
    "delivery": Delivery,
    "disclosure_measure": DisclosureMeasure,
    "participant_invitation": ParticipantInvitation,
    "vendor_product": VendorProduct,
    "advisory": Advisory,
    "advisory_revision": AdvisoryRevision,
}

# The permission each model's `visible_to` manager method answers, for list pages.
LISTS: dict[str, Permission] = {
    "cvd_report": Permission.CVD_REPORT_VIEW,
    "case": Permission.CVD_CASE_VIEW,
    "participant": Permission.CVD_CASE_VIEW,
    "vulnerability": Permission.CVD_CASE_VIEW,
    "affected_product": Permission.CVD_CASE_VIEW,
    "embargo_proposal": Permission.CVD_CASE_VIEW,
    "statement": Permission.CVD_STATEMENT_VIEW,
    "thread": Permission.CVD_POST_VIEW,
    "post": Permission.CVD_POST_VIEW,
    "attachment": Permission.CVD_ATTACHMENT_VIEW,
    "case_event": Permission.CVD_TIMELINE_VIEW,
    "delivery": Permission.CVD_DELIVERY_VIEW,
    "disclosure_measure": Permission.CVD_MEASURE_VIEW,
    "participant_invitation": Permission.CVD_CASE_COORDINATE,
    "vendor_product": Permission.CVD_PRODUCT_VIEW,
    "advisory": Permission.CVD_ADVISORY_VIEW,
    "advisory_revision": Permission.CVD_ADVISORY_VIEW,
}


# The world ----------------------------------------------------------------------------


@dataclass
class CvdWorld:
    viewers: list[Viewer]
    objects: list[Facts]
    instance: Instance


class _Builder:
    """Creates the objects straight with the ORM (the services are being written) and
    records each one's facts."""

    def __init__(self, rng: random.Random, organisations: list[Organisation]) -> None:
        self.rng = rng
        self.organisations = organisations
        self.standing = {o.pk: o.standing for o in organisations}
        self.objects: list[Facts] = []
        self.count = 0

    def next(self) -> int:
        self.count += 1
        return self.count

    def add(self, kind: str, obj: Model, **cvd: Any) -> Facts:
        facts = Facts(kind, obj, cvd=Cvd(**cvd))
        self.objects.append(facts)
        return facts


def _cvd_people(rng: random.Random) -> list[Viewer]:
    """People outside every organisation: reporters (one whose account was closed), the
    contact of an invited vendor, and a person added to cases as co-coordinator."""
    viewers = []
    for name, active in [
        ("reporter", True),
        ("reporter-inactive", False),
        ("invited-contact", True),
        ("guest-coordinator", True),
    ]:
        user = User.objects.create_user(email=f"cvd-{name}@example.org", is_active=active)
        viewers.append(Viewer(f"cvd-{name}", user, active=active))
    return viewers


def build(rng: random.Random, organisations: list[Organisation], viewers: list[Viewer]) -> CvdWorld:
    """`organisations`: five in good standing, then one suspended and one removed."""
    b = _Builder(rng, organisations)
    people = _cvd_people(rng)
    active_ones = [o for o in organisations if o.standing == ACTIVE]
    suspended, removed = organisations[-2], organisations[-1]
    coordinators = [active_ones[0], rng.choice(active_ones[1:3]), suspended, removed]
    for organisation in coordinators:
        Coordinator.objects.create(organisation=organisation)
    granted = {o.pk for o in coordinators}
    reporters = [people[0].user, people[1].user, rng.choice(viewers[2:]).user, None]
    # Each queue: the instance's, each coordinator's, and one never made coordinator.
    queues: list[Organisation | None] = [None, *coordinators, active_ones[-1]]
    reports = {
        q.pk if q else None: list(_reports(b, n, q, granted, reporters))
        for n, q in enumerate(queues)
    }
    secretariat = [v.user for v in viewers if v.secretariat]
    everyone = [v for v in viewers + people if isinstance(v.user, User)]
    leads: list[tuple[Organisation | None, bool]] = [
        (None, True),  # the secretariat, from a report
        (coordinators[0], True),
        (suspended, True),
        (rng.choice(active_ones[3:]), False),  # a vendor's own case (never a coordinator)
    ]
    for lead, from_report in leads:
        report = _coordinated(reports[lead.pk if lead else None]) if from_report else None
        _open_case(b, lead, report, secretariat, everyone, people)
    for n, organisation in enumerate(organisations):
        by_purl = n % 2 == 0
        product = VendorProduct.objects.create(
            organisation=organisation,
            purl_type="npm" if by_purl else "",
            purl_namespace=organisation.slug if by_purl else "",
            cpe_vendor="" if by_purl else organisation.slug,
        )
        b.objects.append(
            Facts("vendor_product", product, organisation.pk, standing=organisation.standing)
        )
    return CvdWorld(people, b.objects, Instance(b.standing, granted))


def _reports(
    b: _Builder,
    n: int,
    queue: Organisation | None,
    granted: set[int],
    reporters: list[User | None],
) -> Iterator[tuple[Report, ReportFacts]]:
    """A report made a case, and one in another state (the states in turn)."""
    others = [s for s in Report.State.values if s != Report.State.COORDINATED]
    for state in (Report.State.COORDINATED, others[n % len(others)]):
        number = b.next()
        reporter = reporters[number % len(reporters)]
        report = Report.objects.create(
            reference=f"R-2026-{number:04d}",
            title=f"Report {number}",
            description="A flaw.",
            coordinator=queue,
            reporter=reporter,
            reporter_name=f"Reporter {number}",
            reporter_email="" if reporter else f"anon-{number}@example.org",
            identity_disclosed=b.rng.random() < 0.5,
            state=state,
        )
        facts = ReportFacts(
            reporter.pk if reporter else None,
            queue.pk if queue else None,
            queue.standing if queue else ACTIVE,
            queue is not None and queue.pk in granted,
        )
        b.add("cvd_report", report, report=facts)
        if number % 2:
            attachment = _attachment(report=report)
            b.add("attachment", attachment, report=facts)
        yield report, facts


def _coordinated(reports: list[tuple[Report, ReportFacts]]) -> tuple[Report, ReportFacts]:
    return next((r, f) for r, f in reports if r.state == Report.State.COORDINATED)


def _attachment(**on: Any) -> Attachment:
    return Attachment.objects.create(
        filename="poc.txt", content_type="text/plain", size=1, sha256="0" * 64, content=b"x", **on
    )


def _open_case(
    b: _Builder,
    lead: Organisation | None,
    report: tuple[Report, ReportFacts] | None,
    secretariat: list[User],
    everyone: list[Viewer],
    people: list[Viewer],
) -> None:
    number = b.next()
    case = Case.objects.create(
        reference=f"ACC-2026-{number:04d}",
        year=2026,
        number=number,
        title=f"Case {number}",
        coordinator=lead,
        report=report[0] if report else None,
    )
    facts = CaseFacts(
        lead.pk if lead else None,
        lead.standing if lead else ACTIVE,
        disclosed=bool(report and report[0].identity_disclosed),
    )
    if report:
        report[1].cases.append(facts)
    b.add("case", case, case=facts)
    participants = list(_participants(b, case, facts, lead, report, secretariat, everyone, people))
    _case_content(b, case, facts, participants)


def _participant(
    b: _Builder,
    case: Case,
    facts: CaseFacts,
    role: str,
    *,
    organisation: Organisation | None = None,
    user: User | None = None,
    email: str = "",
    removed: bool = False,
) -> tuple[Participant, Party]:
    participant = Participant.objects.create(
        case=case,
        role=role,
        organisation=organisation,
        user=user,
        email=email,
        name=organisation.name if organisation else (email or "A person"),
        removed_at=timezone.now() if removed else None,
    )
    party = Party(
        role,
        organisation.pk if organisation else None,
        organisation.standing if organisation else ACTIVE,
        user.pk if user else None,
        removed,
    )
    facts.parties.append(party)
    b.add("participant", participant, case=facts, party=party)
    return participant, party


def _participants(
    b: _Builder,
    case: Case,
    facts: CaseFacts,
    lead: Organisation | None,
    report: tuple[Report, ReportFacts] | None,
    secretariat: list[User],
    everyone: list[Viewer],
    people: list[Viewer],
) -> Iterator[tuple[Participant, Party]]:
    rng, add = b.rng, lambda role, **kw: _participant(b, case, facts, role, **kw)
    if lead is None:
        yield add(COORDINATOR, user=rng.choice(secretariat))
    else:
        yield add(COORDINATOR, organisation=lead)
        if not Coordinator.objects.filter(organisation=lead).exists():
            yield add(VENDOR, organisation=lead)  # a vendor's own case
    others = [o for o in b.organisations if o != lead]
    vendors = rng.sample(others, 2)
    for n, vendor in enumerate(vendors):
        yield add(VENDOR, organisation=vendor, removed=n == 0 and rng.random() < 0.7)
    # An invited vendor outside the coalition, in turn still only an address, or one
    # whose contact followed the invitation and has an account tied to it.
    if case.pk % 2:
        yield add(VENDOR, email=f"psirt-{case.pk}@outside.example")
    else:
        yield add(VENDOR, user=people[2].user, email="contact@outside.example")
    if report is not None:
        reporter = report[0].reporter
        yield add(REPORTER, user=reporter, email="" if reporter else report[0].reporter_email)
    else:
        yield add(REPORTER, user=people[0].user)  # anonymous: no report says otherwise
    yield add(OTHER_COORDINATOR, organisation=rng.choice(others))
    # An observer, in turn a person or an organisation; sometimes removed.
    gone = rng.random() < 0.3
    if case.pk % 2:
        yield add(OBSERVER, user=rng.choice(everyone).user, removed=gone)
    else:
        yield add(OBSERVER, organisation=rng.choice(others), removed=gone)
    if rng.random() < 0.5:
        yield add(COORDINATOR, user=people[3].user)  # a person helping to lead
    else:
        yield add(rng.choice(sorted(PARTIES)), user=rng.choice(everyone).user)


def _case_content(
    b: _Builder, case: Case, facts: CaseFacts, participants: list[tuple[Participant, Party]]
) -> None:
    rng = b.rng
    vendors = [(p, party) for p, party in participants if party.role == VENDOR]
    others = [(p, party) for p, party in participants if party.role != COORDINATOR]
    vulnerabilities = []
    for number in (1, 2):
        vulnerability = Vulnerability.objects.create(case=case, number=number, title=f"V{number}")
        b.add("vulnerability", vulnerability, case=facts)
        product = AffectedProduct.objects.create(
            vulnerability=vulnerability,
            purl="pkg:npm/acme/router" if number == 1 else "",
            cpe="" if number == 1 else "cpe:2.3:a:acme:router:*:*:*:*:*:*:*:*",
        )
        b.add("affected_product", product, case=facts)
        vulnerabilities.append((vulnerability, product))
    for n, (participant, party) in enumerate(vendors):
        vulnerability, product = vulnerabilities[n % 2]
        statement = Statement.objects.create(
            participant=participant,
            vulnerability=vulnerability,
            product=product if n % 2 else None,  # on one product, or on the whole flaw
            status=rng.choice(["affected", "fixed", "unknown", "under_investigation"]),
        )
        b.add("statement", statement, case=facts, party=party)
        delivery = Delivery.objects.create(
            participant=participant, address="psirt@example.org", source="registered", through=0
        )
        b.add("delivery", delivery, case=facts, party=party)
        measure = DisclosureMeasure.objects.create(
            participant=participant, case=case, organisation=participant.organisation
        )
        b.add("disclosure_measure", measure, case=facts, party=party)
        if party.organisation is None:
            _invitation(b, participant, facts, accepted=party.user is not None)
    _discussion(b, case, facts, rng.sample(others, 2))
    _timeline(b, case, facts, rng.choice(others))
    proposal = EmbargoProposal.objects.create(
        case=case,
        ends_at=timezone.now() + timedelta(days=30),
        state=rng.choice(EmbargoProposal.State.values),
    )
    b.add("embargo_proposal", proposal, case=facts)
    _advisory(b, case, facts)


def _advisory(b: _Builder, case: Case, facts: CaseFacts) -> None:
    """Its published advisory, in turn TLP:CLEAR and of another level."""
    tlp = "clear" if case.pk % 2 else b.rng.choice(["green", "amber", "amber+strict", "red"])
    now = timezone.now()
    advisory = Advisory.objects.create(
        case=case,
        tracking_id=case.reference,
        title=case.title,
        tlp=tlp,
        initial_release_at=now,
        current_release_at=now,
        documents={"csaf": {}},
    )
    b.add("advisory", advisory, case=facts, tlp=tlp)
    for number in (1, 2):  # each version at its own level, CLEAR or not
        level = b.rng.choice(["clear", "clear", "amber", "red"])
        revision = AdvisoryRevision.objects.create(
            advisory=advisory, number=number, summary="", published_at=now, tlp=level
        )
        public = "clear" if level == tlp == "clear" else "amber"
        b.add("advisory_revision", revision, case=facts, tlp=public)


def _invitation(b: _Builder, participant: Participant, facts: CaseFacts, accepted: bool) -> None:
    invitation = ParticipantInvitation.objects.create(
        participant=participant,
        email=participant.email,
        key=f"pi-{b.next()}",
        digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
        accepted_at=timezone.now() if accepted else None,
    )
    b.add("participant_invitation", invitation, case=facts)


def _discussion(
    b: _Builder, case: Case, facts: CaseFacts, private: list[tuple[Participant, Party]]
) -> None:
    """The case's thread, one opened to observers, and private ones with a few
    participants (removed ones among them, sometimes); a post in each, some with a
    file."""
    threads: list[tuple[Thread, Party | None, bool]] = [
        (Thread.objects.create(case=case, title="Case"), None, False),
        (Thread.objects.create(case=case, title="All", include_observers=True), None, True),
    ]
    for participant, party in private:
        thread = Thread.objects.create(case=case, title="Private", private_with=participant)
        threads.append((thread, party, False))
    for n, (thread, party, observers) in enumerate(threads):
        b.add("thread", thread, case=facts, party=party, observers=observers)
        post = Post.objects.create(thread=thread, body="Hello")
        b.add("post", post, case=facts, party=party, observers=observers)
        if n % 2 == 0:
            attachment = _attachment(post=post)
            b.add("attachment", attachment, case=facts, party=party, observers=observers)


def _timeline(
    b: _Builder, case: Case, facts: CaseFacts, concerned: tuple[Participant, Party]
) -> None:
    participant, party = concerned
    for audience in CaseEvent.Audience.values:
        private = audience == CaseEvent.Audience.PRIVATE
        event = CaseEvent.objects.create(
            case=case,
            audit_seq=b.next(),
            tag="cvd:case:test",
            summary=audience,
            audience=audience,
            private_with=participant if private else None,
        )
        b.add("case_event", event, case=facts, party=party if private else None, audience=audience)
