"""An observer follows adoption: the daily task stores the figures, the dashboard shows
them, the open data gives the same numbers as JSON and CSV, any past day stays there."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from accord.catalogue.services import load_catalogue
from accord.commitments.models import Status
from accord.figures.models import DailySnapshot
from accord.figures.services import rebuild_snapshots
from accord.figures.tasks import schedule_adoption_snapshot
from tests.figures.dashboard_html import DashboardPage, cell_from_page
from tests.figures.factories_metrics import at, commit, make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
DB_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
START = date(2026, 1, 5)
STATUSES = ("committed", "implemented", "verified", "lapsed")


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, stdout=io.StringIO())


def test_the_daily_task_publishes_figures_the_dashboard_and_open_data_share(
    settings: Any,
) -> None:
    settings.TASKS = {"default": DB_BACKEND}
    load_catalogue()
    orgs = make_orgs(20, sector="energy") + make_orgs(10, sector="finance", country="FR")
    verify(orgs[:12], "cvd.security-txt", on=START, verified=START + timedelta(days=9))
    for org in orgs[12:22]:
        commit(org, "cvd.disclosure-policy", on=START + timedelta(days=2),
               then=[(Status.IMPLEMENTED, START + timedelta(days=4))])  # fmt: skip

    noon = datetime.combine(START + timedelta(days=20), datetime.min.time(), tzinfo=UTC)
    assert schedule_adoption_snapshot(now=noon)
    run_worker()
    assert not schedule_adoption_snapshot(now=noon)  # yesterday is stored: nothing due

    client = Client()
    dates = client.get("/api/v1/adoption/dates").json()
    assert dates == {"first": START.isoformat(), "last": (START + timedelta(days=19)).isoformat()}
    for params in ({}, {"country": "FR"}, {"date": (START + timedelta(days=5)).isoformat()}):
        page = DashboardPage(client.get("/adoption/", params).content.decode())
        body = client.get("/api/v1/adoption/practices", params).json()
        rows = csv.DictReader(
            io.StringIO(client.get("/api/v1/adoption/practices", {**params, "format": "csv"})
                        .content.decode())
        )  # fmt: skip
        for item, row in zip(body["items"], rows, strict=True):
            shown = page.tables["practices"][item["id"]]
            assert {s: cell_from_page(shown[s]) for s in STATUSES} == {s: item[s] for s in STATUSES}
            assert [row[s] for s in STATUSES] == [
                "" if item[s]["suppressed"] else str(item[s]["count"]) for s in STATUSES
            ]

    a_day_later = noon + timedelta(days=1)
    verify(make_orgs(5), "cvd.security-txt", on=START + timedelta(days=20),
           verified=START + timedelta(days=20))  # fmt: skip
    assert schedule_adoption_snapshot(now=a_day_later)
    run_worker()
    latest = client.get("/api/v1/adoption/practices").json()
    before = client.get("/api/v1/adoption/practices", {"date": dates["last"]}).json()
    txt = [next(i for i in b["items"] if i["id"] == "cvd.security-txt") for b in (before, latest)]
    assert (txt[0]["verified"]["count"], txt[1]["verified"]["count"]) == (12, 17)


def test_a_day_stored_before_it_ended_is_computed_again(settings: Any) -> None:
    settings.TASKS = {"default": DB_BACKEND}
    load_catalogue()
    orgs = make_orgs(10)
    verify(orgs[:5], "cvd.security-txt", on=START, verified=START)
    rebuild_snapshots(until=START)  # as `accord demo` does for its today, before it ends
    DailySnapshot.objects.update(built_at=at(START, 15))
    verify(orgs[5:], "cvd.security-txt", on=START, verified=START)  # later that day

    next_day = datetime.combine(START + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert schedule_adoption_snapshot(now=next_day + timedelta(hours=1))
    run_worker()
    body = Client().get("/api/v1/adoption/practices", {"date": START.isoformat()}).json()
    txt = next(item for item in body["items"] if item["id"] == "cvd.security-txt")
    assert txt["verified"]["count"] == 10
