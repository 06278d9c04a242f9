"""Scan throughput and memory: `accord scan` against sectxt's `SecurityTXT(domain)` loop.

Both tools check the same virtual hosts on the fake internet (one HTTPS port on
loopback, a certificate per host name from a test CA, a per-response delay standing in
for the internet's latency) in the same run, alternating Accord, sectxt, Accord, ...
Each tool runs in a child process. Its CPU is that child's and its descendants'
(`wait4` rusage). Its peak RSS is the sum, over every process of its tree (`accord
scan` starts worker processes), of each one's peak (VmHWM, sampled every 20 ms from
/proc): an upper bound of the tree's peak, which counts shared library pages once per
process. `largest` is the peak of the largest single process.

- Accord: `python -m accord.engine.cli scan LIST --out ... --check security-txt` with
  its defaults (concurrency 100, 2 per host, 2 worker processes on 2+ CPUs), lab
  options to reach the fixture. `--accord-arg=--processes=1` and the like pass options.
- sectxt: `for domain in domains: SecurityTXT(domain)`, its public API and defaults
  (one domain at a time). Its `requests` reach the fixture through a patched
  `socket.getaddrinfo` (*.example -> 127.0.0.1, ports 443/80 -> the fixture's) and
  trust the test CA through REQUESTS_CA_BUNDLE. It is slow, so it runs on the first
  `--peer-hosts` hosts; throughput is compared per domain.

Both do the same work per domain: one HTTPS GET of /.well-known/security.txt and
sectxt's parser (Accord's security-txt check uses sectxt's Parser on the bytes).

    python benchmarks/scan.py                 # 5,000 hosts, 0 ms and 50 ms delay
    python benchmarks/scan.py --delay-ms 50   # the headline only
    python benchmarks/scan.py --full          # also peak RSS of a 100,000-domain scan
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

PEER = """
import socket, sys, time
https_port, http_port, listing = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
real_getaddrinfo = socket.getaddrinfo

def lab_getaddrinfo(host, port, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".example"):
        port = {443: https_port, 80: http_port}.get(int(port), port)
        host = "127.0.0.1"
    return real_getaddrinfo(host, port, *args, **kwargs)

socket.getaddrinfo = lab_getaddrinfo
from sectxt import SecurityTXT

domains = open(listing).read().split()
valid = 0
started = time.perf_counter()
for domain in domains:
    valid += SecurityTXT(domain).is_valid()
print(valid, time.perf_counter() - started)
"""


@dataclass
class Run:
    domains: int
    seconds: float
    peak_rss_mib: float
    cpu: float
    ok: int
    fixture_cpu: float
    processes: int = 1
    largest_rss_mib: float = 0.0

    @property
    def rate(self) -> float:
        return self.domains / self.seconds


class Fixture:
    """The fake internet in its own process (`fake_internet --control`).

    Its own process, so its threads share no GIL with anything, its CPU is its own, and
    this harness stays small: a child forked from a large parent would inherit the
    parent's peak RSS in its rusage.
    """

    def __init__(self, delay_ms: float, warm: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "accord.engine.testing.fake_internet",
            "--control",
            "--delay-ms",
            str(delay_ms),
            "--warm",
            str(warm),
        ]
        self._process = subprocess.Popen(
            command, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        ready = json.loads(self._process.stdout.readline())
        self.https_port: int = ready["https_port"]
        self.http_port: int = ready["http_port"]
        self.ca_pem: str = ready["ca_pem"]
        self.connect_to: list[str] = ready["connect_to"]

    def cpu(self) -> float:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write("cpu\n")
        self._process.stdin.flush()
        return float(self._process.stdout.readline())

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)


class TreeMemory(threading.Thread):
    """Samples, every 20 ms, the peak RSS (VmHWM) of each process in `root`'s tree."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self._root = root
        self._done = threading.Event()
        self.peaks_kib: dict[int, int] = {}

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self.join()

    def sample(self) -> None:
        for pid in self._tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
                    self.peaks_kib[pid] = max(peak, self.peaks_kib.get(pid, 0))

    def _tree(self) -> list[int]:
        pids, todo = [], [self._root]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                tasks = list(Path(f"/proc/{pid}/task").iterdir())
            except OSError:
                continue
            for task in tasks:
                with contextlib.suppress(OSError):
                    todo += [int(child) for child in (task / "children").read_text().split()]
        return pids


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mib: float  # the sum of every process's peak
    largest_rss_mib: float
    processes: int
    cpu: float
    out: str


def run_child(command: list[str], env: dict[str, str]) -> ChildRun:
    """Wall seconds, peak RSS and CPU seconds of this child and its descendants, stdout."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    memory = TreeMemory(child.pid)
    memory.start()
    assert child.stdout is not None
    out = child.stdout.read()
    memory.stop()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{command[:4]} failed with exit {child.returncode}")
    # wait4's ru_maxrss is the largest single process of the tree (never below a sample).
    largest = max(usage.ru_maxrss, *memory.peaks_kib.values()) / 1024
    total = max(sum(memory.peaks_kib.values()) / 1024, largest)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, total, largest, max(1, len(memory.peaks_kib)), cpu, out)


def run_accord(
    net: Fixture, listing: Path, count: int, work: Path, extra: list[str] | None = None
) -> Run:
    out = work / "accord.jsonl"
    out.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "accord.engine.cli",
        "scan",
        str(listing),
        "--out",
        str(out),
        "--quiet",
        "--check",
        "security-txt",
        "--allow-private",
        "--ca-bundle",
        net.ca_pem,
    ]
    for route in net.connect_to:
        command += ["--connect-to", route]
    command += extra or []
    fixture_before = net.cpu()
    child = run_child(command, ENV)
    fixture_cpu = net.cpu() - fixture_before
    ok = 0
    lines = 0
    with out.open(encoding="utf-8") as results:
        for line in results:
            lines += 1
            ok += json.loads(line)["checks"]["security-txt"]["status"] in ("pass", "warn")
    if lines != count:
        raise SystemExit(f"accord wrote {lines} results for {count} domains")
    return Run(
        count,
        child.seconds,
        child.peak_rss_mib,
        child.cpu,
        ok,
        fixture_cpu,
        child.processes,
        child.largest_rss_mib,
    )


def run_sectxt(net: Fixture, listing: Path, count: int) -> Run:
    command = [sys.executable, "-c", PEER, str(net.https_port), str(net.http_port), str(listing)]
    env = {**ENV, "REQUESTS_CA_BUNDLE": net.ca_pem}
    fixture_before = net.cpu()
    child = run_child(command, env)
    fixture_cpu = net.cpu() - fixture_before
    valid, _inner = child.out.split()
    return Run(
        count,
        child.seconds,
        child.peak_rss_mib,
        child.cpu,
        int(valid),
        fixture_cpu,
        child.processes,
        child.largest_rss_mib,
    )


def write_list(path: Path, hosts: list[str]) -> Path:
    path.write_text("".join(f"{host}\n" for host in hosts), encoding="utf-8")
    return path


def report(round_no: int, name: str, run: Run) -> None:
    print(
        f"   round {round_no} {name:7}{run.domains:7d} domains {run.seconds:7.1f} s "
        f"{run.rate:7.1f}/s  peak RSS {run.peak_rss_mib:6.1f} MiB ({run.processes} proc, "
        f"largest {run.largest_rss_mib:5.1f})  CPU {run.cpu:6.1f} s  "
        f"ok {run.ok:6d}  fixture CPU {run.fixture_cpu:5.1f} s "
        f"({run.fixture_cpu / run.seconds:4.0%} of wall)",
        flush=True,
    )


def compare(args: argparse.Namespace, delay_ms: float, work: Path) -> None:
    hosts = [f"d{n}.example" for n in range(args.hosts)]
    accord_list = write_list(work / "accord.txt", hosts)
    peer_list = write_list(work / "peer.txt", hosts[: args.peer_hosts])
    print(f"\n== delay {delay_ms:g} ms: Accord on {len(hosts)} hosts, sectxt on {args.peer_hosts}")
    started = time.perf_counter()
    net = Fixture(delay_ms, accord_list)
    print(f"   fixture up, certificates issued in {time.perf_counter() - started:.1f} s")
    accord: list[Run] = []
    peer: list[Run] = []
    try:
        for round_no in range(1, args.rounds + 1):
            accord.append(run_accord(net, accord_list, len(hosts), work, args.accord_arg))
            report(round_no, "accord", accord[-1])
            peer.append(run_sectxt(net, peer_list, args.peer_hosts))
            report(round_no, "sectxt", peer[-1])
    finally:
        net.close()
    accord_rate = statistics.median(run.rate for run in accord)
    peer_rate = statistics.median(run.rate for run in peer)
    print(
        f"   median: accord {accord_rate:.1f} domains/s, sectxt {peer_rate:.1f} domains/s, "
        f"ratio {accord_rate / peer_rate:.1f}x; peak RSS accord "
        f"{statistics.median(r.peak_rss_mib for r in accord):.0f} MiB, sectxt "
        f"{statistics.median(r.peak_rss_mib for r in peer):.0f} MiB"
    )


def full_memory(args: argparse.Namespace, work: Path, count: int) -> None:
    hosts = [f"m{n}.example" for n in range(count)]
    listing = write_list(work / "full.txt", hosts)
    print(f"\n== one accord scan of {count} domains at 0 ms delay: peak RSS")
    empty = write_list(work / "none.txt", [])
    net = Fixture(0.0, empty)
    try:
        run = run_accord(net, listing, count, work, args.accord_arg)
    finally:
        net.close()
    print(
        f"   {run.domains} domains in {run.seconds:.0f} s ({run.rate:.0f}/s), "
        f"peak RSS {run.peak_rss_mib:.1f} MiB (sum over {run.processes} processes, largest "
        f"{run.largest_rss_mib:.1f}), CPU {run.cpu:.0f} s, ok {run.ok}, "
        f"fixture CPU {run.fixture_cpu:.0f} s (it issues each host's certificate on first "
        "contact here)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=5_000, help="hosts Accord scans")
    parser.add_argument(
        "--peer-hosts", type=int, default=500, help="the first N of them for sectxt (slow)"
    )
    parser.add_argument(
        "--delay-ms", type=float, action="append", help="response delay (default: 0 and 50)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tool (alternating)")
    parser.add_argument(
        "--full", action="store_true", help="also measure a 100,000-domain scan's peak RSS"
    )
    parser.add_argument("--full-size", type=int, default=100_000, help=argparse.SUPPRESS)
    parser.add_argument(
        "--accord-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an extra argument for `accord scan`, e.g. --accord-arg=--processes=1",
    )
    args = parser.parse_args()
    args.peer_hosts = min(args.peer_hosts, args.hosts)
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="accord-bench-scan-") as tmp:
        for delay in args.delay_ms or [0.0, 50.0]:
            compare(args, delay, Path(tmp))
        if args.full:
            full_memory(args, Path(tmp), args.full_size)


if __name__ == "__main__":
    main()
