"""Disclosure control for published adoption figures: pure functions, no I/O.

The rule: no published figure may describe fewer than 5 distinct organisations
(`THRESHOLD`), whether it is shown or can be worked out from what is shown.

What is published for a day: segments (everyone; each sector, each country, each size
band), each with its population and, per subject (a practice, a norm, a framework, or
overall), how many organisations stood at each status: committed, implemented,
verified, lapsed. With the population known, the fifth cell "not committed" follows by
subtraction, so a subject's row is a linear relation of five cells, and the segments of
one dimension add up to the "all" segment, a second relation. Shares are counts over
the population and reveal nothing more.

1. Primary suppression. A segment of fewer than 5 organisations is not published at
   all; neither is the group whose sector, country or size band is not stated. A cell
   counting 1 to 4 organisations is hidden. A zero is shown: it describes no
   organisation.
2. Secondary suppression, so hidden cells cannot be recovered by subtraction. In every
   relation (the five cells of a row; the segments of a dimension against "all", for
   populations and for each cell) the hidden cells must together count 0 or at least 5
   organisations; while they count 1 to 4, the smallest non-zero visible cell of that
   relation is hidden too. Hiding one of a row's four cells also hides "not committed".
   Both steps repeat until nothing changes.

Only the relations above are protected. Figures of different days are not: the
difference between two days shows how many organisations changed status in between
(not which ones). Rates and medians are published only when at least 5 organisations
stand behind them, with no counts beside them, so they add no relation.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
CELLS = 4  # committed, implemented, verified, lapsed; "not committed" is cell 4
NOT_COMMITTED = 4

type SegmentKey = tuple[str, str]
ALL: SegmentKey = ("all", "")
_UNPUBLISHED: SegmentKey = ("", "")  # stands for a dimension's unpublished segments


@dataclass
class SegmentCounts:
    """Raw figures of one segment: population and per subject [c, i, v, l]."""

    population: int
    rows: list[list[int]]


@dataclass(frozen=True)
class Published:
    """What may be published of one segment: per subject [c, i, v, l], None if hidden,
    and for the subjects whose "not committed" is published, that count (else None)."""

    population: int
    rows: list[list[int | None]]
    remainders: dict[int, int | None]


def is_sensitive(count: int) -> bool:
    return 0 < count < THRESHOLD


def protect[K: Hashable](
    values: Mapping[K, int], hidden: set[K], candidates: Iterable[K]
) -> set[K]:
    """Hide more of `candidates` until the hidden cells count 0 or at least THRESHOLD.

    Takes the smallest non-zero visible cell each time (ties: the first in
    `candidates`). Returns what it added; `hidden` is updated in place.
    """
    order = [key for key in candidates if key not in hidden and values[key] > 0]
    order.sort(key=lambda key: values[key])  # stable: ties keep the candidates' order
    added: set[K] = set()
    mass = sum(values[key] for key in hidden)
    for key in order:
        if not 0 < mass < THRESHOLD:
            break
        hidden.add(key)
        added.add(key)
        mass += values[key]
    return added


def publishable_segments(
    populations: Mapping[SegmentKey, int], dimensions: Sequence[str]
) -> set[SegmentKey]:
    """The segments whose population may be published (the "all" one included)."""
    if populations.get(ALL, 0) < THRESHOLD:
        return set()
    published = {ALL}
    for dimension in dimensions:
        siblings = {key: pop for key, pop in populations.items() if key[0] == dimension}
        hidden = {key for key, pop in siblings.items() if is_sensitive(pop) or not key[1]}
        protect(siblings, hidden, sorted(siblings))
        published |= {key for key, pop in siblings.items() if key not in hidden and pop}
    return published


def suppress(
    segments: Mapping[SegmentKey, SegmentCounts],
    dimensions: Sequence[str],
    *,
    remainder_shown: Iterable[int] = (),
) -> dict[SegmentKey, Published]:
    """Apply primary and secondary suppression to one day's figures.

    `segments` holds every segment with organisations, including the groups with no
    stated value (value ""), which are never published but take part in the sums.
    Subjects are independent of each other (no relation spans two), so each is
    protected on its own. For the subjects in `remainder_shown` "not committed" is
    published too (so "committed to at least one" can be): it is then an ordinary cell,
    and a row with hidden cells needs two of them, together 5 or more.
    """
    shown_remainders = set(remainder_shown)
    published = sorted(
        publishable_segments({key: seg.population for key, seg in segments.items()}, dimensions)
    )
    if not published:
        return {}
    index = {key: i for i, key in enumerate(published)}
    populations = [segments[key].population for key in published]
    columns = [
        (
            [index[key] for key in published if key[0] == dimension],
            [key for key in segments if key[0] == dimension and key not in index],
        )
        for dimension in dimensions
    ]
    out: dict[SegmentKey, list[list[int | None]]] = {
        key: list(segments[key].rows)  # type: ignore[arg-type]
        for key in published
    }
    remainders: dict[SegmentKey, dict[int, int | None]] = {key: {} for key in published}
    for subject in range(len(segments[ALL].rows)):
        values = [
            (*row, pop - sum(row))
            for row, pop in zip(
                (segments[key].rows[subject] for key in published), populations, strict=True
            )
        ]
        unpublished = [
            (members, _column_sums(segments, hidden_keys, subject))
            for members, hidden_keys in columns
        ]
        shown = subject in shown_remainders
        hidden = _Subject(values, index[ALL], unpublished, remainder_shown=shown).protect()
        if shown:
            for i, key in enumerate(published):
                remainders[key][subject] = (
                    None if hidden[i] & _NOT_COMMITTED_BIT else values[i][NOT_COMMITTED]
                )
        for i, mask in enumerate(hidden):
            if mask & _SHOWN_CELLS:
                row: list[int | None] = list(values[i][:CELLS])
                for k in range(CELLS):
                    if mask >> k & 1:
                        row[k] = None
                out[published[i]][subject] = row
    return {
        key: Published(
            population=segments[key].population,
            rows=out[key],
            remainders=remainders[key],
        )
        for key in published
    }


_SHOWN_CELLS = (1 << CELLS) - 1  # bits of committed, implemented, verified, lapsed
_NOT_COMMITTED_BIT = 1 << NOT_COMMITTED


def _column_sums(
    segments: Mapping[SegmentKey, SegmentCounts], keys: list[SegmentKey], subject: int
) -> list[int]:
    sums = [0] * (CELLS + 1)
    for key in keys:
        seg = segments[key]
        row = seg.rows[subject]
        for k in range(CELLS):
            sums[k] += row[k]
        sums[NOT_COMMITTED] += seg.population - sum(row)
    return sums


class _Subject:
    """One subject's cells across the published segments: five values per segment and
    a bit mask of hidden cells; the dimensions as (member segments, column sums of the
    unpublished segments, which count as hidden)."""

    def __init__(
        self,
        values: list[tuple[int, ...]],
        all_index: int,
        dimensions: list[tuple[list[int], list[int]]],
        *,
        remainder_shown: bool = False,
    ):
        self.values = values
        self.all_index = all_index
        self.dimensions = dimensions
        self.hidden = [0] * len(values)
        self.remainder_shown = remainder_shown

    def protect(self) -> list[int]:
        rows: Iterable[int] = range(len(self.values))
        while rows:
            for i in rows:
                self._protect_row(i)
            touched: set[int] = set()
            for members, unpublished in self.dimensions:
                touched |= self._protect_dimension(members, unpublished)
            rows = touched
        return self.hidden

    def _protect_row(self, i: int) -> None:
        values, mask = self.values[i], self.hidden[i]
        for k in range(CELLS):
            if 0 < values[k] < THRESHOLD:
                mask |= 1 << k
        if self.remainder_shown:
            if 0 < values[NOT_COMMITTED] < THRESHOLD:
                mask |= _NOT_COMMITTED_BIT
            self.hidden[i] = self._complete(values, mask, range(CELLS + 1))
            return
        if not mask and not 0 < values[NOT_COMMITTED] < THRESHOLD:
            return
        mask |= _NOT_COMMITTED_BIT  # unknown once a shown cell is hidden
        self.hidden[i] = self._complete(values, mask, range(CELLS))

    def _complete(self, values: tuple[int, ...], mask: int, cells: Iterable[int]) -> int:
        """Add the smallest non-zero `cells` to a row's hidden ones until they are at
        least two (none, or one of the two being "not committed" when it is not
        published) and count 0 or at least THRESHOLD organisations."""
        if not mask:
            return mask
        hidden = [k for k in range(CELLS + 1) if mask >> k & 1]
        mass = sum(values[k] for k in hidden)
        count = len(hidden)
        if count >= 2 and not 0 < mass < THRESHOLD:
            return mask
        shown = sorted((values[k], k) for k in cells if not mask >> k & 1 and values[k])
        for value, k in shown:
            mask |= 1 << k
            mass += value
            count += 1
            if count >= 2 and mass >= THRESHOLD:
                break
        return mask

    def _protect_dimension(self, members: list[int], unpublished: list[int]) -> set[int]:
        hidden, values = self.hidden, self.values
        anything = 0
        for i in members:
            anything |= hidden[i]
        touched: set[int] = set()
        for k in range(CELLS + 1):
            if hidden[self.all_index] >> k & 1:
                continue
            if not anything >> k & 1 and not 0 < unpublished[k] < THRESHOLD:
                continue
            mass = unpublished[k] + sum(values[i][k] for i in members if hidden[i] >> k & 1)
            if not 0 < mass < THRESHOLD:
                continue
            shown = sorted((values[i][k], i) for i in members if not hidden[i] >> k & 1)
            for value, i in shown:
                if value:
                    self._hide(i, k)
                    touched.add(i)
                    mass += value
                    if mass >= THRESHOLD:
                        break
        return touched

    def _hide(self, i: int, k: int) -> None:
        values = self.values[i]
        if self.remainder_shown:
            self.hidden[i] = self._complete(values, self.hidden[i] | 1 << k, range(CELLS + 1))
            return
        mask = self.hidden[i] | 1 << k | _NOT_COMMITTED_BIT
        if k == NOT_COMMITTED:
            # "Not committed" is worked out from the population and the four shown
            # cells, so hiding it means hiding one of them: the smallest.
            shown = [(values[c], c) for c in range(CELLS) if not mask >> c & 1]
            if shown:
                mask |= 1 << min(shown)[1]
        self.hidden[i] = mask


# ---------------------------------------------------------------------------------------
# What a reader can work out of a hidden cell: a safe bound to show instead of "withheld"

type Interval = tuple[int, int]
ROW_CELLS = CELLS + 1  # committed, implemented, verified, lapsed, not committed


@dataclass(frozen=True)
class PublishedRow:
    """One published segment's row of a subject whose "not committed" is published too:
    its population and its five cells, None where hidden."""

    population: int
    cells: tuple[int | None, ...]


def implied_ranges(
    rows: Mapping[SegmentKey, PublishedRow], dimensions: Sequence[str]
) -> dict[SegmentKey, list[Interval]]:
    """The range each cell of each published segment must lie in, given only what is
    published: the populations, the shown cells, and the relations every reader knows
    (a row's cells add up to its population; a dimension's segments, with the groups not
    published, add up to "all"; no count is negative).

    It reads nothing but the publication, so whatever it shows was already there to be
    worked out: showing it reveals no organisation the suppression hides. It is sound
    (the true count always lies in its range) though not always the narrowest range.
    """
    if ALL not in rows:
        return {}
    system = _System(rows, dimensions)
    if not system.settle():
        return {}  # figures that contradict each other: nothing can be said safely
    return {key: [system.ranges[("cell", key, k)] for k in range(ROW_CELLS)] for key in rows}


class _System:
    """The published relations as equations `sum(sign * variable) == constant` over
    integer variables with ranges, narrowed by bounds propagation until nothing moves."""

    def __init__(self, rows: Mapping[SegmentKey, PublishedRow], dimensions: Sequence[str]):
        self.ranges: dict[Hashable, Interval] = {}
        self.equations: list[tuple[list[tuple[Hashable, int]], int]] = []
        total = rows[ALL].population
        for key, row in rows.items():
            cells: list[Hashable] = [("cell", key, k) for k in range(ROW_CELLS)]
            for var, value in zip(cells, row.cells, strict=True):
                self.ranges[var] = (value, value) if value is not None else (0, row.population)
            self.equations.append(([(var, 1) for var in cells], row.population))
        for dimension in dimensions:
            members = [key for key in rows if key[0] == dimension]
            rest = total - sum(rows[key].population for key in members)
            unpublished: list[Hashable] = [("rest", dimension, k) for k in range(ROW_CELLS)]
            for var in unpublished:
                self.ranges[var] = (0, rest)
            self.equations.append(([(var, 1) for var in unpublished], rest))
            for k in range(ROW_CELLS):
                terms: list[tuple[Hashable, int]] = [(("cell", ALL, k), 1), (unpublished[k], -1)]
                terms += [(("cell", key, k), -1) for key in members]
                self.equations.append((terms, 0))

    def settle(self, *, rounds: int = 200) -> bool:
        """Narrow until nothing moves; False if the relations contradict each other (or
        do not settle), which published figures never do."""
        for _ in range(rounds):
            changed = False
            for terms, constant in self.equations:
                changed |= self._narrow(terms, constant)
            if any(low > high for low, high in self.ranges.values()):
                return False
            if not changed:
                return True
        return False

    def _narrow(self, terms: list[tuple[Hashable, int]], constant: int) -> bool:
        # Each term's share of the sum lies in [low, high]; the others bound it.
        spans = [self._span(var, sign) for var, sign in terms]
        low_sum = sum(low for low, _ in spans)
        high_sum = sum(high for _, high in spans)
        changed = False
        for (var, sign), (low, high) in zip(terms, spans, strict=True):
            new_low = max(low, constant - (high_sum - high))
            new_high = min(high, constant - (low_sum - low))
            if (new_low, new_high) != (low, high):
                lo, hi = (new_low, new_high) if sign > 0 else (-new_high, -new_low)
                old = self.ranges[var]
                narrowed = (max(old[0], lo), min(old[1], hi))
                if narrowed != old:
                    self.ranges[var] = narrowed
                    changed = True
        return changed

    def _span(self, var: Hashable, sign: int) -> Interval:
        low, high = self.ranges[var]
        return (low, high) if sign > 0 else (-high, -low)
