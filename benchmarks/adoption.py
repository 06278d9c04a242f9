"""Adoption figures: the dashboard and open data (read from daily snapshots) against a
naive recomputation of the same figures from the raw records, in the same run.

The question: at a coalition of 5,000 organisations, 60 practices and three years of
daily history, do the dashboard's page and the open-data endpoints answer in under
200 ms, and what would computing the figures from the commitments and their status
changes on each request cost instead?

- Setup (a child process): a fresh SQLite database (or --database-url), the bundled
  catalogue topped up with synthetic practices to --practices, --orgs organisations
  (sectors, countries and size bands of uneven sizes, so suppression has work to do),
  commitments and status changes over --years, then `rebuild_snapshots` timed.
- Accord (a child process per round): the dashboard page (GET /adoption/, with and
  without a sector filter) and the open data (summary, practices, norms, timeseries,
  JSON and CSV) through Django's test client, each timed over --requests requests
  after one warm-up. The figure is the median.
- Naive (a child process per round): the same day's figures (population; per
  practice, norm, framework and overall, organisations by status) counted from
  `Commitment` and `StatusChange` with one ORM query (the status at the end of the
  day by a correlated subquery) and Python, as an implementation without snapshots
  would on each request. It computes less than the dashboard shows (no time series,
  no suppression), which favours it. Its counts are checked against every published
  cell of the snapshot.

Rounds alternate Accord, naive, Accord, ...; each child's peak RSS is its own.

    python benchmarks/adoption.py                  # 5,000 organisations, 3 years
    python benchmarks/adoption.py --orgs 500       # a quick run
    python benchmarks/adoption.py --database-url postgres://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 200.0
SECTORS = [
    ("software", 22), ("finance", 16), ("energy", 12), ("telecoms", 10), ("health", 9),
    ("manufacturing", 8), ("cloud", 7), ("transport", 6), ("water", 4), ("media", 3),
    ("iot", 2), ("space", 0.2), ("", 1),
]  # fmt: skip
COUNTRIES = [
    "US",
    "DE",
    "GB",
    "FR",
    "NL",
    "JP",
    "SE",
    "CH",
    "CA",
    "ES",
    "IT",
    "NO",
    "FI",
    "DK",
    "BE",
    "AT",
    "IE",
    "PL",
    "SG",
    "KR",
    "AU",
    "BR",
    "IL",
    "IS",
    "LU",
]
SIZE_BANDS = [("micro", 8), ("small", 20), ("medium", 30), ("large", 30), ("enterprise", 12)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=5000, help="organisations (default 5000)")
    parser.add_argument("--practices", type=int, default=60, help="practices (default 60)")
    parser.add_argument("--years", type=float, default=3.0, help="years of history (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--requests", type=int, default=7, help="timed requests per round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--child", choices=["setup", "accord", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    with tempfile.TemporaryDirectory(prefix="accord-bench-adoption-") as data_dir:
        _harness(args, data_dir)


# --- the harness


def _harness(args: argparse.Namespace, data_dir: str) -> None:
    print(f"cores: {os.cpu_count()}  database: {args.database_url or 'SQLite (temp dir)'}")
    print(f"size: {args.orgs} organisations, {args.practices} practices, {args.years} years")
    setup = _run(args, data_dir, "setup")
    print(
        f"generated {setup['commitments']:,} commitments and {setup['changes']:,} status "
        f"changes in {setup['generate_s']:.1f} s"
    )
    print(
        f"rebuild_snapshots: {setup['snapshots']:,} rows ({setup['days']} days) in "
        f"{setup['rebuild_s']:.1f} s; take_daily_snapshot (one day): {setup['daily_s']:.2f} s; "
        f"peak RSS {setup['rss_mib']:.0f} MiB"
    )
    accord: dict[str, list[float]] = {}
    naive: list[float] = []
    rss = {"accord": 0.0, "naive": 0.0}
    agree = ""
    for round_no in range(1, args.rounds + 1):
        result = _run(args, data_dir, "accord")
        for name, times in result["times"].items():
            accord.setdefault(name, []).extend(times)
        rss["accord"] = max(rss["accord"], result["rss_mib"])
        peer = _run(args, data_dir, "naive")
        naive.extend(peer["times"])
        rss["naive"] = max(rss["naive"], peer["rss_mib"])
        agree = peer["agree"]
        print(f"round {round_no}: done")
    naive_ms = statistics.median(naive) * 1000
    print()
    print(f"{'request':<48} {'median ms':>10} {'naive ms':>10} {'ratio':>8}  budget")
    for name, times in accord.items():
        ms = statistics.median(times) * 1000
        verdict = "ok" if ms < BUDGET_MS else "OVER"
        print(f"{name:<48} {ms:>10.1f} {naive_ms:>10.1f} {naive_ms / ms:>7.1f}x  {verdict}")
    print(f"naive recomputation of one day's figures: median {naive_ms:.0f} ms ({len(naive)} runs)")
    print(f"peak RSS: accord child {rss['accord']:.0f} MiB, naive child {rss['naive']:.0f} MiB")
    print(f"check: {agree}")


def _run(args: argparse.Namespace, data_dir: str, child: str) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--child", child, "--data-dir", data_dir,
        "--orgs", str(args.orgs), "--practices", str(args.practices),
        "--years", str(args.years), "--requests", str(args.requests), "--seed", str(args.seed),
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "ACCORD_DATA_DIR": data_dir,
        "ACCORD_DATABASE_URL": args.database_url,
        "ACCORD_LOG_LEVEL": "ERROR",
        "ACCORD_ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
    }
    completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode:
        raise SystemExit(f"{child} child failed ({completed.returncode})")
    # The child reports its own peak RSS (getrusage RUSAGE_SELF), as wait4 would.
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# --- the children


def _child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    if args.child == "setup":
        result = _setup(args)
    elif args.child == "accord":
        result = _measure_accord(args)
    else:
        result = _measure_naive(args)
    import resource

    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["child_s"] = time.perf_counter() - started
    print(json.dumps(result, default=str))


def _period(args: argparse.Namespace) -> tuple[date, date]:
    end = date(2026, 10, 31)
    return end - timedelta(days=round(365 * args.years)), end


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command

    from accord.catalogue.services import load_catalogue
    from accord.figures.services import rebuild_snapshots, take_daily_snapshot

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    load_catalogue()
    started = time.perf_counter()
    counts = _generate(args)
    generated = time.perf_counter() - started
    start, end = _period(args)
    started = time.perf_counter()
    rows = rebuild_snapshots(until=end)
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    take_daily_snapshot(day=end)
    daily = time.perf_counter() - started
    return {
        **counts,
        "generate_s": generated,
        "snapshots": rows,
        "days": (end - start).days + 1,
        "rebuild_s": rebuilt,
        "daily_s": daily,
    }


def _generate(args: argparse.Namespace) -> dict[str, int]:
    from accord.accounts.models import Organisation
    from accord.catalogue.models import Area, Mapping, Norm, Practice
    from accord.commitments.models import Commitment, Status, StatusChange

    rng = random.Random(args.seed)
    start, end = _period(args)
    practices = list(Practice.objects.order_by("pk"))
    area, norms = Area.objects.first(), list(Norm.objects.order_by("pk"))
    for n in range(len(practices), args.practices):
        extra = Practice.objects.create(
            slug=f"bench.extra-{n}", area=area, title=f"Synthetic practice {n}",
            statement="-", rationale="-", verification="attestation", evidence="-",
            level="baseline", introduced_in="bench", position=100 + n,
        )  # fmt: skip
        Mapping.objects.create(practice=extra, norm=rng.choice(norms), interpretation="-")
        practices.append(extra)
    practices = practices[: args.practices]
    orgs = Organisation.objects.bulk_create(
        [_organisation(rng, n, start, end) for n in range(args.orgs)], batch_size=2000
    )
    end_moment = datetime.combine(end, datetime.max.time(), tzinfo=UTC)
    commitments: list[Commitment] = []
    paths: list[list[tuple[str, datetime]]] = []
    for org in orgs:
        chosen = rng.sample(practices, rng.randint(3, min(len(practices), 36)))
        for practice in chosen:
            made = org.created_at + timedelta(
                days=rng.uniform(0, (end_moment - org.created_at).days)
            )
            path = _path(rng, made, end_moment)
            commitment = Commitment(
                organisation=org, practice=practice, target_date=made.date() + timedelta(180),
                committed_at=made, status=path[-1][0], status_since=path[-1][1],
                first_verified_at=next((at for s, at in path if s == Status.VERIFIED), None),
            )  # fmt: skip
            if rng.random() < 0.03:
                commitment.withdrawn_at = made + timedelta(days=rng.uniform(1, 400))
                if commitment.withdrawn_at > end_moment:
                    commitment.withdrawn_at = None
            commitments.append(commitment)
            paths.append(path)
    Commitment.objects.bulk_create(commitments, batch_size=5000)
    changes = []
    for commitment, path in zip(commitments, paths, strict=True):
        previous = ""
        for status, at in path:
            changes.append(
                StatusChange(
                    commitment_id=commitment.pk, from_status=previous, to_status=status,
                    changed_at=at, cause="benchmark",
                )
            )  # fmt: skip
            previous = status
    StatusChange.objects.bulk_create(changes, batch_size=10000)
    return {"commitments": len(commitments), "changes": len(changes)}


def _organisation(rng: random.Random, n: int, start: date, end: date) -> Any:
    from accord.accounts.models import Organisation

    joined = start - timedelta(days=rng.randint(0, 200))
    if rng.random() < 0.3:
        joined = start + timedelta(days=rng.randint(0, (end - start).days))
    sector = rng.choices([s for s, _ in SECTORS], [w for _, w in SECTORS])[0]
    country = COUNTRIES[min(int(rng.paretovariate(1.2)) - 1, len(COUNTRIES) - 1)]
    size_band = rng.choices([s for s, _ in SIZE_BANDS], [w for _, w in SIZE_BANDS])[0]
    return Organisation(
        name=f"Bench organisation {n}", slug=f"bench-{n}", sector=sector, country=country,
        size_band=size_band, is_demo=n % 100 == 0,
        created_at=datetime.combine(joined, datetime.min.time(), tzinfo=UTC),
    )  # fmt: skip


def _path(rng: random.Random, made: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """committed, then maybe implemented, verified, lapsed, verified again ..."""
    path = [("committed", made)]
    at = made
    steps = [("implemented", 0.7, 5, 90), ("verified", 0.75, 5, 120)]
    while steps:
        status, chance, low, high = steps.pop(0)
        at = at + timedelta(days=rng.uniform(low, high), seconds=rng.randint(0, 86399))
        if rng.random() > chance or at > end:
            break
        path.append((status, at))
        if status == "verified":
            steps.append(("lapsed", 0.2, 30, 400))
        elif status == "lapsed":
            steps.append(("verified", 0.6, 10, 60))
    return path


def _requests() -> list[tuple[str, str]]:
    """(label, URL): the dashboard page, then the open data."""
    api = "/api/v1/adoption"
    return [
        ("dashboard page /adoption/", "/adoption/"),
        ("dashboard page /adoption/?sector=energy", "/adoption/?sector=energy"),
        ("open data /summary", f"{api}/summary"),
        ("open data /practices", f"{api}/practices"),
        ("open data /practices?country=DE&format=csv", f"{api}/practices?country=DE&format=csv"),
        ("open data /norms", f"{api}/norms"),
        (
            "open data /timeseries (framework, auto)",
            f"{api}/timeseries?subject=framework:tech-accord",
        ),
        (
            "open data /timeseries (practice, every day)",
            f"{api}/timeseries?subject=practice:cvd.security-txt&interval=day",
        ),
    ]


def _measure_accord(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    client = Client()
    times: dict[str, list[float]] = {}
    for name, url in _requests():
        assert client.get(url).status_code == 200, url  # warm-up
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.setdefault(name, []).append(time.perf_counter() - started)
            assert response.status_code == 200
    return {"times": times}


def _measure_naive(args: argparse.Namespace) -> dict[str, Any]:
    from accord.figures.selectors import adoption_figures

    _, end = _period(args)
    times = []
    counts: dict[str, list[int]] = {}
    for _ in range(max(3, args.requests // 2)):
        started = time.perf_counter()
        counts, population = naive_figures(end)
        times.append(time.perf_counter() - started)
    published = adoption_figures(day=end)
    checked = mismatched = 0
    for row in [published.overall, *published.rows()]:
        assert row is not None
        for i, (_, cell) in enumerate(row.cells):
            if cell.count is not None:
                checked += 1
                mismatched += cell.count != counts.get(row.key, [0, 0, 0, 0])[i]
    same = population == published.population
    agree = f"naive and snapshot agree on population ({same}) and {checked - mismatched} of "
    agree += f"{checked} published cells"
    return {"times": times, "agree": agree}


def naive_figures(day: date) -> tuple[dict[str, list[int]], int]:
    """Organisations by status per subject at the end of `day`, from the raw records."""
    from django.db.models import OuterRef, Subquery

    from accord.accounts.models import Organisation
    from accord.commitments.models import Commitment, StatusChange
    from accord.figures.metrics import _ADVANCE, _INDEX, subject_keys

    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    keys, counts_towards = subject_keys()
    status_then = (
        StatusChange.objects.filter(commitment=OuterRef("pk"), changed_at__lt=end)
        .order_by("-changed_at", "-pk")
        .values("to_status")[:1]
    )
    rows = (
        Commitment.objects.filter(organisation__is_member=True, committed_at__lt=end)
        .exclude(withdrawn_at__lt=end)
        .annotate(status_then=Subquery(status_then))
        .values_list("organisation_id", "practice_id", "status_then")
    )
    per_org: dict[tuple[int, int], list[int]] = {}
    for org_id, practice_id, status in rows:
        for subject in counts_towards[practice_id]:
            per_org.setdefault((org_id, subject), [0, 0, 0, 0])[_INDEX[status or "committed"]] += 1
    counts = {key: [0, 0, 0, 0] for key in keys}
    for (_, subject), statuses in per_org.items():
        best = next(s for s in _ADVANCE if statuses[s])
        counts[keys[subject]][best] += 1
    population = Organisation.objects.filter(is_member=True, created_at__lt=end).count()
    return counts, population


if __name__ == "__main__":
    main()
