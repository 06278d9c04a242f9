"""A withheld headline figure is shown as a safe bound ("more than 95%") where the
published figures already show that much, and the bound never reveals a group of fewer
than 5: it is worked out from the publication alone, so every world a reader cannot tell
apart from the true one agrees with it."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.commitments.models import Status
from accord.figures.selectors import Bound
from accord.figures.services import rebuild_snapshots
from accord.figures.suppression import (
    ALL,
    CELLS,
    THRESHOLD,
    PublishedRow,
    SegmentCounts,
    SegmentKey,
    implied_ranges,
    suppress,
)
from tests.figures.factories_metrics import commit, make_orgs

DIMENSIONS = ("sector", "country", "size_band")
NOT_COMMITTED = CELLS  # the fifth cell
# An organisation: (sector, country, size band, status), status 0-3 or 4 for none.
Org = tuple[str, str, str, int]


def segments_of(orgs: list[Org]) -> dict[SegmentKey, SegmentCounts]:
    """The raw figures of one subject: each segment's population and [c, i, v, l]."""
    segments: dict[SegmentKey, SegmentCounts] = {}
    for sector, country, band, status in orgs:
        for key in (ALL, ("sector", sector), ("country", country), ("size_band", band)):
            segment = segments.setdefault(key, SegmentCounts(0, [[0] * CELLS]))
            segment.population += 1
            if status < CELLS:
                segment.rows[0][status] += 1
    return segments


def publication(orgs: list[Org]) -> dict[SegmentKey, PublishedRow]:
    """What is published of the subject, "not committed" included, as the snapshots do."""
    published = suppress(segments_of(orgs), DIMENSIONS, remainder_shown=[0])
    return {
        key: PublishedRow(figures.population, (*figures.rows[0], figures.remainders[0]))
        for key, figures in published.items()
    }


def true_cells(segment: SegmentCounts) -> list[int]:
    row = segment.rows[0]
    return [*row, segment.population - sum(row)]


@st.composite
def organisations(draw: st.DrawFn) -> list[Org]:
    """A membership; each world draws its own mix of statuses, so some are almost all
    committed (the case a bound is for) and some hardly at all."""
    palette = draw(st.lists(st.integers(min_value=0, max_value=CELLS), min_size=1, max_size=6))
    member = st.tuples(
        st.sampled_from(["energy", "finance", "water", ""]),
        st.sampled_from(["DE", "FR", "NL"]),
        st.sampled_from(["small", "large"]),
        st.sampled_from(palette),
    )
    return draw(st.lists(member, min_size=THRESHOLD, max_size=120))


@settings(max_examples=400, deadline=None, database=None)
@given(organisations())
def test_every_implied_range_holds_the_true_count(orgs: list[Org]) -> None:
    """Soundness, on random memberships: the range worked out for each cell of each
    published segment holds the true count. A bound is only ever such a range."""
    segments = segments_of(orgs)
    published = publication(orgs)
    ranges = implied_ranges(published, DIMENSIONS)
    assert set(ranges) == set(published)
    for key, cells in ranges.items():
        truth = true_cells(segments[key])
        for k, (low, high) in enumerate(cells):
            assert low <= truth[k] <= high, (key, k, truth, cells)
            shown = published[key].cells[k]
            if shown is not None:
                assert low == high == shown


def _worlds(populations: dict[str, int]) -> list[list[Org]]:
    """Every membership of one dimension (two sectors) with these populations, as the
    statuses of its organisations (order within a sector does not matter)."""
    per_sector = {
        sector: list(itertools.combinations_with_replacement(range(CELLS + 1), size))
        for sector, size in populations.items()
    }
    return [
        [
            (sector, "DE", "large", status)
            for sector, statuses in zip(per_sector, combo, strict=True)
            for status in statuses
        ]
        for combo in itertools.product(*per_sector.values())
    ]


@pytest.mark.parametrize("populations", [{"energy": 5, "finance": 5}, {"energy": 8, "": 2}])
def test_the_reader_cannot_tell_apart_worlds_the_bound_would_separate(
    populations: dict[str, int],
) -> None:
    """Exhaustively, on small memberships: group every possible membership by what is
    published. Within a group (all the worlds a reader cannot tell apart) the bound shown
    is the same, and it holds in every one of them, so it tells the reader nothing the
    publication did not."""
    groups: dict[tuple[object, ...], list[list[Org]]] = defaultdict(list)
    for world in _worlds(populations):
        published = publication(world)
        groups[tuple(sorted(published.items()))].append(world)
    shown = 0
    for worlds in groups.values():
        published = publication(worlds[0])
        if ALL not in published:
            continue
        ranges = implied_ranges(published, DIMENSIONS)[ALL]
        population = published[ALL].population
        for k in (NOT_COMMITTED, 2):  # "committed to at least one", verified
            if published[ALL].cells[k] is not None:
                continue
            bound = Bound(*ranges[k], population)
            if not bound.text:
                continue
            shown += 1
            # The worlds the reader still holds possible once the bound is shown are
            # all those the publication allowed: it rules none out, so whatever they
            # could infer with it (of any group, small or not) they could without it.
            allowed = [w for w in worlds if bound.lower <= _cell(w, k) <= bound.upper]
            assert allowed == worlds
    assert shown, "no bound was ever shown: the test would prove nothing"


def _cell(world: list[Org], k: int) -> int:
    return true_cells(segments_of(world)[ALL])[k]


@pytest.mark.parametrize(
    ("lower", "upper", "population", "text"),
    [
        (90, 100, 100, "more than 89%"),
        (291, 300, 300, "more than 96%"),
        (955, 1000, 1000, "more than 95%"),
        (50, 60, 100, "more than 49%"),
        (0, 3, 100, "fewer than 4%"),
        (0, 50, 100, "fewer than 51%"),
        (10, 90, 100, ""),
        (0, 100, 100, ""),
    ],
)
def test_a_bound_reads_as_a_whole_percentage_that_is_true(
    lower: int, upper: int, population: int, text: str
) -> None:
    assert Bound(lower, upper, population).text == text


START = date(2025, 1, 1)


@pytest.mark.django_db
def test_the_dashboard_shows_a_bound_where_adoption_is_high(
    client: Client, catalogue: object
) -> None:
    """97 of 100 organisations committed: the exact share (97%) would show that 3 have
    not, so it is withheld, but the other figures show it is above 89%."""
    orgs = make_orgs(60, sector="energy") + make_orgs(40, sector="finance", country="FR")
    statuses = [Status.VERIFIED] * 60 + [Status.IMPLEMENTED] * 20 + [Status.LAPSED] * 7
    statuses += [Status.COMMITTED] * 10
    for org, status in zip(orgs, statuses, strict=False):
        then = [] if status == Status.COMMITTED else [(status, START + timedelta(days=3))]
        if status == Status.LAPSED:
            then = [
                (Status.VERIFIED, START + timedelta(days=2)),
                (status, START + timedelta(days=3)),
            ]
        commit(org, "cvd.security-txt", on=START, then=then)
    rebuild_snapshots(until=START + timedelta(days=5))

    html = client.get("/adoption/").content.decode()
    engaged = re.search(
        r'<div data-figure="organisations_with_commitment"[^>]*>\s*<strong([^>]*)>([^<]+)</strong>',
        html,
    )
    assert engaged is not None
    attributes, text = engaged.groups()
    assert text.startswith("more than ")
    assert 'data-bound="more than' in attributes
    share = int(text.split()[2].rstrip("%"))
    assert 89 <= share < 97  # true, and not the exact figure
    assert "withheld" not in text
