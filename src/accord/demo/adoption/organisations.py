"""The demo organisations: the generated ones, their names, and when each joined."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.text import slugify

from accord.accounts import services as accounts
from accord.accounts.models import Organisation
from accord.evidence import services as evidence
from accord.evidence.models import Domain

SEED = "accord-demo-1"
ORGANISATIONS = 200
HISTORY = timedelta(days=730)
DEMO_SUFFIX = " (demo)"

SECTORS = {
    # sector: (weight, words used in names)
    "software": (14, ["Software", "Systems", "Labs", "Apps"]),
    "cloud": (8, ["Cloud", "Hosting", "Compute"]),
    "finance": (12, ["Bank", "Payments", "Insurance", "Capital"]),
    "telecoms": (7, ["Telecom", "Networks", "Mobile", "Fibre"]),
    "energy": (8, ["Energy", "Power", "Grid", "Renewables"]),
    "health": (8, ["Health", "Clinics", "Medical", "Pharma"]),
    "manufacturing": (9, ["Industries", "Robotics", "Components", "Motors"]),
    "transport": (6, ["Logistics", "Rail", "Shipping", "Airways"]),
    "iot": (6, ["Devices", "Sensors", "Electronics"]),
    "water": (3, ["Water", "Utilities"]),
    "security": (5, ["Security", "Defence Labs", "Secure"]),
    "media": (4, ["Media", "Broadcasting", "Publishing"]),
    "retail": (5, ["Retail", "Markets", "Stores"]),
}
# fmt: off
NAME_WORDS = [
    "Acacia", "Alder", "Amber", "Apex", "Arbor", "Argent", "Atlas", "Azure", "Basalt",
    "Beacon", "Birch", "Bright", "Cairn", "Canopy", "Cascade", "Cinder", "Cobalt", "Comet",
    "Coral", "Cypress", "Dawn", "Drift", "Dune", "Echo", "Elm", "Falcon", "Fern", "Flint",
    "Garnet", "Glacier", "Hazel", "Helix", "Indigo", "Ivory", "Jade", "Kelp", "Lark", "Linden",
    "Lotus", "Maple", "Meridian", "Mesa", "Nimbus", "Oak", "Onyx", "Opal", "Orbit", "Pine",
    "Prism", "Quartz", "Raven", "Ridge", "Saffron", "Sage", "Sierra", "Slate", "Solstice",
    "Sparrow", "Spruce", "Summit", "Tern", "Thistle", "Tidal", "Topaz", "Tundra", "Umber",
    "Vale", "Vertex", "Willow", "Zephyr",
]
# How many demo organisations of each country to expect, relatively.
COUNTRIES = {
    "US": 3, "DE": 3, "FR": 2, "GB": 3, "NL": 2, "JP": 2, "KR": 1, "SG": 1, "AU": 1, "CA": 2,
    "IN": 1, "BR": 1, "ES": 1, "IT": 1, "SE": 1, "NO": 1, "FI": 1, "DK": 1, "CH": 1, "IL": 1,
    "EE": 1, "PL": 1, "IE": 1, "BE": 1, "AT": 1, "NZ": 1, "ZA": 1, "KE": 1, "NG": 1, "MX": 1,
    "CL": 1, "AE": 1,
}
# fmt: on
SIZES = {"micro": 6, "small": 18, "medium": 30, "large": 28, "enterprise": 18}


def rng_for(*names: str) -> random.Random:
    """A generator of its own for each thing drawn, so one does not shift another."""
    return random.Random(":".join([SEED, *names]))  # noqa: S311 (demo data, not secrets)


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    slug: str
    sector: str
    country: str
    size_band: str

    @property
    def domain(self) -> str:
        return f"{self.slug}.example"


def generated_organisations(count: int, *, taken: set[str]) -> list[DemoOrganisation]:
    """`count` fictional organisations, the same every time, avoiding names in `taken`."""
    rng = rng_for()
    sectors = list(SECTORS)
    weights = [SECTORS[sector][0] for sector in sectors]
    made: list[DemoOrganisation] = []
    seen = {name.lower() for name in taken}
    while len(made) < count:
        sector = rng.choices(sectors, weights)[0]
        name = f"{rng.choice(NAME_WORDS)} {rng.choice(SECTORS[sector][1])}{DEMO_SUFFIX}"
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        size = rng.choices(list(SIZES), list(SIZES.values()))[0]
        slug = f"{slugify(name.removesuffix(DEMO_SUFFIX))}-demo"
        country = rng.choices(list(COUNTRIES), list(COUNTRIES.values()))[0]
        made.append(DemoOrganisation(name, slug, sector, country, size))
    return made


def ensure_organisations(*, total: int, now: datetime) -> int:
    """Create the generated demo organisations (with a domain each) that are missing, so
    that with the named ones there are `total`; returns how many were created.

    A generated organisation whose name or slug is taken already is left out.
    """
    from accord.demo import DEMO_ORGANISATIONS

    named = {row[0] for row in DEMO_ORGANISATIONS}
    wanted = generated_organisations(max(total - len(named), 0), taken=named)
    existing = Organisation.objects.filter(
        Q(name__in=[o.name for o in wanted]) | Q(slug__in=[o.slug for o in wanted])
    ).values_list("name", "slug")
    taken = {value for pair in existing for value in pair}
    missing = [o for o in wanted if o.name not in taken and o.slug not in taken]
    joined = {o.slug: join_moment(rng_for(o.slug), now) for o in missing}
    created = accounts.import_demo_organisations(
        organisations=[
            Organisation(
                name=o.name,
                slug=o.slug,
                sector=o.sector,
                country=o.country,
                size_band=o.size_band,
                is_demo=True,
                created_at=joined[o.slug],
            )
            for o in missing
        ]
    )
    evidence.import_demo_domains(
        domains=[
            Domain(organisation=org, name=f"{org.slug}.example", added_at=org.created_at)
            for org in created
        ]
    )
    return len(created)


def join_moment(rng: random.Random, now: datetime) -> datetime:
    """When an organisation joined: in one of three waves, or in the trickle between."""
    start, days = now - HISTORY, HISTORY.days
    wave = rng.random()
    if wave < 0.35:
        day = rng.gauss(30, 15)
    elif wave < 0.6:
        day = rng.gauss(330, 25)
    elif wave < 0.8:
        day = rng.gauss(560, 25)
    else:
        day = rng.uniform(0, days - 15)
    return start + timedelta(days=min(max(day, 1.0), days - 10))
