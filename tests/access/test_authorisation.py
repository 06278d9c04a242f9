"""Randomised authorisation: every rule against a specification written here, not copied.

One world is generated from a seed (printed with every failure; set ACCORD_AUTH_SEED to
replay one): organisations published or not, in good standing, suspended or removed,
people in every standing (signed out, nobody at all, inactive, with no membership,
observer, member, org admin, secretariat, secretariat who is also an org admin) and
objects in every state (domains, observations, verdict changes, commitments in each
status and withdrawn, attestations and documents public or not and in each review state,
API tokens live and revoked, audit events, catalogue versions, published reports,
applications, invitations, notifications read and unread, outbox messages in each
state). Every (person, permission, object) triple, with "no object" among the objects,
is checked on `has_perm` against `SPEC`, and on the querysets behind list pages and API
lists: each rule's queryset holds exactly the objects `SPEC` allows, the models'
`visible_to` methods that selectors use agree, and the detail and list selectors show
what `has_perm` allows.

Coordinated disclosure adds its world and its rows from `cvd_world` (coordinators,
reports, cases led three ways with participants in every role, and everything under a
case): the proof that nobody outside a case reads any part of it.

How a later app adds its resources:

1. declare its rules in its own `rules.py` (see `accord.access`);
2. add a generator below (or in a module beside this one, as `cvd_world`) that creates
   its objects in every state, recording each object's `Facts` (organisation, and
   whatever state the rules read);
3. add its rows to `SPEC`: (permission, kind) -> a predicate on `Viewer` and `Facts`,
   written from the issue or the design, never from the rule's code. A (permission,
   kind) pair missing from `SPEC` is expected to be refused.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.template import Context, Template
from django.utils import timezone

from accord.access import Permission, declare, has_perm, rule_of, scope_of
from accord.accounts import selectors as account_selectors
from accord.accounts.models import (
    ApiToken,
    Application,
    Invitation,
    Membership,
    Organisation,
    User,
)
from accord.audit.models import Event
from accord.audit.services import record_event
from accord.catalogue.models import CatalogueVersion, Practice
from accord.catalogue.services import load_catalogue
from accord.commitments import selectors as commitment_selectors
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
)
from accord.cvd import selectors as cvd_selectors
from accord.cvd.models import Advisory, Case
from accord.engine.types import CheckResult
from accord.engine.types import Status as CheckStatus
from accord.evidence import selectors as evidence_selectors
from accord.evidence import services as evidence_services
from accord.evidence.models import Domain, Observation, VerdictChange
from accord.figures.models import PublishedReport
from accord.notifications import selectors as notification_selectors
from accord.notifications.models import Message, Notification
from tests.access import cvd_world
from tests.access.facts import Facts, Viewer

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = "org_admin", "member"
MIN_TRIPLES = 10_000


def good_standing(f: Facts) -> bool:
    """Neither suspended nor removed: its members act for it, and it may be public."""
    return f.standing == "active"


def member_zone(v: Viewer, f: Facts) -> bool:
    return v.active and (v.secretariat or v.role(f.organisation) is not None)


def runs(v: Viewer, f: Facts) -> bool:
    """The secretariat, or an admin of the organisation while it is in good standing: a
    suspended organisation's members act for it in nothing."""
    admin = v.role(f.organisation) == ADMIN and good_standing(f)
    return v.active and (v.secretariat or admin)


def acts_for(v: Viewer, f: Facts) -> bool:
    """A member of the organisation (any role) while it is in good standing."""
    return v.role(f.organisation) is not None and good_standing(f)


def public(f: Facts) -> bool:
    return f.published and good_standing(f)


def secretariat(v: Viewer, _f: Facts) -> bool:
    return v.active and v.secretariat


def owns(v: Viewer, f: Facts) -> bool:
    return v.active and f.owner == v.user.pk


# (permission, kind) -> who is allowed. Missing pairs: nobody.
SPEC: dict[tuple[Permission, str], Callable[[Viewer, Facts], bool]] = {
    (Permission.INSTANCE_ADMIN, "none"): secretariat,
    (Permission.ORGANISATION_CREATE, "none"): secretariat,
    (Permission.ORGANISATION_VIEW, "organisation"): member_zone,
    (Permission.ORGANISATION_MANAGE, "organisation"): runs,
    (Permission.ORGANISATION_SUSPEND, "organisation"): secretariat,
    (Permission.ORGANISATION_REMOVE, "organisation"): secretariat,
    (Permission.MEMBER_CONTACTS_VIEW, "organisation"): runs,
    # A token reads contacts with its owner's role there, never the instance role.
    (Permission.MEMBER_CONTACTS_VIEW, "token"): lambda v, f: (
        owns(v, f) and v.role(f.organisation) == ADMIN and good_standing(f)
    ),
    (Permission.TWO_FACTOR_DISABLE, "none"): lambda v, f: v.active and not v.secretariat,
    (Permission.TOKEN_CREATE, "organisation"): acts_for,
    (Permission.TOKEN_REVOKE, "token"): lambda v, f: owns(v, f) or runs(v, f),
    (Permission.TOKEN_USE, "token"): lambda v, f: owns(v, f) and acts_for(v, f),
    # Applications are decided by the secretariat; invitations sent by whoever runs the
    # organisation, and to the instance (observers, secretariat) by the secretariat only.
    (Permission.APPLICATION_REVIEW, "none"): secretariat,
    (Permission.APPLICATION_REVIEW, "application"): secretariat,
    (Permission.INVITATION_CREATE, "none"): secretariat,
    (Permission.INVITATION_CREATE, "organisation"): runs,
    (Permission.INVITATION_CREATE, "token"): lambda v, f: (
        owns(v, f) and v.role(f.organisation) == ADMIN and good_standing(f)
    ),
    (Permission.INVITATION_MANAGE, "invitation"): lambda v, f: (
        secretariat(v, f) if f.organisation is None else runs(v, f)
    ),
    (Permission.AUDIT_VIEW, "none"): secretariat,
    # Everyone signed in has an inbox; the outbox is the secretariat's.
    (Permission.NOTIFICATION_VIEW, "none"): lambda v, f: v.active,
    (Permission.OUTBOX_VIEW, "none"): secretariat,
    (Permission.AUDIT_VIEW, "event"): secretariat,
    (Permission.CATALOGUE_PUBLISH, "none"): secretariat,
    (Permission.CATALOGUE_PUBLISH, "version"): secretariat,
    (Permission.EVIDENCE_VIEW, "organisation"): member_zone,
    (Permission.EVIDENCE_VIEW, "domain"): member_zone,
    (Permission.EVIDENCE_VIEW, "observation"): member_zone,
    (Permission.EVIDENCE_VIEW, "verdict_change"): member_zone,
    (Permission.EVIDENCE_SCAN, "organisation"): runs,
    (Permission.EVIDENCE_SCAN, "domain"): runs,
    # Proving control of a domain is for those who run its organisation, whatever the
    # state of its claim; settling a dispute over one is the secretariat's alone.
    (Permission.DOMAIN_PROVE, "organisation"): runs,
    (Permission.DOMAIN_PROVE, "domain"): runs,
    (Permission.DOMAIN_AWARD, "none"): secretariat,
    (Permission.DOMAIN_AWARD, "domain"): secretariat,
    # The secretariat does not commit for an organisation.
    (Permission.COMMITMENT_MANAGE, "organisation"): lambda v, f: (
        v.role(f.organisation) == ADMIN and good_standing(f)
    ),
    # A suspended organisation shows nothing publicly; its members still see it.
    (Permission.SCORECARD_VIEW, "organisation"): lambda v, f: public(f) or member_zone(v, f),
    (Permission.SCORECARD_VIEW, "commitment"): lambda v, f: public(f) or member_zone(v, f),
    (Permission.PROOF_VIEW, "attestation"): lambda v, f: (
        (public(f) and f.public) or member_zone(v, f)
    ),
    (Permission.PROOF_VIEW, "document"): lambda v, f: (
        (public(f) and f.public and f.review == "accepted") or member_zone(v, f)
    ),
    (Permission.DOCUMENT_REVIEW, "none"): secretariat,
    (Permission.DOCUMENT_REVIEW, "document"): secretariat,
    (Permission.ASSESSMENT_EXPORT, "organisation"): member_zone,
    # Published reports are public, like the figures; publishing is the secretariat's.
    (Permission.REPORT_VIEW, "none"): lambda v, f: True,
    (Permission.REPORT_VIEW, "report"): lambda v, f: True,
    (Permission.REPORT_PUBLISH, "none"): secretariat,
    (Permission.REPORT_PUBLISH, "report"): secretariat,
    # Everyone signed in has an inbox, and reads only their own notifications in it.
    (Permission.NOTIFICATION_VIEW, "notification"): owns,
    # The outbox holds every email of the instance: the secretariat's alone.
    (Permission.OUTBOX_VIEW, "message"): secretariat,
    (Permission.OUTBOX_RESEND, "none"): secretariat,
    (Permission.OUTBOX_RESEND, "message"): secretariat,
    # Coordinated disclosure: written in `cvd_world` from issue 10 and the CVD design.
    **cvd_world.SPEC,
}


def expected(v: Viewer, permission: Permission, f: Facts) -> bool:
    if f.standing == "removed":
        return False  # hidden from everyone; its history stays in the audit log
    allowed = SPEC.get((permission, f.kind))
    return bool(allowed and allowed(v, f))


# The world ----------------------------------------------------------------------------


@dataclass
class World:
    seed: int
    viewers: list[Viewer]
    objects: list[Facts]

    def of_kind(self, kind: str) -> list[Facts]:
        return [f for f in self.objects if f.kind == kind]


def _people(rng: random.Random, organisations: list[Organisation]) -> list[Viewer]:
    viewers = [Viewer("anonymous", AnonymousUser()), Viewer("nobody", None)]
    standings = ["plain", "observer", "member", "admin", "multi", "secretariat", "sec-admin"]
    for n in range(16):
        standing = standings[n % len(standings)] if n < len(standings) else rng.choice(standings)
        active = n not in (3, 5) and rng.random() > 0.1  # an inactive member and secretariat
        viewers.append(_person(rng, f"{standing}-{n}", standing, active, organisations))
    return viewers


def _person(
    rng: random.Random, name: str, standing: str, active: bool, organisations: list[Organisation]
) -> Viewer:
    instance_role = {"secretariat": "secretariat", "sec-admin": "secretariat"}.get(
        standing, "observer" if standing == "observer" else ""
    )
    user = User.objects.create_user(
        email=f"{name}@example.org", is_active=active, instance_role=instance_role
    )
    viewer = Viewer(name, user, active=active, secretariat=bool(instance_role == "secretariat"))
    count = {"member": 1, "admin": 1, "multi": 3, "sec-admin": 1}.get(standing, 0)
    for organisation in rng.sample(organisations, count):
        role = MEMBER if standing == "member" else ADMIN
        role = rng.choice([ADMIN, MEMBER]) if standing == "multi" else role
        Membership.objects.create(user=user, organisation=organisation, role=role)
        viewer.roles[organisation.pk] = role
    return viewer


def _organisations(rng: random.Random) -> Iterator[tuple[Organisation, bool]]:
    # Published, unpublished, and without any preference (unpublished too); two
    # published ones the secretariat suspended and removed.
    preferences = [True, False, None, True, rng.choice([True, False]), True, True]
    standings = ["active"] * 5 + ["suspended", "removed"]
    for n, (preference, standing) in enumerate(zip(preferences, standings, strict=True)):
        organisation = Organisation.objects.create(
            name=f"Org {n}", slug=f"org-{n}", standing=standing
        )
        if preference is not None:
            PublicationPreference.objects.create(
                organisation=organisation, public_profile=preference
            )
        yield organisation, bool(preference)


def _evidence(organisation: Organisation, base: Facts) -> Iterator[Facts]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n, control in enumerate(["verified", "contested", "unverified"]):
        domain = Domain.objects.create(
            organisation=organisation, name=f"d{n}.{organisation.slug}", control=control
        )
        yield _like(base, "domain", domain)
        for day, status in enumerate([CheckStatus.PASS, CheckStatus.FAIL]):
            observation = evidence_services.record_observation(
                domain=domain,
                check_id="vdp",
                result=CheckResult("vdp", status),
                now=start + timedelta(days=day),
            )
            yield _like(base, "observation", observation)
    for change in VerdictChange.objects.filter(organisation=organisation):
        yield _like(base, "verdict_change", change)


def _like(base: Facts, kind: str, obj: Model, **extra: Any) -> Facts:
    return Facts(kind, obj, base.organisation, base.published, standing=base.standing, **extra)


def _commitments(
    organisation: Organisation, base: Facts, practices: list[Practice]
) -> Iterator[Facts]:
    target = date(2027, 1, 1)
    states = [(status, None) for status in Status.values] + [(Status.COMMITTED, timezone.now())]
    for practice, (status, withdrawn) in zip(practices, states, strict=False):
        commitment = Commitment.objects.create(
            organisation=organisation,
            practice=practice,
            target_date=target,
            status=status,
            withdrawn_at=withdrawn,
        )
        yield _like(base, "commitment", commitment)
        yield from _proof(commitment, base)


def _proof(commitment: Commitment, base: Facts) -> Iterator[Facts]:
    for is_public in (True, False):
        attestation = Attestation.objects.create(
            commitment=commitment, text="We do.", is_public=is_public
        )
        yield _like(base, "attestation", attestation, public=is_public)
        for review in EvidenceDocument.Review.values:
            document = EvidenceDocument.objects.create(
                commitment=commitment,
                file="evidence-documents/x.pdf",
                filename=f"{review}.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                review=review,
                is_public=is_public,
            )
            yield _like(base, "document", document, public=is_public, review=review)


def _tokens(
    rng: random.Random, viewers: list[Viewer], organisations: list[Organisation]
) -> Iterator[Facts]:
    people = [v for v in viewers if isinstance(v.user, User)]
    for n in range(10):
        owner = rng.choice(people)
        # Mostly tokens for an organisation the owner is in, some for one they left.
        mine = [o for o in organisations if o.pk in owner.roles]
        organisation = rng.choice(mine if mine and n % 3 else organisations)
        token = ApiToken.objects.create(
            user=owner.user,
            organisation=organisation,
            name=f"t{n}",
            prefix="acc_x",
            digest=f"{n:064d}",
            revoked_at=timezone.now() if n % 4 == 0 else None,
        )
        yield Facts(
            "token", token, organisation.pk, owner=owner.user.pk, standing=organisation.standing
        )


def _applications() -> Iterator[Facts]:
    for n, state in enumerate(Application.State.values):
        application = Application.objects.create(
            name=f"Applicant {n}",
            domains=[f"applicant-{n}.example"],
            sector="water",
            country="NL",
            size_band="small",
            contact_name="Contact",
            contact_email=f"contact-{n}@example.org",
            state=state,
            key=f"application-{n}",
            digest="0" * 64,
        )
        yield Facts("application", application)


def _invitations(rng: random.Random, organisations: list[Organisation]) -> Iterator[Facts]:
    # Open, expired, accepted and revoked, to each organisation and to the instance.
    week = timedelta(days=7)
    states = [("pending", week), ("pending", -week), ("accepted", week), ("revoked", week)]
    targets: list[tuple[Organisation | None, str, str]] = [
        (organisation, rng.choice([ADMIN, MEMBER]), "") for organisation in organisations
    ]
    targets += [(None, "", "observer"), (None, "", "secretariat")]
    for n, ((organisation, role, instance_role), (state, ahead)) in enumerate(
        (target, state) for target in targets for state in states
    ):
        invitation = Invitation.objects.create(
            email=f"invitee-{n}@example.org",
            organisation=organisation,
            role=role,
            instance_role=instance_role,
            state=state,
            key=f"invitation-{n}",
            digest="0" * 64,
            expires_at=timezone.now() + ahead,
        )
        standing = organisation.standing if organisation else "active"
        yield Facts(
            "invitation", invitation, organisation.pk if organisation else None, standing=standing
        )


def _notifications(rng: random.Random, viewers: list[Viewer]) -> Iterator[Facts]:
    people = [v for v in viewers if isinstance(v.user, User)]
    for n in range(12):
        recipient = people[n % len(people)] if n < len(people) else rng.choice(people)
        note = Notification.objects.create(
            recipient=recipient.user,
            kind="commitments:document:reject",
            subject=f"n{n}",
            body="b",
            read_at=timezone.now() if n % 3 == 0 else None,
        )
        yield Facts("notification", note, owner=recipient.user.pk)


def _messages() -> Iterator[Facts]:
    for state in Message.State.values:
        for carries_secret in (False, True):
            message = Message.objects.create(
                to_address="someone@example.org",
                subject=state,
                body="b",
                kind="accounts:invitation:send",
                state=state,
                carries_secret=carries_secret,
            )
            yield Facts("message", message)


def build_world(seed: int) -> World:
    rng = random.Random(seed)
    version = load_catalogue()
    practices = list(Practice.objects.order_by("?")[:5])
    found = list(_organisations(rng))
    organisations = [organisation for organisation, _ in found]
    viewers = _people(rng, organisations)
    objects = [Facts("none", None)]
    for organisation, published in found:
        base = Facts(
            "organisation", organisation, organisation.pk, published, standing=organisation.standing
        )
        objects.append(base)
        objects.extend(_evidence(organisation, base))
        objects.extend(_commitments(organisation, base, rng.sample(practices, 5)))
        record_event(tag="accounts:organisation:create", organisation=organisation)
    objects.extend(_tokens(rng, viewers, organisations))
    objects.extend(_applications())
    objects.extend(_invitations(rng, organisations))
    objects.extend(_notifications(rng, viewers))
    objects.extend(_messages())
    objects.extend(Facts("event", event) for event in Event.objects.all())
    old = CatalogueVersion.objects.create(version="0.9.0", digest="0" * 64)
    objects.extend(Facts("version", v) for v in (version, old))
    objects.extend(Facts("report", r) for r in _reports())
    cvd = cvd_world.build(rng, organisations, viewers)
    viewers.extend(cvd.viewers)
    objects.extend(cvd.objects)
    objects[0].cvd = cvd.instance
    return World(seed, viewers, objects)


def _reports() -> Iterator[PublishedReport]:
    for version in (1, 2):
        yield PublishedReport.objects.create(
            year=2025, version=version, figures_day=date(2025, 12, 31),
            pdf=f"reports/2025/r{version}.pdf", html=f"reports/2025/r{version}.html",
            checksum="0" * 64, html_checksum="0" * 64, pdf_size=1, html_size=1,
        )  # fmt: skip


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, inside a transaction rolled back at the end."""
    from django.db import transaction

    seed = int(os.environ.get("ACCORD_AUTH_SEED") or random.SystemRandom().randrange(2**32))
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(seed)
        transaction.set_rollback(True)


# The checks ---------------------------------------------------------------------------

MODELS = {
    "organisation": Organisation,
    "domain": Domain,
    "observation": Observation,
    "verdict_change": VerdictChange,
    "commitment": Commitment,
    "attestation": Attestation,
    "document": EvidenceDocument,
    "token": ApiToken,
    "application": Application,
    "invitation": Invitation,
    "event": Event,
    "version": CatalogueVersion,
    "report": PublishedReport,
    "notification": Notification,
    "message": Message,
    **cvd_world.MODELS,
}


def test_has_perm_and_every_rules_queryset_follow_the_specification(world: World) -> None:
    checked = 0
    for viewer in world.viewers:
        for permission in Permission:
            checked += _check(world, viewer, permission)
    print(f"\nauthorisation: {checked} (person, permission, object) triples, seed {world.seed}")
    assert checked > MIN_TRIPLES


def _check(world: World, viewer: Viewer, permission: Permission) -> int:
    label = f"seed {world.seed}: {viewer.name} {permission}"
    scopes = {kind: set(scope_of(viewer.user, permission, model)) for kind, model in MODELS.items()}
    for facts in world.objects:
        want = expected(viewer, permission, facts)
        assert has_perm(viewer.user, permission, facts.obj) is want, f"{label} {facts}"
        if facts.obj is not None:
            assert (facts.obj in scopes[facts.kind]) is want, f"{label} queryset {facts}"
    return len(world.objects)


def _allowed(world: World, viewer: Viewer, permission: Permission, kind: str) -> set[Model]:
    return {
        f.obj for f in world.of_kind(kind) if f.obj is not None and expected(viewer, permission, f)
    }


def test_list_pages_and_their_managers_show_what_has_perm_allows(world: World) -> None:
    for viewer in world.viewers:
        user, label = viewer.user, f"seed {world.seed}: {viewer.name}"
        view = _allowed(world, viewer, Permission.ORGANISATION_VIEW, "organisation")
        assert set(account_selectors.organisations_for(user)) == view, label
        creatable = _allowed(world, viewer, Permission.TOKEN_CREATE, "organisation")
        assert set(account_selectors.token_organisations(user)) == creatable, label
        tokens = world.of_kind("token")
        mine = {f.obj for f in tokens if owns(viewer, f) and f.standing != "removed"}
        assert set(account_selectors.tokens_for(user)) == mine, label
        _check_onboarding_lists(world, viewer)
        for kind, model, permission in [
            ("report", PublishedReport, Permission.REPORT_VIEW),
            ("commitment", Commitment, Permission.SCORECARD_VIEW),
            ("attestation", Attestation, Permission.PROOF_VIEW),
            ("document", EvidenceDocument, Permission.PROOF_VIEW),
            ("observation", Observation, Permission.EVIDENCE_VIEW),
        ]:
            listed = set(model.objects.visible_to(user))  # type: ignore[attr-defined]
            assert listed == _allowed(world, viewer, permission, kind), f"{label} {kind}"
        inbox = _allowed(world, viewer, Permission.NOTIFICATION_VIEW, "notification")
        assert set(notification_selectors.inbox(user)) == inbox, label
        outbox = _allowed(world, viewer, Permission.OUTBOX_VIEW, "message")
        assert set(notification_selectors.outbox(user)) == outbox, label


def _check_onboarding_lists(world: World, viewer: Viewer) -> None:
    user, label = viewer.user, f"seed {world.seed}: {viewer.name}"
    reviewable = _allowed(world, viewer, Permission.APPLICATION_REVIEW, "application")
    assert set(account_selectors.applications_for(user)) == reviewable, label
    queue = account_selectors.application_queue(user, per_page=100)
    assert (queue is not None) is expected(
        viewer, Permission.APPLICATION_REVIEW, Facts("none", None)
    )
    if queue is not None:
        assert set(queue.page.object_list) == reviewable, label
    manageable = _allowed(world, viewer, Permission.INVITATION_MANAGE, "invitation")
    assert set(Invitation.objects.visible_to(user)) == manageable, label
    for organisation in [None, *(f.obj for f in world.of_kind("organisation"))]:
        listed = set(account_selectors.invitations_for(user, organisation))  # type: ignore[arg-type]
        assert listed == {
            i
            for i in manageable
            if i.organisation == organisation and i.is_open  # type: ignore[attr-defined]
        }, f"{label} invitations of {organisation}"
    for f in world.of_kind("invitation"):
        found = account_selectors.invitation_for(user, f.obj.pk)  # type: ignore[union-attr]
        assert (found is not None) is expected(viewer, Permission.INVITATION_MANAGE, f), label


def test_detail_selectors_find_only_what_has_perm_allows(world: World) -> None:
    for viewer in world.viewers:
        label = f"seed {world.seed}: {viewer.name}"
        for f in world.of_kind("domain"):
            found = evidence_selectors.domain_for(viewer.user, f.obj.pk)  # type: ignore[union-attr]
            assert (found is not None) is expected(viewer, Permission.EVIDENCE_VIEW, f), label
            award = evidence_selectors.claim_to_award(viewer.user, f.obj.pk)  # type: ignore[union-attr]
            assert (award is not None) is expected(viewer, Permission.DOMAIN_AWARD, f), label
        disputes = evidence_selectors.disputes(viewer.user)
        assert (disputes is not None) is expected(
            viewer, Permission.DOMAIN_AWARD, Facts("none", None)
        )
        for f in world.of_kind("observation"):
            found_obs = evidence_selectors.observation_for(viewer.user, f.obj.pk)  # type: ignore[union-attr]
            assert (found_obs is not None) is expected(viewer, Permission.EVIDENCE_VIEW, f), label
        for f in world.of_kind("notification"):
            found_note = notification_selectors.notification_for(viewer.user, f.obj.pk)  # type: ignore[union-attr]
            assert (found_note is not None) is expected(viewer, Permission.NOTIFICATION_VIEW, f)
        for f in world.of_kind("organisation"):
            assert isinstance(f.obj, Organisation)
            scorecard = commitment_selectors.scorecard_organisation(viewer.user, f.obj.slug)
            assert (scorecard is not None) is expected(viewer, Permission.SCORECARD_VIEW, f), label


def test_cvd_lists_and_selectors_show_what_has_perm_allows(world: World) -> None:
    """The disclosure app's managers (what its selectors, pages and API lists read) and
    its case selectors agree with the specification."""
    for viewer in world.viewers:
        user, label = viewer.user, f"seed {world.seed}: {viewer.name}"
        for kind, permission in cvd_world.LISTS.items():
            listed = set(cvd_world.MODELS[kind].objects.visible_to(user))  # type: ignore[attr-defined]
            assert listed == _allowed(world, viewer, permission, kind), f"{label} {kind}"
        cases = _allowed(world, viewer, Permission.CVD_CASE_VIEW, "case")
        assert set(cvd_selectors.cases_for(user)) == cases, label
        for f in world.of_kind("case"):
            case = f.obj
            assert isinstance(case, Case)
            found = cvd_selectors.case_for(user, case.reference)
            assert (found is not None) is (case in cases), f"{label} {case}"
            held = cvd_world.roles(viewer, f.cvd.case)
            if cvd_world.leads(viewer, f.cvd.case):
                held.add(cvd_selectors.LEAD)
            assert cvd_selectors.roles_in(user, case) == held, f"{label} {case}"


def test_cvd_advisory_downloads_follow_the_specification(world: World) -> None:
    """The download route of a case's advisory serves it to whoever may read it and is
    not found for anyone else; the public pages carry only the TLP:CLEAR ones."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404
    from django.test import RequestFactory

    from accord.cvd.selectors import publication as advisories
    from accord.cvd.views import publication as views

    factory = RequestFactory()
    for viewer in world.viewers:
        label = f"seed {world.seed}: {viewer.name}"
        for f in world.of_kind("advisory"):
            advisory = f.obj
            assert isinstance(advisory, Advisory)
            want = expected(viewer, Permission.CVD_ADVISORY_VIEW, f)
            request = factory.get("/")
            request.user = viewer.user or AnonymousUser()
            try:
                served = views.download(request, advisory.tracking_id, "csaf").status_code == 200
            except Http404:
                served = False
            assert served is want, f"{label} {advisory}"
            public = advisories.public_advisory(advisory.tracking_id) is not None
            assert public is (f.cvd.tlp == "clear"), f"{label} {advisory}"


def test_an_api_token_sees_its_own_organisation_with_its_owners_role(world: World) -> None:
    owners = {v.user.pk: v for v in world.viewers if isinstance(v.user, User)}
    for f in world.of_kind("token"):
        token, owner = f.obj, owners[f.owner or 0]
        assert isinstance(token, ApiToken)
        view = account_selectors.token_organisation_view(token)
        label = f"seed {world.seed}: token of {owner.name}"
        assert (view is not None) is expected(owner, Permission.TOKEN_USE, f), label
        if view is not None:
            contacts = expected(owner, Permission.MEMBER_CONTACTS_VIEW, f)
            assert view.show_contacts is contacts, label
            listed = set(commitment_selectors.commitments_of(token.organisation))
            assert listed <= _allowed(world, owner, Permission.SCORECARD_VIEW, "commitment"), label


# The registry -------------------------------------------------------------------------


def test_every_permission_has_one_rule_declared_in_an_apps_rules_module() -> None:
    from django.apps import apps

    for permission in Permission:
        rule = rule_of(permission)
        assert rule is not None, permission
        assert rule.owner.startswith("accord."), rule.owner
        assert rule.owner.endswith(".rules"), rule.owner
        for label in rule.scopes:
            apps.get_model(label)  # a scope names an installed model


def test_unknown_permissions_and_objects_are_refused(world: World) -> None:
    sec = next(v for v in world.viewers if v.secretariat and v.active)
    assert not has_perm(sec.user, "accounts:organisation:destroy", None)  # type: ignore[arg-type]
    assert not has_perm(sec.user, Permission.ORGANISATION_VIEW, "org-0")  # type: ignore[arg-type]
    assert not has_perm(sec.user, Permission.ORGANISATION_VIEW, Organisation(name="unsaved"))
    with pytest.raises(ValueError, match="already declared"):
        declare(Permission.INSTANCE_ADMIN, owner="tests", allows=lambda user: True)


def test_templates_ask_can_for_permissions_that_exist(world: World) -> None:
    organisation = world.of_kind("organisation")[0].obj
    text = (
        '{% can "accounts:organisation:manage" org as may %}{{ may }}|'
        '{% can "no:such:thing" as no %}{{ no }}'
    )
    for viewer in world.viewers:
        rendered = Template(text).render(Context({"user": viewer.user, "org": organisation}))
        want = has_perm(viewer.user, Permission.ORGANISATION_MANAGE, organisation)
        assert rendered == f"{want}|False"


def test_every_can_in_the_templates_names_a_permission() -> None:
    import re
    from pathlib import Path

    import accord

    names = {
        match
        for path in Path(accord.__file__).parent.rglob("templates/**/*.html")
        for match in re.findall(r'{%\s*can\s+"([^"]+)"', path.read_text())
    }
    assert names, "no template asks {% can %}"
    assert names <= {p.value for p in Permission}, names
