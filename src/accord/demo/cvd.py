"""`accord demo`'s disclosure world: a coordinator, vendors with declared products, two
reports and one case with everything a case holds, all fictional.

Kestrel Security (demo) is made a coordinator. Four demo organisations declare the
products they make, and register where their security mail goes (Granite Software with
an OpenPGP key, so its mail is encrypted; Ember Robotics with none at all, so its
delivery shows that no contact is known). Two reports come in: one anonymous to the
instance's own queue, left for the secretariat to triage, and one from a researcher with
an account to Kestrel, which triages it with SSVC and opens a case from it. The case has
four vendors, two vulnerabilities, statements (one dispute, one silent vendor), an open
embargo proposal with some answers, a thread of Markdown posts and a private thread; its
vendors are then notified, and the outbox keeps the mail.

Everything is written through `accord.cvd.services`, so the audit log and the case's
timeline are the real ones. Running it again changes nothing: the case, once there, is
the sign that the world is in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pysequoia
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.cvd.models import Case, CaseEvent, Coordinator, Participant, Statement
from accord.cvd.services import (
    cases,
    contacts,
    coordinators,
    delivery,
    discussion,
    embargo,
    products,
    publication,
    reports,
    statements,
    vulnerabilities,
)

COORDINATOR = "kestrel-security"
CASE_TITLE = "Remote code execution through the HubOS update service (demo)"
DISCLOSED_TITLE = "Stored cross-site scripting in the Aurora Cloud console (demo)"
REPORTER_EMAIL = "reporter@researcher.example"
LEAD_EMAIL = "admin@kestrel.example"
VENDOR_EMAIL = "admin@granite.example"
OBSERVER_EMAIL = "observer@gov.example"

# slug -> the products it declares (keyword arguments of declare_vendor_product).
DECLARED = {
    "iris-devices": [{"cpe_vendor": "iris_devices", "cpe_product": "hubos"}],
    "granite-software": [{"purl_type": "pypi", "purl_name": "granite-update"}],
    "ember-robotics": [{"purl_type": "npm", "purl_namespace": "@ember"}],
    "aurora-cloud": [{"cpe_vendor": "aurora_cloud"}],
    # Declares a matching product but is not in the case: the case suggests it.
    "fjord-telecom": [{"cpe_vendor": "fjord", "cpe_product": "homegate"}],
}
VENDORS = ("iris-devices", "granite-software", "ember-robotics", "aurora-cloud")

# SSVC Coordinator Triage: report public N, supplier contacted Y, report credibility
# credible, supplier cardinality multiple, supplier engagement active, utility super
# effective, public safety impact significant: Coordinate.
TRIAGE = {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}

THREAD_OPENING = """\
Welcome to **ACC-demo**, everyone. Here is the plan:

1. Each vendor checks the affected products listed under *Vulnerabilities* and states
   on the **Statements** tab: affected, not affected (with a justification), fixed (with
   the version) or under investigation.
2. Answer the embargo proposal on the **Embargo** tab. Dates are in UTC.
3. Keep technical detail in this thread; write to us privately if it is about your
   product alone.

The reporter's proof of concept is available on request. Please *do not* forward it.
"""

REPLY_GRANITE = """\
Thanks. `granite-update` **1.8.3** fixes V2: the archive paths are now normalised
before extraction. We have a regression test for `../` and absolute paths.
"""

REPLY_IRIS = """\
We reproduced V1 on HubOS 2.3. A fix is in testing; we expect to ship
[HubOS 2.4.1](https://iris-devices.example/hubos) within four weeks, which is why we
would like the embargo to hold until then.
"""

REPLY_REPORTER = "Happy to retest the fixes before publication. Thank you all."

PRIVATE_TO_EMBER = """\
You disputed V2 for `@ember/updater`. Could you tell us which versions you checked?
The reporter saw the same traversal in **3.1.0**.
"""

PRIVATE_FROM_EMBER = """\
We checked 3.1.0 and 3.1.2: our updater extracts with `strip: 1` and rejects `..`
segments, so we believe the report does not apply to us. Happy to look at the PoC.
"""


EnsureUser = Callable[[str], tuple[User, str | None]]


@dataclass(frozen=True)
class Outcome:
    """What the seeding did: the case (new or found), whether it was made now, and the
    demo accounts made for it (email, password)."""

    case: Case
    created: bool
    accounts: list[tuple[str, str]]


def seed_cvd(*, ensure_user: EnsureUser) -> Outcome:
    """Build the disclosure world once; `ensure_user(email)` gives a demo account and
    its new password (None if it existed), as `accord.demo` makes them."""
    existing = Case.objects.filter(title=CASE_TITLE, coordinator__slug=COORDINATOR).first()
    if existing is not None:
        return Outcome(existing, created=False, accounts=[])
    made: list[tuple[str, str]] = []
    with transaction.atomic():
        case = _build(ensure_user, made)
    notified = CaseEvent.objects.filter(case=case, tag="cvd:delivery:notify").latest("pk")
    # Deliver now, not only when the worker gets to the queued tasks: the outbox holds
    # the mail as soon as the demo is loaded. The queued tasks then find nothing to do.
    for participant in case.participants.filter(role=Participant.Role.VENDOR).order_by("pk"):
        delivery.send_notice(participant_id=participant.pk, through=notified.pk)
    return Outcome(case, created=True, accounts=made)


def _organisation(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def _admin(organisation: Organisation) -> User:
    domain = organisation.domains.order_by("pk").values_list("name", flat=True).first()
    return User.objects.get(email=f"admin@{domain}")


def _vendor_key() -> str:
    # A fresh key each time the world is built; its secret half is thrown away, as a
    # vendor's would never reach Accord.
    secret = pysequoia.Tsk.generate("Granite PSIRT (demo) <psirt@granite.example>")
    return str(secret.extract_certificate())


def _build(ensure_user: EnsureUser, made: list[tuple[str, str]]) -> Case:
    kestrel = _organisation(COORDINATOR)
    if not Coordinator.objects.filter(organisation=kestrel).exists():
        coordinators.grant_coordinator(actor=None, organisation=kestrel)
    lead = _admin(kestrel)
    orgs = {slug: _organisation(slug) for slug in DECLARED}
    admins = {slug: _admin(organisation) for slug, organisation in orgs.items()}
    for slug, declared in DECLARED.items():
        for product in declared:
            products.declare_vendor_product(actor=admins[slug], organisation=orgs[slug], **product)
    contacts.set_security_contact(
        actor=admins["granite-software"],
        organisation=orgs["granite-software"],
        email="psirt@granite.example",
        openpgp_key=_vendor_key(),
    )
    for slug, email in (
        ("iris-devices", "security@iris-devices.example"),
        ("aurora-cloud", "security@aurora-cloud.example"),
    ):
        contacts.set_security_contact(actor=admins[slug], organisation=orgs[slug], email=email)

    researcher, password = ensure_user(REPORTER_EMAIL)
    if password:
        made.append((researcher.email, password))
    reports.submit_report(
        actor=AnonymousUser(),
        title="Default credentials on the Juniper Water telemetry gateway (demo)",
        description=(
            "The gateway's maintenance page accepts admin/admin. I found it on a test "
            "unit bought second hand; I have not tried any installation in service."
        ),
        product="Telemetry gateway TG-200",
        identity_disclosed=False,
    )
    report = reports.submit_report(
        actor=researcher,
        title="Path traversal in HubOS's update service",
        description=(
            "HubOS fetches updates with the `granite-update` library, which extracts "
            "archive entries named `../` outside its directory. A crafted update, served "
            "to a hub on the same network, overwrites the init script: code runs as root "
            "at the next boot. Proof of concept and a packet capture on request."
        ),
        product="Iris HubOS 2.3, granite-update 1.8.2",
        coordinator=COORDINATOR,
        identity_disclosed=True,
    ).report
    report = reports.triage_report(actor=lead, report=report, inputs=TRIAGE)
    case = reports.open_case_from_report(
        actor=lead,
        report=report,
        title=CASE_TITLE,
        summary=(
            "A hub's update service can be made to write outside its directory, and the "
            "stack of its web interface can be overflowed: both give code execution."
        ),
        tlp="amber",
    )
    vendors = {
        slug: cases.add_participant(
            actor=lead, case=case, role=Participant.Role.VENDOR, organisation=orgs[slug]
        )
        for slug in VENDORS
    }
    observer = User.objects.get(email=OBSERVER_EMAIL)
    cases.add_participant(
        actor=lead, case=case, role=Participant.Role.OBSERVER, user=observer, name="Observer"
    )
    _vulnerabilities(case, lead, vendors, admins)
    _embargo(case, lead, vendors, admins)
    _discussion(case, lead, vendors, admins, researcher)
    delivery.notify_vendors(actor=lead, case=case)
    _disclosed(lead, orgs["aurora-cloud"], admins["aurora-cloud"])
    return case


def _disclosed(lead: User, aurora: Organisation, aurora_admin: User) -> None:
    """A case already through to the end: fixed, its advisory public (TLP:CLEAR) on
    /advisories/ and in the CSAF provider directory."""
    case = cases.open_case(
        actor=lead,
        title=DISCLOSED_TITLE,
        summary="A project's name is shown unescaped on the console's sharing page.",
        tlp="clear",
        organisation=_organisation(COORDINATOR),
    )
    vendor = cases.add_participant(
        actor=lead, case=case, role=Participant.Role.VENDOR, organisation=aurora
    )
    vulnerability = vulnerabilities.add_vulnerability(
        actor=lead,
        case=case,
        title="Project names are rendered unescaped on the sharing page",
        description=(
            "A project member can name a project `<img src=x onerror=…>`; the script runs "
            "in the browser of anyone the project is shared with."
        ),
        cwe_ids="CWE-79",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        products=[{"purl": "pkg:npm/%40aurora/console", "versions": "vers:npm/<4.12.0"}],
    )
    statements.make_statement(
        actor=aurora_admin,
        participant=vendor,
        vulnerability=vulnerability,
        product=vulnerability.products.get(),
        status=Statement.Status.FIXED,
        fixed_version="4.12.0",
        note="Fixed in the console 4.12.0, deployed to every region.",
    )
    publication.publish_advisory(actor=lead, case=case, summary="Initial release.")


def _vulnerabilities(
    case: Case, lead: User, vendors: dict[str, Participant], admins: dict[str, User]
) -> None:
    v1 = vulnerabilities.add_vulnerability(
        actor=lead,
        case=case,
        title="Stack buffer overflow in the HubOS web interface",
        description="An over-long `Host` header overflows a stack buffer of the login page.",
        cwe_ids="CWE-121, CWE-787",
        cvss_vector="CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        products=[
            {
                "cpe": "cpe:2.3:o:iris_devices:hubos:*:*:*:*:*:*:*:*",
                "versions": "vers:generic/>=2.0.0|<2.4.1",
            },
            {"cpe": "cpe:2.3:o:fjord:homegate:*:*:*:*:*:*:*:*", "versions": "vers:generic/<5.2"},
        ],
    )
    v2 = vulnerabilities.add_vulnerability(
        actor=lead,
        case=case,
        title="Path traversal in update archive extraction",
        description="Archive entries named `../` are written outside the target directory.",
        cwe_ids="CWE-22",
        cvss_vector="CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        products=[
            {"purl": "pkg:pypi/granite-update", "versions": "vers:pypi/<1.8.3"},
            {"purl": "pkg:npm/%40ember/updater", "versions": "vers:npm/>=3.0.0|<3.2.0"},
        ],
    )
    hubos = v1.products.get(cpe_vendor="iris_devices")
    granite_update, ember_updater = (
        v2.products.get(purl_name="granite-update"),
        v2.products.get(purl_name="updater"),
    )
    iris, granite, ember = (
        vendors["iris-devices"],
        vendors["granite-software"],
        vendors["ember-robotics"],
    )
    status = Statement.Status
    statements.make_statement(
        actor=admins["iris-devices"],
        participant=iris,
        vulnerability=v1,
        product=hubos,
        status=status.AFFECTED,
        note="Reproduced on HubOS 2.3; the fix ships in 2.4.1.",
    )
    statements.make_statement(
        actor=admins["iris-devices"],
        participant=iris,
        vulnerability=v2,
        status=status.NOT_AFFECTED,
        justification=Statement.Justification.COMPONENT_NOT_PRESENT,
        note="HubOS 2.4 no longer ships granite-update.",
    )
    statements.make_statement(
        actor=admins["granite-software"],
        participant=granite,
        vulnerability=v2,
        product=granite_update,
        status=status.FIXED,
        fixed_version="1.8.3",
    )
    statements.make_statement(
        actor=admins["ember-robotics"],
        participant=ember,
        vulnerability=v2,
        product=ember_updater,
        status=status.UNDER_INVESTIGATION,
    )
    statements.dispute_vulnerability(
        actor=admins["ember-robotics"],
        participant=ember,
        vulnerability=v2,
        reason="Our updater rejects `..` segments; we believe the report does not apply.",
    )
    # Aurora Cloud stays silent: the matrix marks it.
    cases.set_tracking_id(
        actor=admins["granite-software"], participant=granite, tracking_id="GRN-SEC-2291"
    )
    for state in ("valid", "accepted"):
        cases.set_report_state(actor=admins["granite-software"], participant=granite, state=state)
    cases.set_report_state(actor=admins["iris-devices"], participant=iris, state="valid")


def _embargo(
    case: Case, lead: User, vendors: dict[str, Participant], admins: dict[str, User]
) -> None:
    ends = (timezone.now() + timedelta(days=45)).replace(hour=14, minute=0, second=0, microsecond=0)
    proposal = embargo.propose_embargo(actor=lead, case=case, ends_at=ends)
    embargo.answer_embargo(
        actor=admins["iris-devices"],
        proposal=proposal,
        participant=vendors["iris-devices"],
        answer="accept",
    )
    embargo.answer_embargo(
        actor=admins["granite-software"],
        proposal=proposal,
        participant=vendors["granite-software"],
        answer="accept",
        comment="Our fix is out already; the date suits us.",
    )
    embargo.answer_embargo(
        actor=admins["ember-robotics"],
        proposal=proposal,
        participant=vendors["ember-robotics"],
        answer="reject",
        comment="We dispute V2 and would rather not be held to a date for it.",
    )
    # Aurora Cloud has not answered: the coordinator sees it as silent.


def _discussion(
    case: Case,
    lead: User,
    vendors: dict[str, Participant],
    admins: dict[str, User],
    researcher: User,
) -> None:
    thread = discussion.start_thread(
        actor=lead,
        case=case,
        title="Coordination plan",
        body=THREAD_OPENING.replace("ACC-demo", case.reference),
        include_observers=True,
    )
    first = thread.posts.get()
    discussion.post_reply(
        actor=admins["granite-software"], thread=thread, body=REPLY_GRANITE, parent=first
    )
    discussion.post_reply(actor=admins["iris-devices"], thread=thread, body=REPLY_IRIS)
    discussion.post_reply(actor=researcher, thread=thread, body=REPLY_REPORTER)
    private = discussion.start_thread(
        actor=lead,
        case=case,
        title="Your dispute of V2",
        body=PRIVATE_TO_EMBER,
        private_with=vendors["ember-robotics"],
    )
    discussion.post_reply(actor=admins["ember-robotics"], thread=private, body=PRIVATE_FROM_EMBER)
    discussion.mark_read(actor=lead, thread=private)


def accounts_to_show(case: Case) -> Iterator[str]:
    """Which demo accounts see the case, and as what."""
    yield f"Demo disclosure case {case.reference}: {case.title}"
    for email, role in (
        (LEAD_EMAIL, "its lead coordinator (Kestrel Security)"),
        (VENDOR_EMAIL, "a vendor (Granite Software)"),
        ("admin@ember.example", "the vendor that disputes V2 (Ember Robotics)"),
        (OBSERVER_EMAIL, "an observer"),
        (REPORTER_EMAIL, "the reporter"),
    ):
        yield f"  Sign in as {email} to see it as {role}."
    yield "  The triage queue holds an anonymous report too (/cvd/triage/, as the secretariat)."
