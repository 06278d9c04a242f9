"""Adoption figures: computed from the raw records, once, and kept as daily snapshots.

This module is the one place where figures are computed. `replay` replays the
commitments and their status changes day by day and makes, for every day and published
segment, a `DailySnapshot` (suppression already applied, see `suppression`), which
`services.rebuild_snapshots` stores. The dashboard, the open data and the yearly report
only read those rows (`selectors`), so they show the same numbers by construction.

Definitions (the dashboard's method note says the same in words):

- A day's figures describe the end of that day in the instance's time zone.
- Population: member organisations (`is_member`) that joined by then: created, or
  first committed if earlier. Demo organisations are included (and flagged); those
  the secretariat suspended or removed are not (`accounts.counted_organisations`).
- A practice's figures: organisations whose commitment to it (made and not withdrawn
  by then) stood at each status: committed, implemented, verified, lapsed.
- A norm's (framework's, overall) figures: organisations by the most advanced status
  among their commitments to practices serving it, in the order verified, implemented,
  committed, lapsed: an organisation counts as lapsed only if every one of those
  commitments has lapsed. Mappings are the catalogue's when the snapshot is built.
- The period of a day's figures is the 365 days ending with it.
- Median days to verified: over the commitments first verified within the period,
  the median of the days from the commitment to its first verification
  (`first_verified_at` - `committed_at`, in calendar days).
- Lapse rate: of the commitments that stood at verified at any moment within the
  period, the share that went from verified to lapsed within the period.
- Either is published only when the commitments behind it belong to at least 5
  organisations.
- Sector, country and size band are the organisations' current ones; memberships
  that ended are not in the records (see "What the data cannot show").
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from accord.accounts import selectors as accounts
from accord.catalogue import selectors as catalogue
from accord.commitments import selectors as commitments
from accord.commitments.status import Status
from accord.figures.models import DailySnapshot, Dimension
from accord.figures.suppression import (
    ALL,
    THRESHOLD,
    SegmentCounts,
    SegmentKey,
    suppress,
)

PERIOD_DAYS = 365
DIMENSIONS: tuple[str, ...] = (Dimension.SECTOR, Dimension.COUNTRY, Dimension.SIZE_BAND)
STATUSES: tuple[str, ...] = (
    Status.COMMITTED,
    Status.IMPLEMENTED,
    Status.VERIFIED,
    Status.LAPSED,
)
_INDEX = {status: i for i, status in enumerate(STATUSES)}
# Most advanced first: verified, implemented, committed, lapsed.
_ADVANCE = (_INDEX[Status.VERIFIED], _INDEX[Status.IMPLEMENTED], 0, _INDEX[Status.LAPSED])
OVERALL = "overall"


def subject_keys() -> tuple[list[str], dict[int, list[int]]]:
    """Every subject in catalogue order, and the subjects each practice (by id) counts
    towards: itself, the norms it serves, their frameworks, and overall."""
    frameworks = [f"framework:{slug}" for slug, *_ in catalogue.framework_rows()]
    norms = [f"norm:{fw}:{key}" for fw, key, *_ in catalogue.norm_rows()]
    practices = [(pk, slug) for pk, slug, *_ in catalogue.practice_rows()]
    keys = [OVERALL, *frameworks, *norms, *(f"practice:{slug}" for _, slug in practices)]
    index = {key: i for i, key in enumerate(keys)}
    counts_towards: dict[int, list[int]] = {
        pk: [index[f"practice:{slug}"], index[OVERALL]] for pk, slug in practices
    }
    for practice_id, fw, key in catalogue.mapping_rows():
        targets = counts_towards[practice_id]
        for subject in (index[f"norm:{fw}:{key}"], index[f"framework:{fw}"]):
            if subject not in targets:
                targets.append(subject)
    return keys, counts_towards


# ---------------------------------------------------------------------------------------
# Building


def replay(
    *, since: date | None = None, until: date
) -> tuple[date, Iterator[tuple[date, list[DailySnapshot]]]] | None:
    """The figures of every day from `since` (default: the first commitment) to `until`,
    as unsaved rows day by day, with the first day; None when there is nothing to count.
    `services.rebuild_snapshots` stores them."""
    history = _History.load(until=until)
    if history.first_day is None or history.first_day > until:
        return None
    start = max(since or history.first_day, history.first_day)
    return start, history.replay(start=start, until=until)


def _to_day(moment: datetime, zone: Any) -> date:
    return moment.astimezone(zone).date()


@dataclass
class _Org:
    segments: tuple[SegmentKey, ...]
    is_demo: bool
    joined: date
    counts: list[int] = field(default_factory=list)  # per subject, per status


@dataclass
class _Window:
    """Commitments inside a segment's sliding period, with the organisations they
    belong to (for the 5-organisation rule)."""

    values: list[int] = field(default_factory=list)  # sorted (median)
    members: int = 0
    lapsed: int = 0
    orgs: dict[int, int] = field(default_factory=dict)

    def enter(self, org: int) -> None:
        self.orgs[org] = self.orgs.get(org, 0) + 1

    def leave(self, org: int) -> None:
        left = self.orgs[org] - 1
        if left:
            self.orgs[org] = left
        else:
            del self.orgs[org]


class _History:
    """The raw records up to a day, as events on a day axis, and the replay of them."""

    def __init__(self, subjects: list[str], counts_towards: dict[int, list[int]]):
        self.subjects = subjects
        self.counts_towards = counts_towards
        self.orgs: dict[int, _Org] = {}
        # day -> events, each (kind, ...): join, status, median+/-, verified+/-, lapse+/-
        self.events: dict[date, list[tuple[Any, ...]]] = defaultdict(list)
        self.first_day: date | None = None

    @classmethod
    def load(cls, *, until: date) -> _History:
        zone = timezone.get_current_timezone()
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        history = cls(*subject_keys())
        history._load_orgs()
        history._load_commitments(end, zone)
        return history

    def _load_orgs(self) -> None:
        zone = timezone.get_current_timezone()
        for org_id, sector, country, size_band, is_demo, created_at in accounts.member_rows():
            segments = (ALL, ("sector", sector), ("country", country), ("size_band", size_band))
            self.orgs[org_id] = _Org(segments, is_demo, _to_day(created_at, zone))

    def _load_commitments(self, end: datetime, zone: Any) -> None:
        changes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        for commitment_id, to_status, changed_at in commitments.status_change_rows(before=end):
            changes[commitment_id].append((changed_at, to_status))
        for row in commitments.member_commitment_rows(before=end):
            self._add_commitment(row, changes.get(row[0], []), end, zone)
        for org_id, org in self.orgs.items():
            self.events[org.joined].insert(0, ("join", org_id))

    def _add_commitment(
        self,
        row: tuple[int, int, int, datetime, datetime | None, datetime | None],
        changes: list[tuple[datetime, str]],
        end: datetime,
        zone: Any,
    ) -> None:
        _commitment_id, org_id, practice_id, committed_at, withdrawn_at, first_verified = row
        org = self.orgs[org_id]
        committed_day = _to_day(committed_at, zone)
        org.joined = min(org.joined, committed_day)
        if self.first_day is None or committed_day < self.first_day:
            self.first_day = committed_day
        timeline = [(committed_at, Status.COMMITTED.value)]
        timeline += [(at, status) for at, status in changes if at >= committed_at]
        if withdrawn_at is not None and withdrawn_at < end:
            timeline = [(at, status) for at, status in timeline if at < withdrawn_at]
            timeline.append((withdrawn_at, ""))
        # The status at the end of each day: the last change of the day wins.
        last_of_day: dict[date, str] = {}
        for at, status in timeline:
            last_of_day[_to_day(at, zone)] = status
        previous = ""
        for day, status in last_of_day.items():
            if status != previous:
                self.events[day].append(("status", org_id, practice_id, previous, status))
                previous = status
        self._add_windows(org_id, timeline, committed_day, first_verified, end, zone)

    def _add_windows(
        self,
        org_id: int,
        timeline: list[tuple[datetime, str]],
        committed_day: date,
        first_verified: datetime | None,
        end: datetime,
        zone: Any,
    ) -> None:
        period = timedelta(days=PERIOD_DAYS)
        if first_verified is not None and first_verified < end:
            verified_day = _to_day(first_verified, zone)
            days = (verified_day - committed_day).days
            self.events[verified_day].append(("median+", org_id, days))
            self.events[verified_day + period].append(("median-", org_id, days))
        verified_spans: list[tuple[date, date | None]] = []
        lapses: list[tuple[date, date | None]] = []
        since: date | None = None
        for at, status in timeline:
            day = _to_day(at, zone)
            if status == Status.VERIFIED and since is None:
                since = day
            elif status != Status.VERIFIED and since is not None:
                verified_spans.append((since, day + period))
                if status == Status.LAPSED:
                    lapses.append((day, day + period))
                since = None
        if since is not None:
            verified_spans.append((since, None))
        for kind, spans in (("verified", verified_spans), ("lapse", lapses)):
            for start, stop in _merged(spans):
                self.events[start].append((f"{kind}+", org_id))
                if stop is not None:
                    self.events[stop].append((f"{kind}-", org_id))

    def replay(self, *, start: date, until: date) -> Iterator[tuple[date, list[DailySnapshot]]]:
        """Apply the events day by day; yield each day from `start` with its rows."""
        state = _State(len(self.subjects))
        day = min(self.events) if self.events else start
        day = min(day, start)
        while day <= until:
            for event in self.events.get(day, ()):
                self._apply(state, event)
            if day >= start:
                yield day, self._snapshot(state, day)
            day += timedelta(days=1)

    def _apply(self, state: _State, event: tuple[Any, ...]) -> None:
        kind, org_id = event[0], event[1]
        org = self.orgs[org_id]
        if kind == "join":
            org.counts = [0] * (len(self.subjects) * 4)
            for segment in org.segments:
                state.join(segment, org.is_demo)
        elif kind == "status":
            _, _, practice_id, before, after = event
            self._change_status(state, org, practice_id, before, after)
        else:
            for segment in org.segments:
                state.window(segment, kind, org_id, event[2:])

    def _change_status(
        self, state: _State, org: _Org, practice_id: int, before: str, after: str
    ) -> None:
        counts = org.counts
        old, new = _INDEX.get(before, -1), _INDEX.get(after, -1)
        segment_rows = [state.counts[segment] for segment in org.segments]
        for subject in self.counts_towards[practice_id]:
            base = subject * 4
            was = _most_advanced(counts, base)
            if old >= 0:
                counts[base + old] -= 1
            if new >= 0:
                counts[base + new] += 1
            now = _most_advanced(counts, base)
            if was != now:
                for rows in segment_rows:
                    if was >= 0:
                        rows[base + was] -= 1
                    if now >= 0:
                        rows[base + now] += 1

    def _snapshot(self, state: _State, day: date) -> list[DailySnapshot]:
        subjects = len(self.subjects)
        segments = {
            key: SegmentCounts(
                population=state.population[key],
                rows=[flat[i * 4 : i * 4 + 4] for i in range(subjects)],
            )
            for key, flat in state.counts.items()
            if state.population[key]
        }
        overall = self.subjects.index(OVERALL)
        published = suppress(segments, DIMENSIONS, remainder_shown=[overall])
        built_at = timezone.now()
        snapshots = []
        for key, figures in published.items():
            window = state.windows.get(key, _Window())
            not_committed = figures.remainders[overall]
            document = {
                "subjects": dict(zip(self.subjects, figures.rows, strict=True)),
                "engaged": None if not_committed is None else figures.population - not_committed,
                "median_days_to_verified": _median(window),
                "lapse_rate": _lapse_rate(state.lapse_windows.get(key, _Window())),
            }
            snapshots.append(
                DailySnapshot(
                    date=day,
                    dimension=key[0],
                    value=key[1],
                    population=figures.population,
                    includes_demo=state.demo[key] > 0,
                    figures=document,
                    built_at=built_at,
                )
            )
        return snapshots


class _State:
    """Running totals per segment while replaying."""

    def __init__(self, subjects: int):
        self.subjects = subjects
        self.counts: dict[SegmentKey, list[int]] = {}
        self.population: dict[SegmentKey, int] = defaultdict(int)
        self.demo: dict[SegmentKey, int] = defaultdict(int)
        self.windows: dict[SegmentKey, _Window] = defaultdict(_Window)
        self.lapse_windows: dict[SegmentKey, _Window] = defaultdict(_Window)

    def rows(self, segment: SegmentKey) -> list[int]:
        rows = self.counts.get(segment)
        if rows is None:
            rows = self.counts[segment] = [0] * (self.subjects * 4)
        return rows

    def join(self, segment: SegmentKey, is_demo: bool) -> None:
        self.rows(segment)
        self.population[segment] += 1
        self.demo[segment] += is_demo

    def window(self, segment: SegmentKey, kind: str, org_id: int, args: tuple[Any, ...]) -> None:
        if kind.startswith("median"):
            window = self.windows[segment]
            if kind == "median+":
                bisect.insort(window.values, args[0])
                window.enter(org_id)
            else:
                del window.values[bisect.bisect_left(window.values, args[0])]
                window.leave(org_id)
            return
        lapse = self.lapse_windows[segment]
        step = 1 if kind.endswith("+") else -1
        if kind.startswith("verified"):
            lapse.members += step
            lapse.enter(org_id) if step > 0 else lapse.leave(org_id)
        else:
            lapse.lapsed += step


def _most_advanced(counts: list[int], base: int) -> int:
    """The most advanced status with a commitment (an index into STATUSES), or -1."""
    for status in _ADVANCE:
        if counts[base + status]:
            return status
    return -1


def _merged(spans: list[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """Overlapping [start, stop) spans joined; None is an open end."""
    merged: list[tuple[date, date | None]] = []
    for start, stop in sorted(spans, key=lambda span: span[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_stop = merged[-1]
            stop = None if last_stop is None or stop is None else max(last_stop, stop)
            merged[-1] = (last_start, stop)
        else:
            merged.append((start, stop))
    return merged


def _median(window: _Window) -> float | None:
    if len(window.orgs) < THRESHOLD:
        return None
    values, middle = window.values, len(window.values) // 2
    if len(values) % 2:
        return float(values[middle])
    return (values[middle - 1] + values[middle]) / 2


def _lapse_rate(window: _Window) -> float | None:
    if len(window.orgs) < THRESHOLD or not window.members:
        return None
    return round(window.lapsed / window.members, 4)
