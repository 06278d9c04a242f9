"""The randomised authorisation test: every (person, permission, object) against a
specification written here, on `has_perm` and on the querysets behind lists.

A random world is generated from a seed (printed when a check fails; set
ACCORD_AUTHZ_SEED to replay it): organisations that publish their profile or not,
people with every standing (signed out, deactivated, no membership, member, org admin,
member of two organisations, observer, secretariat), and objects in every state
(domains, observations, verdict changes, active and withdrawn commitments, public and
private attestations, documents pending, accepted and rejected, API tokens live,
revoked and expired, audit events, catalogue versions). Each permission is asked about
each object, and without an object, for each person: `has_perm` must say what `EXPECTED`
says, and an object must be in the rule's queryset (`scope_of`, and the models'
`visible_to` that list pages and API lists use) exactly when `has_perm` allows it.

The specification is a table of plain predicates over the generated facts (who belongs
where with which role, what is published, what state a document is in), not a call to
the rules. A later app adds its resources to `World` (made in `build_world`) and its
permissions to `EXPECTED`; a permission missing from `EXPECTED` fails the test.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from accord.access import Permission, has_perm, scope_of
from accord.access.registry import rule_of
from accord.accounts import selectors as accounts
from accord.accounts.models import ApiToken, Membership, Organisation, User
from accord.audit.models import Event
from accord.audit.services import record_event
from accord.catalogue.models import CatalogueVersion, Practice
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
)
from accord.evidence.models import Domain, Observation, VerdictChange

NOW = datetime(2026, 6, 1, tzinfo=UTC)
MINIMUM_TRIPLES = 10_000


@dataclass
class World:
    """The generated facts the specification reads, and every object to ask about."""

    people: dict[str, Any] = field(default_factory=dict)
    roles: dict[tuple[str, int], str] = field(default_factory=dict)  # (person, org pk)
    secretariat: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    published: set[int] = field(default_factory=set)
    objects: list[Model] = field(default_factory=list)

    def name_of(self, user: Any) -> str:
        return next(name for name, person in self.people.items() if person is user)


# The specification --------------------------------------------------------------------

Spec = Callable[[World, str, Any], bool]


def org_of(obj: Any) -> int | None:
    if isinstance(obj, Organisation):
        return obj.pk
    if isinstance(obj, (Attestation, EvidenceDocument)):
        return obj.commitment.organisation_id
    return getattr(obj, "organisation_id", None)


def on(*models: type[Model]) -> Callable[[Spec], Spec]:
    """The predicate holds only for objects of these models (None for no object)."""

    def wrap(spec: Spec) -> Spec:
        def check(world: World, who: str, obj: Any) -> bool:
            kinds = tuple(m for m in models if m is not type(None))
            if obj is None:
                return type(None) in models and spec(world, who, obj)
            return isinstance(obj, kinds) and spec(world, who, obj)

        return check

    return wrap


def active(world: World, who: str) -> bool:
    return who in world.active


def secretariat(world: World, who: str) -> bool:
    return active(world, who) and who in world.secretariat


def role(world: World, who: str, org: int | None) -> str | None:
    return world.roles.get((who, org)) if active(world, who) and org is not None else None


def member(world: World, who: str, obj: Any) -> bool:
    return role(world, who, org_of(obj)) is not None


def admin(world: World, who: str, obj: Any) -> bool:
    return role(world, who, org_of(obj)) == Membership.Role.ORG_ADMIN


def member_zone(world: World, who: str, obj: Any) -> bool:
    return secretariat(world, who) or member(world, who, obj)


def runs(world: World, who: str, obj: Any) -> bool:
    return secretariat(world, who) or admin(world, who, obj)


def published_proof(world: World, obj: Any) -> bool:
    if org_of(obj) not in world.published or not obj.is_public:
        return False
    return not isinstance(obj, EvidenceDocument) or obj.review == EvidenceDocument.Review.ACCEPTED


def own_token(world: World, who: str, token: ApiToken) -> bool:
    return active(world, who) and world.people[who].pk == token.user_id


EXPECTED: dict[Permission, Spec] = {
    Permission.INSTANCE_ADMIN: on(type(None))(lambda w, u, o: secretariat(w, u)),
    Permission.ORGANISATION_CREATE: on(type(None))(lambda w, u, o: secretariat(w, u)),
    Permission.ORGANISATION_VIEW: on(Organisation)(member_zone),
    Permission.ORGANISATION_MANAGE: on(Organisation)(runs),
    Permission.MEMBER_CONTACTS_VIEW: on(Organisation, ApiToken)(
        lambda w, u, o: (
            runs(w, u, o)
            if isinstance(o, Organisation)
            else own_token(w, u, o) and admin(w, u, o)  # a token never acts as secretariat
        )
    ),
    Permission.TWO_FACTOR_DISABLE: on(type(None))(
        lambda w, u, o: active(w, u) and not secretariat(w, u)
    ),
    Permission.TOKEN_CREATE: on(Organisation)(member),  # secretariat is not membership
    Permission.TOKEN_REVOKE: on(ApiToken)(lambda w, u, o: own_token(w, u, o) or runs(w, u, o)),
    Permission.TOKEN_USE: on(ApiToken)(lambda w, u, o: own_token(w, u, o) and member(w, u, o)),
    Permission.AUDIT_VIEW: on(type(None), Event)(lambda w, u, o: secretariat(w, u)),
    Permission.EVIDENCE_VIEW: on(Organisation, Domain, Observation, VerdictChange)(member_zone),
    Permission.EVIDENCE_SCAN: on(Organisation, Domain)(runs),
    Permission.CATALOGUE_PUBLISH: on(type(None), CatalogueVersion)(
        lambda w, u, o: secretariat(w, u)
    ),
    Permission.COMMITMENT_MANAGE: on(Organisation)(admin),  # the secretariat does not commit
    Permission.SCORECARD_VIEW: on(Organisation, Commitment)(
        lambda w, u, o: org_of(o) in w.published or member_zone(w, u, o)
    ),
    Permission.PROOF_VIEW: on(Attestation, EvidenceDocument)(
        lambda w, u, o: published_proof(w, o) or member_zone(w, u, o)
    ),
    Permission.DOCUMENT_REVIEW: on(type(None), EvidenceDocument)(lambda w, u, o: secretariat(w, u)),
    Permission.ASSESSMENT_EXPORT: on(Organisation)(member_zone),
}

# The querysets that list pages and API lists read, with the permission they show.
LISTS: dict[str, tuple[Callable[[Any], Any], Permission | None, type[Model]]] = {
    "Organisation.visible_to": (Organisation.objects.visible_to, Permission.ORGANISATION_VIEW,
                                Organisation),
    "accounts.organisations_for": (accounts.organisations_for, Permission.ORGANISATION_VIEW,
                                   Organisation),
    "accounts.token_organisations": (accounts.token_organisations, Permission.TOKEN_CREATE,
                                     Organisation),
    "Domain.visible_to": (Domain.objects.visible_to, Permission.EVIDENCE_VIEW, Domain),
    "Observation.visible_to": (Observation.objects.visible_to, Permission.EVIDENCE_VIEW,
                               Observation),
    "Commitment.visible_to": (Commitment.objects.visible_to, Permission.SCORECARD_VIEW,
                              Commitment),
    "Attestation.visible_to": (Attestation.objects.visible_to, Permission.PROOF_VIEW,
                               Attestation),
    "EvidenceDocument.visible_to": (EvidenceDocument.objects.visible_to, Permission.PROOF_VIEW,
                                    EvidenceDocument),
}  # fmt: skip


# The world --------------------------------------------------------------------------


def build_world(rng: random.Random) -> World:
    world = World()
    practices = list(Practice.objects.all()[:6])
    organisations = [_organisation(world, rng, n) for n in range(rng.randint(3, 5))]
    _people(world, rng, organisations)
    for organisation in organisations:
        _evidence(world, rng, organisation)
        _commitments(world, rng, organisation, rng.sample(practices, k=4))
        _tokens(world, rng, organisation)
    for n in range(rng.randint(2, 4)):
        record_event(tag="test:authz:event", data={"n": n})
    world.objects += list(Event.objects.all())
    CatalogueVersion.objects.create(version=f"9.{rng.randint(0, 99)}.0")
    world.objects += list(CatalogueVersion.objects.all())
    return world


def _organisation(world: World, rng: random.Random, n: int) -> Organisation:
    organisation = Organisation.objects.create(name=f"Org {n}", slug=f"org-{n}")
    if rng.random() < 0.5:
        PublicationPreference.objects.create(
            organisation=organisation, public_profile=rng.random() < 0.7, badges=True
        )
    if PublicationPreference.objects.filter(
        organisation=organisation, public_profile=True
    ).exists():
        world.published.add(organisation.pk)
    world.objects.append(organisation)
    return organisation


def _person(world: World, name: str, **extra: Any) -> User:
    user = User.objects.create_user(email=f"{name}@people.example", password="x" * 20, **extra)
    world.people[name] = user
    if user.is_active:
        world.active.add(name)
    if extra.get("instance_role") == User.InstanceRole.SECRETARIAT:
        world.secretariat.add(name)
    return user


def _join(world: World, name: str, organisation: Organisation, role: str) -> None:
    Membership.objects.create(user=world.people[name], organisation=organisation, role=role)
    world.roles[(name, organisation.pk)] = role


def _people(world: World, rng: random.Random, organisations: list[Organisation]) -> None:
    world.people["anonymous"] = AnonymousUser()
    _person(world, "nobody")
    _person(world, "observer", instance_role=User.InstanceRole.OBSERVER)
    _person(world, "secretariat", instance_role=User.InstanceRole.SECRETARIAT)
    _person(world, "secretariat-member", instance_role=User.InstanceRole.SECRETARIAT)
    _join(world, "secretariat-member", rng.choice(organisations), Membership.Role.MEMBER)
    for organisation in organisations:
        for role in (Membership.Role.ORG_ADMIN, Membership.Role.MEMBER):
            name = f"{role}-{organisation.slug}"
            _person(world, name)
            _join(world, name, organisation, role)
    _person(world, "two-hats")
    first, second = rng.sample(organisations, k=2)
    _join(world, "two-hats", first, Membership.Role.ORG_ADMIN)
    _join(world, "two-hats", second, Membership.Role.MEMBER)
    for former in ("deactivated-admin", "deactivated-secretariat"):
        role_extra = {"instance_role": User.InstanceRole.SECRETARIAT} if "secr" in former else {}
        _person(world, former, is_active=False, **role_extra)
        _join(world, former, rng.choice(organisations), Membership.Role.ORG_ADMIN)


def _evidence(world: World, rng: random.Random, organisation: Organisation) -> None:
    domain = Domain.objects.create(organisation=organisation, name=f"{organisation.slug}.example")
    seen = []
    for n in range(rng.randint(1, 3)):
        seen.append(
            Observation.objects.create(
                organisation=organisation,
                domain=domain,
                domain_name=domain.name,
                check_id="https-hsts",
                check_version="1",
                observed_at=NOW + timedelta(hours=n),
                status=rng.choice(["pass", "fail"]),
            )
        )
    world.objects += [domain, *seen]
    if len(seen) > 1:
        world.objects.append(
            VerdictChange.objects.create(
                organisation=organisation,
                domain=domain,
                domain_name=domain.name,
                check_id="https-hsts",
                from_status=seen[0].status,
                to_status=seen[1].status,
                observation=seen[1],
                previous_observation=seen[0],
                changed_at=seen[1].observed_at,
            )
        )


def _commitments(
    world: World, rng: random.Random, organisation: Organisation, practices: list[Practice]
) -> None:
    for practice in practices:
        commitment = Commitment.objects.create(
            organisation=organisation,
            practice=practice,
            target_date=date(2026, 12, 31),
            committed_at=NOW,
            withdrawn_at=NOW if rng.random() < 0.25 else None,
        )
        attestation = Attestation.objects.create(
            commitment=commitment, text="Done.", is_public=rng.random() < 0.5
        )
        world.objects += [commitment, attestation]
        for review in EvidenceDocument.Review.values:
            world.objects.append(
                EvidenceDocument.objects.create(
                    commitment=commitment,
                    file="evidence-documents/x.txt",
                    filename="x.txt",
                    content_type="text/plain",
                    size=1,
                    sha256="0" * 64,
                    review=review,
                    is_public=rng.random() < 0.6,
                )
            )


def _tokens(world: World, rng: random.Random, organisation: Organisation) -> None:
    holders = [name for (name, org), _ in world.roles.items() if org == organisation.pk]
    for n, name in enumerate(rng.sample(holders, k=min(2, len(holders)))):
        state = rng.choice(["live", "revoked", "expired"])
        world.objects.append(
            ApiToken.objects.create(
                user=world.people[name],
                organisation=organisation,
                name=f"t{n}",
                prefix=f"acc_{organisation.pk}{n}",
                digest=f"{organisation.pk:032d}{n:032d}",
                revoked_at=NOW if state == "revoked" else None,
                expires_at=NOW - timedelta(days=1) if state == "expired" else None,
            )
        )


# The test ---------------------------------------------------------------------------


@pytest.fixture
def seed() -> int:
    return int(os.environ.get("ACCORD_AUTHZ_SEED") or random.SystemRandom().randrange(10**9))


@pytest.mark.django_db
def test_every_permission_on_every_object_agrees_with_the_specification(
    catalogue: CatalogueVersion, seed: int
) -> None:
    world = build_world(random.Random(seed))
    wrong: list[str] = []
    triples = 0
    for permission in Permission:
        assert permission in EXPECTED, f"{permission} has no specification in {__name__}"
        assert rule_of(permission) is not None, f"{permission} has no declared rule"
        for who, user in world.people.items():
            for obj in [None, *world.objects]:
                triples += 1
                expected = EXPECTED[permission](world, who, obj)
                if has_perm(user, permission, obj) != expected:
                    wrong.append(f"has_perm({who}, {permission}, {_label(obj)}) != {expected}")
            wrong += _scopes_agree(world, who, user, permission)
    for name, (listing, permission, model) in LISTS.items():
        for who, user in world.people.items():
            listed = set(listing(user).values_list("pk", flat=True))
            expected_pks = {
                o.pk
                for o in world.objects
                if isinstance(o, model) and EXPECTED[permission](world, who, o)
            }
            if listed != expected_pks:
                wrong.append(f"{name}({who}) lists {sorted(listed)}, not {sorted(expected_pks)}")
    print(f"authorisation: {triples} (person, permission, object) triples checked, seed {seed}")
    assert not wrong, f"seed {seed} (ACCORD_AUTHZ_SEED={seed} replays it):\n" + "\n".join(
        wrong[:40]
    )
    assert triples > MINIMUM_TRIPLES, f"only {triples} triples: grow the world"


def _scopes_agree(world: World, who: str, user: Any, permission: Permission) -> list[str]:
    """The rule's queryset for each model holds exactly the objects `has_perm` allows."""
    wrong = []
    models = {type(obj) for obj in world.objects}
    for model in models:
        scoped = set(scope_of(user, permission, model).values_list("pk", flat=True))
        allowed = {
            o.pk for o in world.objects if type(o) is model and EXPECTED[permission](world, who, o)
        }
        if scoped != allowed:
            wrong.append(f"scope_of({who}, {permission}, {model.__name__}) != the specification")
    return wrong


def _label(obj: Any) -> str:
    return "nothing" if obj is None else f"{type(obj).__name__} #{obj.pk}"
