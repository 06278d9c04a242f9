"""Reading the catalogue: pages, API routes and exports get their data here.

Each getter fetches what its page shows in a fixed number of queries (related rows are
joined or prefetched), so the count does not grow with the catalogue. Getters return
None for an unknown id; the caller turns that into its own 404.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from accord.catalogue.exceptions import SearchQueryTooLong
from accord.catalogue.models import (
    Area,
    CatalogueVersion,
    Framework,
    Mapping,
    Norm,
    Practice,
    Profile,
)

MAX_QUERY_LENGTH = 200

# How a practice is verified: the vocabulary other apps compare a practice's with.
Verification = Practice.Verification


def current_version() -> CatalogueVersion | None:
    """The catalogue version this instance serves, or None before `accord init`."""
    return CatalogueVersion.objects.filter(is_current=True).first()


def catalogue_summary() -> dict[str, Any] | None:
    """The catalogue in figures for the home page and the API, or None when not loaded."""
    version = current_version()
    if version is None:
        return None
    practices = Practice.objects.current().aggregate(
        total=Count("id"), automated=Count("id", filter=Q(verification="automated"))
    )
    return {
        "version": version.version,
        "released_on": version.released_on,
        "frameworks": Framework.objects.count(),
        "norms": Norm.objects.count(),
        "practices": practices["total"],
        "automated": practices["automated"],
        "profiles": Profile.objects.count(),
    }


def _current_practices() -> QuerySet[Practice]:
    return Practice.objects.current().select_related("area")


def _current_mappings() -> QuerySet[Mapping]:
    """Mappings of current practices, in the practices' order, with what a row shows."""
    return (
        Mapping.objects.filter(practice__withdrawn_in__isnull=True)
        .select_related("practice__area")
        .order_by("practice__area__position", "practice__position", "practice__slug")
    )


def _counted_norms() -> QuerySet[Norm]:
    """Norms, each with `practice_count`: how many current practices serve it."""
    # Explicit order: Django leaves Meta.ordering out of aggregating (GROUP BY) queries.
    return Norm.objects.annotate(
        practice_count=Count("mappings", filter=Q(mappings__practice__withdrawn_in__isnull=True))
    ).order_by("framework__position", "position")


def list_frameworks() -> list[Framework]:
    """Every framework with its norms, each norm with `practice_count`."""
    norms = Prefetch("norms", queryset=_counted_norms())
    return list(Framework.objects.prefetch_related(norms))


def get_framework(slug: str) -> Framework | None:
    """One framework; each norm with `practice_count` and `current_mappings`."""
    norms = _counted_norms().prefetch_related(
        Prefetch("mappings", queryset=_current_mappings(), to_attr="current_mappings")
    )
    frameworks = Framework.objects.prefetch_related(Prefetch("norms", queryset=norms))
    return frameworks.filter(slug=slug).first()


def get_norm(framework_slug: str, key: str) -> Norm | None:
    """One norm, with its framework and `current_mappings` to its current practices."""
    norms = (
        _counted_norms()
        .select_related("framework")
        .prefetch_related(
            Prefetch("mappings", queryset=_current_mappings(), to_attr="current_mappings")
        )
    )
    return norms.filter(framework__slug=framework_slug, key=key).first()


def _mappings_with_norms() -> Prefetch[Any]:
    """A practice's mappings, each with its norm and the norm's framework."""
    return Prefetch("mappings", queryset=Mapping.objects.select_related("norm__framework"))


def _practice_details() -> QuerySet[Practice]:
    return Practice.objects.select_related("area").prefetch_related(
        _mappings_with_norms(), "profiles"
    )


def get_practice(slug: str) -> Practice | None:
    """One practice, withdrawn or not, with its area, mappings (grouped by framework
    when iterated in order) and the profiles that contain it."""
    return _practice_details().filter(slug=slug).first()


def practices_checked_by(check_id: str) -> list[Practice]:
    """The current practices the automated check `check_id` verifies."""
    return list(_current_practices().filter(check_id=check_id).order_by("slug"))


def list_areas() -> list[Area]:
    """The areas that have current practices, each with `current_practices`."""
    practices = Prefetch(
        "practices", queryset=Practice.objects.current(), to_attr="current_practices"
    )
    areas = Area.objects.filter(practices__withdrawn_in__isnull=True).distinct()
    return list(Area.objects.filter(pk__in=areas.values("pk")).prefetch_related(practices))


def list_profiles() -> list[Profile]:
    """Every profile, each with `current_practices` (with their area)."""
    return list(Profile.objects.prefetch_related(_profile_practices()))


def profiles_with_practices(practice_ids: Iterable[int]) -> list[Profile]:
    """The profiles that hold any of these practices."""
    return list(Profile.objects.filter(practices__in=list(practice_ids)).distinct())


def get_profile(slug: str) -> Profile | None:
    """One profile with `current_practices` (with their area)."""
    return Profile.objects.prefetch_related(_profile_practices()).filter(slug=slug).first()


def _profile_practices() -> Prefetch[Any]:
    return Prefetch("practices", queryset=_current_practices(), to_attr="current_practices")


def list_practices(
    *,
    area: str | None = None,
    level: str | None = None,
    verification: str | None = None,
    framework: str | None = None,
    norm: str | None = None,
    query: str | None = None,
) -> QuerySet[Practice]:
    """Current practices, filtered; with a search `query`, ranked as `search_practices`.

    `norm` reads `<framework-id>:<norm-id>`. Raises `SearchQueryTooLong`.
    """
    practices = search_practices(query) if query and query.strip() else _current_practices()
    filters = {"area__slug": area, "level": level, "verification": verification}
    practices = practices.filter(**{name: value for name, value in filters.items() if value})
    mapped = Mapping.objects.all()
    if framework:
        mapped = mapped.filter(norm__framework__slug=framework)
    if norm:
        framework_slug, _, key = norm.partition(":")
        mapped = mapped.filter(norm__framework__slug=framework_slug, norm__key=key)
    if framework or norm:
        practices = practices.filter(pk__in=mapped.values("practice_id"))
    return practices.prefetch_related(_mappings_with_norms())


def search_terms(query: str) -> list[str]:
    """The case-folded terms of a search; raises `SearchQueryTooLong`."""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryTooLong(MAX_QUERY_LENGTH)
    return query.casefold().split()


def search_practices(query: str) -> QuerySet[Practice]:
    """Current practices that contain every term of `query`, best first.

    Matches the practice's id, title, statement, rationale, evidence and references,
    case-insensitively, through the case-folded `search_text` the loader stores (plain
    LIKE, so the same on SQLite and PostgreSQL). Practices whose title holds more of the
    terms come first, then those whose id does, then catalogue order. An empty query
    finds nothing; one over `MAX_QUERY_LENGTH` characters raises `SearchQueryTooLong`.
    """
    terms = search_terms(query)
    if not terms:
        return Practice.objects.none()
    practices = _current_practices()
    for term in terms:
        practices = practices.filter(search_text__contains=term)
    return practices.annotate(
        title_hits=_hits("title__icontains", terms), id_hits=_hits("slug__icontains", terms)
    ).order_by("-title_hits", "-id_hits", "area__position", "position", "slug")


def _hits(lookup: str, terms: list[str]) -> Combinable:
    counts = [Case(When(Q(**{lookup: term}), then=Value(1)), default=Value(0)) for term in terms]
    return functools.reduce(operator.add, counts)


def practices_for_export() -> QuerySet[Practice]:
    """Current practices in catalogue order, with area and mappings to norms."""
    return _current_practices().prefetch_related(_mappings_with_norms())


# The catalogue's subjects as plain rows, in catalogue order, for the adoption figures.


def framework_rows() -> list[tuple[str, str, str]]:
    """(slug, title, short title) of every framework."""
    return list(Framework.objects.order_by("position", "slug").values_list(
        "slug", "title", "short_title"
    ))  # fmt: skip


def norm_rows() -> list[tuple[str, str, str, str, str]]:
    """(framework slug, key, reference, title, framework short title) of every norm."""
    return list(Norm.objects.order_by("framework__position", "position").values_list(
        "framework__slug", "key", "reference", "title", "framework__short_title"
    ))  # fmt: skip


def practice_rows() -> list[tuple[int, str, str, str]]:
    """(id, slug, title, area title) of every practice."""
    return list(Practice.objects.order_by("area__position", "position", "slug").values_list(
        "pk", "slug", "title", "area__title"
    ))  # fmt: skip


def mapping_rows() -> list[tuple[int, str, str]]:
    """(practice id, framework slug, norm key) of every mapping of a practice to a norm."""
    return list(Mapping.objects.values_list("practice_id", "norm__framework__slug", "norm__key"))
