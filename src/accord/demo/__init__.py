"""Fictional demo data for `accord demo`: organisations, people and their roles, two
years of adoption history (`accord.demo.adoption`) with the figures computed from it,
and a coordinated disclosure world (`accord.demo.cvd`).

Every organisation created here is flagged `is_demo` and named as fictional, so demo
figures can never be mistaken for real members. Running it again changes nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.accounts import services as accounts
from accord.accounts.models import Membership, Organisation, User
from accord.evidence import services as evidence
from accord.figures import services as figures

DEMO_ORGANISATIONS = [
    # name, slug, sector, country, size band, domain
    ("Aurora Cloud (demo)", "aurora-cloud", "cloud", "DE", "enterprise", "aurora-cloud.example"),
    ("Borealis Grid (demo)", "borealis-grid", "energy", "FR", "large", "borealis-grid.example"),
    ("Cedar Health (demo)", "cedar-health", "health", "NL", "large", "cedar-health.example"),
    ("Delta Payments (demo)", "delta-payments", "finance", "GB", "enterprise", "delta.example"),
    ("Ember Robotics (demo)", "ember-robotics", "manufacturing", "JP", "medium", "ember.example"),
    ("Fjord Telecom (demo)", "fjord-telecom", "telecoms", "NO", "enterprise", "fjord.example"),
    ("Granite Software (demo)", "granite-software", "software", "US", "medium", "granite.example"),
    (
        "Harbour Logistics (demo)",
        "harbour-logistics",
        "transport",
        "SG",
        "large",
        "harbour.example",
    ),
    ("Iris Devices (demo)", "iris-devices", "iot", "KR", "small", "iris-devices.example"),
    ("Juniper Water (demo)", "juniper-water", "water", "ES", "medium", "juniper-water.example"),
    ("Kestrel Security (demo)", "kestrel-security", "security", "IL", "small", "kestrel.example"),
    ("Lumen Media (demo)", "lumen-media", "media", "BR", "medium", "lumen-media.example"),
]


def _credentials_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-credentials.txt"


def _ensure_user(email: str, role: str = "") -> tuple[User, str | None]:
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = accounts.create_user(
        email=email, password=password, full_name=email.split("@")[0], instance_role=role
    )
    # Demo addresses have no mailbox to prove; the demo vouches for them.
    user = accounts.mark_email_verified(user=user, how="demo")
    return user, password


def _ensure_organisation(row: tuple[str, ...]) -> tuple[Organisation, list[tuple[str, str]]]:
    name, slug, sector, country, size_band, domain = row
    organisation = Organisation.objects.filter(slug=slug).first()
    created: list[tuple[str, str]] = []
    if organisation is None:
        organisation = accounts.create_organisation(
            name=name,
            slug=slug,
            sector=sector,
            country=country,
            size_band=size_band,
            is_demo=True,
        )
        evidence.add_domain(organisation=organisation, name=domain, actor=None)
    for local, role in (("admin", Membership.Role.ORG_ADMIN), ("member", Membership.Role.MEMBER)):
        user, password = _ensure_user(f"{local}@{domain}")
        if password:
            accounts.add_member(organisation=organisation, user=user, role=role)
            created.append((user.email, password))
    return organisation, created


def seed_demo(*, now: datetime | None = None, organisations: int | None = None) -> Iterator[str]:
    """Create the demo organisations, people and adoption history; yield lines to show
    the operator as each part is done. `organisations` is how many demo organisations
    there are in all (default `accord.demo.adoption.ORGANISATIONS`)."""
    from accord.demo import adoption as adoption_demo

    moment = now or timezone.now()
    with transaction.atomic():
        created = _seed_people()
    yield f"{len(DEMO_ORGANISATIONS)} named demo organisations and their people are in place."
    yield from _credentials(created)
    started = time.monotonic()
    counts = adoption_demo.seed_adoption(
        now=moment, total=organisations or adoption_demo.ORGANISATIONS
    )
    yield f"{adoption_demo.summary(counts)} ({time.monotonic() - started:.1f} s)"
    yield _figures(timezone.localdate(moment), rebuild=bool(counts["commitments"]))
    yield from _disclosure()
    yield "Sign in as admin@aurora-cloud.example to see an organisation admin's view."
    yield "Create a secretariat admin with `accord createadmin`."


def _seed_people() -> list[tuple[str, str]]:
    created: list[tuple[str, str]] = []
    for row in DEMO_ORGANISATIONS:
        created += _ensure_organisation(row)[1]
    observer, password = _ensure_user("observer@gov.example", User.InstanceRole.OBSERVER)
    if password:
        created.append((observer.email, password))
    return created


def _credentials(created: list[tuple[str, str]]) -> Iterator[str]:
    if created:
        path = _credentials_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{email}\t{password}\n" for email, password in created)
        path.chmod(0o600)
        yield f"Created {len(created)} demo accounts; their passwords are in {path}."


def _disclosure() -> Iterator[str]:
    """The demo disclosure case, built once, and who may sign in to see it."""
    from accord.demo import cvd as cvd_demo

    started = time.monotonic()
    outcome = cvd_demo.seed_cvd(ensure_user=_ensure_user)
    if outcome.created:
        yield (
            f"Demo disclosure world built: case {outcome.case.reference} "
            f"({time.monotonic() - started:.1f} s)."
        )
    else:
        yield f"Demo disclosure case {outcome.case.reference} is in place already."
    yield from _credentials(outcome.accounts)
    yield from cvd_demo.accounts_to_show(outcome.case)


def _figures(today: date, *, rebuild: bool) -> str:
    """Compute the daily adoption figures over the history just written."""
    if not rebuild:
        return "Adoption figures are in place already."
    started = time.monotonic()
    rows = figures.rebuild_snapshots(since=None, until=today)
    return f"Adoption figures computed for every day up to {today}: {rows} rows " + (
        f"({time.monotonic() - started:.1f} s)."
    )
