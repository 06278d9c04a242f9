"""Daily snapshots: what the figures of a day count, and that past days stay as they were."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accord.audit.models import Event
from accord.commitments.models import Status
from accord.figures.models import DailySnapshot
from accord.figures.selectors import (
    InvalidFilter,
    NoFigures,
    Segment,
    adoption_figures,
    adoption_timeseries,
    kept_range,
    sample_days,
    segment_choices,
)
from accord.figures.services import rebuild_snapshots, take_daily_snapshot
from tests.figures.factories_metrics import commit, make_org, make_orgs, verify

pytestmark = pytest.mark.django_db

TXT = "cvd.security-txt"
START = date(2025, 3, 1)


def test_statuses_count_at_the_end_of_each_day(catalogue: object) -> None:
    orgs = make_orgs(16)  # 5 never commit: "not committed" must not be 1 to 4
    verify(orgs[:6], TXT, on=START, verified=START + timedelta(days=10))
    for org in orgs[6:11]:
        commit(org, TXT, on=START, then=[(Status.IMPLEMENTED, START + timedelta(days=3))])
    rebuild_snapshots(until=START + timedelta(days=20))

    before = adoption_figures(day=START + timedelta(days=2)).row(f"practice:{TXT}")
    after = adoption_figures(day=START + timedelta(days=10)).row(f"practice:{TXT}")
    assert before is not None
    assert after is not None
    assert (before.committed.count, before.verified.count) == (11, 0)
    assert (after.verified.count, after.implemented.count, after.committed.count) == (6, 5, 0)
    assert after.verified.share == round(6 / 16, 4)


def test_a_withdrawn_commitment_stops_counting(catalogue: object) -> None:
    orgs = make_orgs(10)
    verify(orgs[:5], TXT, on=START, verified=START)
    commit(orgs[5], TXT, on=START, withdrawn=START + timedelta(days=5))
    for org in orgs[6:]:
        commit(org, TXT, on=START)
    rebuild_snapshots(until=START + timedelta(days=6))
    on = adoption_figures(day=START + timedelta(days=4)).row(f"practice:{TXT}")
    after = adoption_figures(day=START + timedelta(days=6)).row(f"practice:{TXT}")
    assert on is not None
    assert after is not None
    assert on.committed.count == 5
    assert after.committed.count is None  # 4: suppressed


def test_a_norm_counts_each_organisation_once_at_its_most_advanced_status(
    catalogue: object,
) -> None:
    orgs = make_orgs(10)
    for org in orgs[:5]:  # verified for one practice of 13(j), committed to another
        commit(org, TXT, on=START, then=[(Status.VERIFIED, START)])
        commit(org, "cvd.disclosure-policy", on=START)
    for org in orgs[5:]:
        commit(org, "cvd.disclosure-policy", on=START)
    rebuild_snapshots(until=START)
    norm = adoption_figures(day=START).row("norm:un-gge-2015:13j")
    assert norm is not None
    assert (norm.verified.count, norm.committed.count) == (5, 5)


def test_median_days_and_lapse_rate(catalogue: object) -> None:
    orgs = make_orgs(10)
    for n, org in enumerate(orgs):
        then = [(Status.VERIFIED, START + timedelta(days=10 + n))]
        if n < 2:
            then.append((Status.LAPSED, START + timedelta(days=40)))
        commit(org, TXT, on=START, then=then)
    rebuild_snapshots(until=START + timedelta(days=60))
    figures = adoption_figures(day=START + timedelta(days=60))
    assert figures.median_days_to_verified == 14.5  # 10..19 days
    assert figures.lapse_rate == 0.2  # 2 of the 10 verified lapsed


def test_median_and_lapse_rate_are_suppressed_below_5_organisations(catalogue: object) -> None:
    make_orgs(6)
    verify(make_orgs(4), TXT, on=START, verified=START + timedelta(days=3))
    rebuild_snapshots(until=START + timedelta(days=5))
    figures = adoption_figures()
    assert figures.median_days_to_verified is None
    assert figures.lapse_rate is None


def test_the_period_is_the_365_days_up_to_the_day(catalogue: object) -> None:
    verify(make_orgs(6), TXT, on=START, verified=START + timedelta(days=7))
    later = START + timedelta(days=7 + 365)
    rebuild_snapshots(until=later)
    assert adoption_figures(day=later - timedelta(days=1)).median_days_to_verified == 7
    assert adoption_figures(day=later).median_days_to_verified is None


def test_rebuilding_is_idempotent_and_a_day_can_be_taken_again(catalogue: object) -> None:
    verify(make_orgs(6), TXT, on=START, verified=START + timedelta(days=2))
    written = rebuild_snapshots(until=START + timedelta(days=9))
    rows = list(DailySnapshot.objects.values_list("date", "dimension", "value", "figures"))
    assert rebuild_snapshots(until=START + timedelta(days=9)) == written
    assert take_daily_snapshot(day=START + timedelta(days=4)) > 0
    again = list(DailySnapshot.objects.values_list("date", "dimension", "value", "figures"))
    assert sorted(again) == sorted(rows)


def test_each_rebuild_of_the_published_figures_is_in_the_audit_log(catalogue: object) -> None:
    verify(make_orgs(6), TXT, on=START, verified=START + timedelta(days=2))
    written = rebuild_snapshots(until=START + timedelta(days=9))
    retaken = take_daily_snapshot(day=START + timedelta(days=4))

    first, second = Event.objects.filter(tag="figures:snapshot:rebuild").order_by("seq")
    assert first.data == {
        "since": "2025-03-01",
        "until": "2025-03-10",
        "rows": written,
        "replaced": 0,
    }
    assert second.data == {
        "since": "2025-03-05",
        "until": "2025-03-05",
        "rows": retaken,
        "replaced": retaken,
    }
    assert (first.actor_label, first.organisation_id) == ("system", None)


def test_nothing_to_build_is_no_rebuild(catalogue: object) -> None:
    assert rebuild_snapshots(until=START) == 0
    assert not Event.objects.filter(tag="figures:snapshot:rebuild").exists()


def test_past_days_keep_their_figures_when_later_days_are_added(catalogue: object) -> None:
    orgs = make_orgs(10)
    verify(orgs[:5], TXT, on=START, verified=START + timedelta(days=1))
    rebuild_snapshots(until=START + timedelta(days=3))
    verify(orgs[5:], TXT, on=START + timedelta(days=5), verified=START + timedelta(days=6))
    rebuild_snapshots(since=START + timedelta(days=4), until=START + timedelta(days=8))
    assert kept_range() == (START, START + timedelta(days=8))
    then = adoption_figures(day=START + timedelta(days=3)).row(f"practice:{TXT}")
    now = adoption_figures(day=START + timedelta(days=8)).row(f"practice:{TXT}")
    assert then is not None
    assert now is not None
    assert (then.verified.count, now.verified.count) == (5, 10)


def test_population_counts_members_that_joined_and_flags_demo_data(catalogue: object) -> None:
    orgs = make_orgs(6, created=START)
    make_orgs(3, created=START + timedelta(days=5), is_demo=True)
    supplier = make_org(created=START)
    supplier.is_member = False
    supplier.save()
    verify(orgs, TXT, on=START, verified=START)
    rebuild_snapshots(until=START + timedelta(days=6))
    assert adoption_figures(day=START).population == 6
    assert not adoption_figures(day=START).includes_demo
    assert adoption_figures(day=START + timedelta(days=6)).population == 9
    assert adoption_figures(day=START + timedelta(days=6)).includes_demo


def test_a_segment_below_5_organisations_has_no_figures(catalogue: object) -> None:
    verify(make_orgs(8, sector="energy"), TXT, on=START, verified=START)
    verify(make_orgs(3, sector="water"), TXT, on=START, verified=START)
    rebuild_snapshots(until=START)
    with pytest.raises(InvalidFilter, match="fewer than 5") as refused:
        adoption_figures(segment=Segment("sector", "water"))
    assert refused.value.field == "sector"
    assert "water" not in segment_choices(day=START)["sector"]


def test_days_outside_the_kept_range_have_no_figures(catalogue: object) -> None:
    with pytest.raises(NoFigures, match="published yet"):
        adoption_figures()
    verify(make_orgs(5), TXT, on=START, verified=START)
    rebuild_snapshots(until=START + timedelta(days=1))
    with pytest.raises(NoFigures, match="kept from 2025-03-01 to 2025-03-02"):
        adoption_figures(day=START - timedelta(days=1))


def test_a_timeseries_has_one_point_per_interval_ending_on_the_day(catalogue: object) -> None:
    verify(make_orgs(5), TXT, on=START, verified=START + timedelta(days=40))
    rebuild_snapshots(until=START + timedelta(days=100))
    series = adoption_timeseries(end=START + timedelta(days=100), interval="month")
    assert [p.day for p in series.points][-1] == START + timedelta(days=100)
    assert [p.day for p in series.points][:2] == [date(2025, 3, 31), date(2025, 4, 30)]
    picked = adoption_timeseries(interval="day", subjects=[f"practice:{TXT}"])
    assert len(picked.points) == 101
    assert picked.points[-1].row(f"practice:{TXT}") is not None
    assert picked.points[-1].row("overall") is None


def test_sample_days() -> None:
    assert sample_days(date(2025, 1, 1), date(2025, 1, 3), "day") == [
        date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3),
    ]  # fmt: skip
    assert sample_days(date(2025, 1, 1), date(2025, 1, 20), "week") == [
        date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20),
    ]  # fmt: skip
    assert sample_days(date(2025, 1, 15), date(2025, 3, 10), "month") == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 10),
    ]  # fmt: skip
