"""`accord scan --processes N` and `scan_in_processes`: worker processes, one writer."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from accord.engine import cli, scanner
from accord.engine.scanner import ResultLine, WorkerJob, scan_in_processes, shard_of
from accord.engine.testing.fake_internet import FakeInternet, security_txt_site
from accord.engine.testing.stub_cli import STUB_ASSESS
from tests.engine.lab import lab

pytestmark = pytest.mark.usefixtures("stub_checks")

STUBS = "accord.engine.testing.stub_checks"
SRC = str(Path(scanner.__file__).resolve().parents[2])


# Nothing here waits for a timeout: the dead host resets connections at once, and the
# timeouts are long enough for a fake internet starved of CPU (both cores busy) to answer.
# A short timeout once turned a slow answer under load into `error` statuses.
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def net() -> Iterator[FakeInternet]:
    with FakeInternet(
        default=security_txt_site, dead_hosts=["dead.example"], dead_mode="reset"
    ) as net:
        yield net


def job(net: FakeInternet, assess: str = STUB_ASSESS, **options: Any) -> WorkerJob:
    fetcher = {**net.fetcher_options(), "read_timeout": TIMEOUT, "total_timeout": TIMEOUT}
    return WorkerJob(fetcher=fetcher, assess=assess, **options)


def numbered(count: int, start: int = 0) -> list[tuple[int, str]]:
    return [(n, f"d{n}.example") for n in range(start, start + count)]


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_domain_is_assessed_once_by_the_worker_its_name_hashes_to(
    net: FakeInternet,
) -> None:
    results: list[ResultLine] = []

    scan_in_processes(
        numbered(60),
        job=job(net, f"{STUBS}:assess_domain_with_pid", concurrency=6),
        processes=3,
        on_result=results.append,
    )

    assert sorted(r.line_no for r in results) == list(range(60))
    pids: dict[int, set[int]] = {}
    for result in results:
        record = json.loads(result.line)
        assert record["domain"] == result.domain
        assert result.statuses == {"security-txt": "pass", "https-hsts": "warn"}
        pid = record["checks"]["security-txt"]["details"]["pid"]
        pids.setdefault(shard_of(result.domain, 3), set()).add(pid)
    assert set(pids) == {0, 1, 2}
    assert all(len(shard) == 1 for shard in pids.values())  # a shard is one process
    assert len(set().union(*pids.values()) | {os.getpid()}) == 4  # none of them is us


def test_no_more_processes_than_the_concurrency(net: FakeInternet) -> None:
    results: list[ResultLine] = []

    scan_in_processes(
        numbered(8),
        job=job(net, f"{STUBS}:assess_domain_with_pid", concurrency=2),
        processes=5,
        on_result=results.append,
    )

    pids = {json.loads(r.line)["checks"]["security-txt"]["details"]["pid"] for r in results}
    assert len(results) == 8
    assert len(pids) == 2


class Stop(Exception):
    pass


def test_input_is_read_lazily_and_the_workers_stop_with_the_caller(net: FakeInternet) -> None:
    consumed = 0

    def endless() -> Iterator[tuple[int, str]]:
        nonlocal consumed
        for n in range(1, 1_000_000):
            consumed += 1
            yield n, f"d{n}.example"

    def on_result(_result: ResultLine) -> None:
        raise Stop

    with pytest.raises(Stop):
        scan_in_processes(
            endless(), job=job(net, concurrency=4), processes=2, on_result=on_result, window=20
        )

    assert consumed <= 21
    assert not _children_running()


def test_a_failing_worker_stops_the_scan_with_its_traceback(net: FakeInternet) -> None:
    with pytest.raises(scanner.ScanWorkerError, match="ModuleNotFoundError"):
        scan_in_processes(
            numbered(5),
            job=job(net, "no_such_module_here:assess"),
            processes=2,
            on_result=lambda _r: None,
        )
    assert not _children_running()


def test_a_dead_worker_stops_the_scan_after_what_it_reported(net: FakeInternet) -> None:
    results: list[ResultLine] = []
    domains = [*numbered(20), (99, "die.example"), *numbered(20, start=20)]

    with pytest.raises(scanner.ScanWorkerError, match=r"ended unexpectedly \(exit status 3\)"):
        scan_in_processes(
            domains,
            job=job(net, f"{STUBS}:assess_domain_or_die", concurrency=2),
            processes=2,
            on_result=results.append,
        )

    assert "die.example" not in {r.domain for r in results}
    assert not _children_running()


def _read(path: Path) -> str:
    # Threads and processes come and go while we look: a vanished one has no children.
    try:
        return path.read_text(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _children_running() -> list[int]:
    task = Path(f"/proc/{os.getpid()}/task")
    if not task.exists():
        return []
    return [
        int(pid)
        for thread in task.iterdir()
        for pid in _read(thread / "children").split()
        if "worker_main" in _read(Path(f"/proc/{pid}/cmdline"))
    ]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli.evidence, list(args))


def test_scan_with_processes_writes_each_domain_once_and_the_same_summary(
    net: FakeInternet, tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    lines = [f"d{n}.example" for n in range(40)]
    lines[5:5] = ["https://bad.example/", "D1.example", "# a comment", "dead.example"]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"

    result = invoke(
        "scan", str(listing), "--out", str(out), "--processes", "2", *lab(net, timeout=TIMEOUT)
    )

    assert result.exit_code == 0, result.output
    assert f"{listing}:6: skipped:" in result.stderr
    counts = Counter(r["domain"] for r in read_lines(out))
    assert counts == Counter([f"d{n}.example" for n in range(40)] + ["dead.example"])
    summary = " ".join(result.stdout.split())  # as Rich wrapped it
    assert "41 domains assessed" in summary
    assert "1 skipped as done or repeated, 1 invalid lines" in summary
    assert re.search(r"security-txt\s+│\s+40\s+│\s+0\s+│\s+0\s+│\s+1", result.stdout)


def test_scan_with_processes_resumes_and_repairs_a_torn_line(
    net: FakeInternet, tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"d{n}.example\n" for n in range(30)), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    invoke(
        "scan",
        str(listing),
        "--out",
        str(out),
        "--quiet",
        "--processes",
        "2",
        *lab(net, timeout=TIMEOUT),
    )
    kept = [
        line
        for line in out.read_text(encoding="utf-8").splitlines(keepends=True)
        if not re.search(r'"d(3|4|17)\.example"', line)
    ]
    out.write_text("".join(kept) + '{"domain":"d3.example","assessed_a', encoding="utf-8")

    result = invoke(
        "scan", str(listing), "--out", str(out), "--processes", "3", *lab(net, timeout=TIMEOUT)
    )

    assert result.exit_code == 0
    assert "3 domains assessed" in result.stdout
    assert "27 already in" in result.stdout
    counts = Counter(r["domain"] for r in read_lines(out))
    assert counts == Counter({f"d{n}.example": 1 for n in range(30)})


def test_scan_with_a_failing_worker_exits_1_and_says_how_to_resume(
    net: FakeInternet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanner, "ASSESS", f"{STUBS}:assess_domain_or_die")
    listing = tmp_path / "domains.txt"
    listing.write_text("d1.example\ndie.example\nd2.example\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"

    result = invoke(
        "scan", str(listing), "--out", str(out), "--processes", "2", *lab(net, timeout=TIMEOUT)
    )

    assert result.exit_code == 1
    assert "ended unexpectedly" in result.stderr
    assert f"Run the same command again to resume {out}." in result.stderr


def test_default_processes_by_concurrency_and_cpus_and_one_for_short_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    short = numbered(cli.SMALL_LIST - 1)
    long = numbered(cli.SMALL_LIST + 5)

    processes, domains = cli._default_processes(iter(short), 100)
    assert (processes, list(domains)) == (1, short)

    processes, domains = cli._default_processes(iter(long), 100)
    assert (processes, list(domains)) == (100 // cli.DOMAINS_PER_PROCESS, long)
    assert cli._default_processes(iter(long), 10_000)[0] == 16
    assert cli._default_processes(iter(long), 10)[0] == 1

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert cli._default_processes(iter(long), 100)[0] == 1


def _stub_scan_command(listing: Path, out: Path, net: FakeInternet, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "accord.engine.testing.stub_cli",
        "scan",
        str(listing),
        "--out",
        str(out),
        "--quiet",
        *extra,
        *lab(net),
    ]


def _worker_pids(parent: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = [
            int(pid)
            for thread in Path(f"/proc/{parent}/task").iterdir()
            for pid in (thread / "children").read_text().split()
        ]
        if len(pids) >= 2:
            return pids
        time.sleep(0.02)
    raise AssertionError("the workers did not start")


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not any(_running(pid) for pid in pids):
            return
        time.sleep(0.05)
    raise AssertionError(f"workers {pids} outlived their parent")


def _wait_for_lines(path: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} did not reach {count} lines")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_scan_with_processes_stopped_midway_then_rerun_assesses_each_domain_once(
    tmp_path: Path, how: str
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"d{n}.example\n" for n in range(80)), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    env = {**os.environ, "PYTHONPATH": SRC}
    with FakeInternet(default=security_txt_site, delay=0.05) as slow_net:
        command = _stub_scan_command(
            listing, out, slow_net, "--processes", "2", "--concurrency", "2"
        )
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            workers = _worker_pids(child.pid)
            _wait_for_lines(out, 10)
        finally:
            os.kill(child.pid, getattr(signal, how))
            _, stderr = child.communicate(timeout=60)
        _wait_gone(workers)  # killed or interrupted, the parent leaves no worker behind
        first_run = len(read_lines(out))
        with out.open("a", encoding="utf-8") as torn:
            torn.write('{"domain": "d79.exa')

        rerun = subprocess.run(command, env=env, timeout=120, check=False)

    if how == "SIGINT":
        assert child.returncode == 130
        assert "Interrupted; run the same command again to resume" in stderr
    else:
        assert child.returncode == -signal.SIGKILL
    assert rerun.returncode == 0
    assert 10 <= first_run < 80
    counts = Counter(r["domain"] for r in read_lines(out))
    assert counts == Counter({f"d{n}.example": 1 for n in range(80)})
