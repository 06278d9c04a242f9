"""Fictional demo data for `accord demo`: organisations, people and their roles.

Every organisation created here is flagged `is_demo` and named as fictional, so demo
figures can never be mistaken for real members. Running it again changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accord.accounts import services as accounts
from accord.accounts.models import Membership, Organisation, User

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
    user = accounts.create_user(email=email, password=password, full_name=email.split("@")[0])
    if role:
        user.instance_role = role
        user.save(update_fields=["instance_role"])
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
        accounts.add_domain(organisation=organisation, name=domain, actor=None)
    for local, role in (("admin", Membership.Role.ORG_ADMIN), ("member", Membership.Role.MEMBER)):
        user, password = _ensure_user(f"{local}@{domain}")
        if password:
            accounts.add_member(organisation=organisation, user=user, role=role)
            created.append((user.email, password))
    return organisation, created


@transaction.atomic
def seed_demo() -> Iterator[str]:
    """Create the demo organisations and people; yield lines to show the operator."""
    created: list[tuple[str, str]] = []
    for row in DEMO_ORGANISATIONS:
        created += _ensure_organisation(row)[1]
    observer, password = _ensure_user("observer@gov.example", User.InstanceRole.OBSERVER)
    if password:
        created.append((observer.email, password))
    yield f"{len(DEMO_ORGANISATIONS)} fictional demo organisations are in place."
    if created:
        path = _credentials_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{email}\t{password}\n" for email, password in created)
        path.chmod(0o600)
        yield f"Created {len(created)} demo accounts; their passwords are in {path}."
    yield "Sign in as admin@aurora-cloud.example to see an organisation admin's view."
    yield "Create a secretariat admin with `accord createadmin`."
