"""Disclosure control: no published figure, shown or worked out by subtraction,
describes 1 to 4 organisations."""

from __future__ import annotations

import random

from accord.figures.suppression import (
    ALL,
    CELLS,
    THRESHOLD,
    Published,
    SegmentCounts,
    SegmentKey,
    publishable_segments,
    suppress,
)

DIMENSIONS = ("sector", "country", "size_band")


def day(
    rows_by_sector: dict[str, tuple[int, list[int]]], *, country: str = "DE", band: str = "large"
) -> dict[SegmentKey, SegmentCounts]:
    """One subject; sectors given as population and [c, i, v, l]; one country, one band."""
    total_pop = sum(pop for pop, _ in rows_by_sector.values())
    total = [sum(row[k] for _, row in rows_by_sector.values()) for k in range(CELLS)]
    segments = {ALL: SegmentCounts(total_pop, [total])}
    segments[("country", country)] = SegmentCounts(total_pop, [list(total)])
    segments[("size_band", band)] = SegmentCounts(total_pop, [list(total)])
    for sector, (pop, row) in rows_by_sector.items():
        segments[("sector", sector)] = SegmentCounts(pop, [row])
    return segments


def test_a_group_of_fewer_than_5_organisations_is_not_published() -> None:
    assert publishable_segments({ALL: 4}, DIMENSIONS) == set()
    assert publishable_segments({ALL: 5}, DIMENSIONS) == {ALL}
    assert suppress({ALL: SegmentCounts(4, [[1, 1, 1, 1]])}, DIMENSIONS) == {}


def test_counts_of_1_to_4_are_hidden_and_zero_is_shown() -> None:
    published = suppress({ALL: SegmentCounts(40, [[0, 5, 3, 20]])}, DIMENSIONS)[ALL]
    row = published.rows[0]
    assert row[0] == 0
    assert row[2] is None
    assert row[1] == 5  # hidden besides the 3, so that 40 - 0 - 20 cannot give it
    assert row[3] == 20 or row[3] is None


def test_a_lone_hidden_count_cannot_be_worked_out_from_the_population() -> None:
    # Everyone committed: "not committed" is 0, so hiding 3 alone would reveal it.
    published = suppress({ALL: SegmentCounts(33, [[10, 20, 3, 0]])}, DIMENSIONS)[ALL]
    hidden = [k for k, value in enumerate(published.rows[0]) if value is None]
    assert 2 in hidden
    assert len(hidden) >= 2


def test_a_small_not_committed_count_hides_a_shown_one() -> None:
    # 2 organisations have not committed: 30 - (10 + 8 + 10 + 0) would show it.
    published = suppress({ALL: SegmentCounts(30, [[10, 8, 10, 0]])}, DIMENSIONS)[ALL]
    assert None in published.rows[0]


def test_a_sector_of_3_hides_the_next_smallest_sector_too() -> None:
    segments = day({"energy": (40, [10, 10, 10, 0]), "water": (3, [1, 1, 1, 0]),
                    "health": (12, [2, 5, 5, 0])})  # fmt: skip
    published = suppress(segments, DIMENSIONS)
    assert ("sector", "water") not in published
    assert ("sector", "health") not in published  # else all - energy - health = water
    assert ("sector", "energy") in published


def test_a_hidden_cell_cannot_be_recovered_from_the_total_minus_other_sectors() -> None:
    segments = day({"energy": (40, [10, 10, 12, 8]), "water": (20, [10, 5, 3, 2]),
                    "health": (30, [10, 10, 10, 0])})  # fmt: skip
    published = suppress(segments, DIMENSIONS)
    water = published[("sector", "water")].rows[0]
    assert water[2] is None
    total = published[ALL].rows[0][2]
    others = [published[("sector", s)].rows[0][2] for s in ("energy", "health")]
    assert total is None or None in others


def test_the_unstated_group_counts_as_hidden() -> None:
    segments = day({"energy": (40, [10, 10, 10, 10]), "": (6, [0, 0, 2, 0]),
                    "health": (30, [10, 10, 10, 0])})  # fmt: skip
    published = suppress(segments, DIMENSIONS)
    assert ("sector", "") not in published
    verified = [published[("sector", s)].rows[0][2] for s in ("energy", "health")]
    assert published[ALL].rows[0][2] is None or None in verified


def test_a_published_remainder_makes_two_cells_hide() -> None:
    published = suppress(
        {ALL: SegmentCounts(30, [[10, 8, 10, 2]])}, DIMENSIONS, remainder_shown=[0]
    )[ALL]
    assert published.remainders[0] == 0
    assert sum(value is None for value in published.rows[0]) >= 2


def _check_relations(
    segments: dict[SegmentKey, SegmentCounts], out: dict[SegmentKey, Published]
) -> None:
    """Every row and every dimension column: hidden cells count 0 or at least 5."""
    for key, published in out.items():
        seg = segments[key]
        for raw, row in zip(seg.rows, published.rows, strict=True):
            hidden = [raw[k] for k in range(CELLS) if row[k] is None]
            if hidden:
                mass = sum(hidden) + seg.population - sum(raw)  # "not committed" unknown
                assert mass == 0 or mass >= THRESHOLD, (key, raw, row)
            assert all(v is None or v == 0 or v >= THRESHOLD for v in row), (key, row)
    for dimension in DIMENSIONS:
        siblings = [key for key in segments if key[0] == dimension]
        for subject in range(len(segments[ALL].rows)):
            for k in range(CELLS):
                if ALL not in out or out[ALL].rows[subject][k] is None:
                    continue
                mass = sum(
                    segments[key].rows[subject][k]
                    for key in siblings
                    if key not in out or out[key].rows[subject][k] is None
                )
                assert mass == 0 or mass >= THRESHOLD, (dimension, subject, k, mass)


def test_no_hidden_count_of_1_to_4_can_be_recovered_on_random_days() -> None:
    rng = random.Random(7)
    for _ in range(150):
        orgs = [
            (rng.choice("abcdef" + " "), rng.choice("XYZ"), rng.choice("sm"))
            for _ in range(rng.randint(3, 60))
        ]
        subjects = 3
        statuses = [[rng.choice([None, 0, 1, 2, 3]) for _ in range(subjects)] for _ in orgs]
        segments: dict[SegmentKey, SegmentCounts] = {}
        for (sector, country, band), row in zip(orgs, statuses, strict=True):
            sector = sector.strip()
            for key in (ALL, ("sector", sector), ("country", country), ("size_band", band)):
                seg = segments.setdefault(
                    key, SegmentCounts(0, [[0] * CELLS for _ in range(subjects)])
                )
                seg.population += 1
                for subject, status in enumerate(row):
                    if status is not None:
                        seg.rows[subject][status] += 1
        _check_relations(segments, suppress(segments, DIMENSIONS))
