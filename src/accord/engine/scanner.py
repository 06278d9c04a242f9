"""The scanner: assess many domains with bounded concurrency, each result as it is done.

A fixed pool of `concurrency` worker tasks pulls (line number, domain) pairs from a
small queue fed by the input, so memory stays flat however long the list is; results
are handed to `on_result` in completion order, not input order. Each domain has a total
deadline; when it passes, or a check crashes, every requested check of that domain is
reported as `error` with a code (`deadline_exceeded`, `internal_error`) rather than the
scan stopping.

Resuming: `done_domains(path)` reads an earlier output file, repairing a line cut short
by a crash, and tells which domains are already there, so a rerun skips them. A file
with a whole line that is not a result is refused (`NotScanOutput`): it is not this
command's output, and appending to it would spoil it.

Several processes: `scan_in_processes` shards the domains over worker processes (fresh
interpreters, `python -c WORKER_CODE`, each running `scan` with its share of the
concurrency and a `SafeFetcher` of its own) and streams every result back to the calling
process as a ready-made JSON line; only that process writes. A worker stops by itself
when its input pipe ends, so none outlives the caller, even one killed by SIGKILL. A domain
always goes to the same worker (by a hash of its name), so the per-host limit holds for
each listed domain's own host name; a host reached from several listed domains (a shared
policy page, a redirect target) may get up to `per_host` requests from each worker. The
caller feeds the domains lazily and at most `window` of them are between it and the
output at any time, so memory stays flat in every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import traceback
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from accord.engine import limits
from accord.engine.registry import CHECKS
from accord.engine.types import CheckResult, Fetcher, Finding, Status

DEFAULT_CONCURRENCY = 100
DEFAULT_DOMAIN_TIMEOUT = 60.0
# The check set: "module:function" with `AssessDomain`'s signature. A name rather than the
# function, so that worker processes can import it (tests point it at stub checks).
ASSESS = "accord.engine.checks:assess_domain"


class AssessDomain(Protocol):
    def __call__(
        self,
        domain: str,
        fetcher: Fetcher,
        *,
        check_ids: list[str] | None = None,
        now: dt.datetime | None = None,
    ) -> Awaitable[dict[str, CheckResult]]: ...


def load_assess(ref: str | None = None) -> AssessDomain:
    """The check set `ref` (default `ASSESS`, the real checks), imported on first use."""
    module, _, name = (ref or ASSESS).partition(":")
    assess: AssessDomain = getattr(importlib.import_module(module), name)
    return assess


@dataclass(frozen=True)
class DomainResult:
    line_no: int
    domain: str
    assessed_at: dt.datetime
    checks: dict[str, CheckResult]

    def as_dict(self) -> dict[str, Any]:
        """The JSON line shape of `accord scan` and `accord assess --json`."""
        return {
            "domain": self.domain,
            "assessed_at": rfc3339(self.assessed_at),
            "checks": {check_id: result.as_dict() for check_id, result in self.checks.items()},
        }

    def json_line(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"

    def result_line(self) -> ResultLine:
        statuses = {check_id: str(check.status) for check_id, check in self.checks.items()}
        return ResultLine(self.line_no, self.domain, self.json_line(), statuses)


@dataclass(frozen=True)
class ResultLine:
    """A finished domain as the output needs it: its JSON line and each check's verdict."""

    line_no: int
    domain: str
    line: str
    statuses: dict[str, str]


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Domains = Iterable[tuple[int, str]] | AsyncIterable[tuple[int, str]]


async def scan(
    domains: Domains,
    *,
    fetcher: Fetcher,
    check_ids: list[str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_result: Callable[[DomainResult], None],
    domain_timeout: float = DEFAULT_DOMAIN_TIMEOUT,
    assess: AssessDomain | None = None,
) -> None:
    """Assess every (line number, domain) in `domains`, calling `on_result` for each."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    assess_domain = assess or load_assess()
    queue: asyncio.Queue[tuple[int, str] | None] = asyncio.Queue(maxsize=concurrency)

    async def produce() -> None:
        if isinstance(domains, AsyncIterable):
            async for item in domains:
                await queue.put(item)
        else:
            for item in domains:
                await queue.put(item)
        for _ in range(concurrency):
            await queue.put(None)

    async def work() -> None:
        while (item := await queue.get()) is not None:
            line_no, domain = item
            checks, now = await _assess_one(
                assess_domain, domain, fetcher, check_ids, domain_timeout
            )
            on_result(DomainResult(line_no, domain, now, checks))

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(concurrency):
                group.create_task(work())
    except BaseExceptionGroup as group:
        # One failure (the output disk is full, a bad input line) stops every worker;
        # the caller sees that one exception, not a group of one.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


async def _assess_one(
    assess_domain: AssessDomain,
    domain: str,
    fetcher: Fetcher,
    check_ids: list[str] | None,
    domain_timeout: float,
) -> tuple[dict[str, CheckResult], dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    try:
        async with asyncio.timeout(domain_timeout):
            return await assess_domain(domain, fetcher, check_ids=check_ids, now=now), now
    except TimeoutError:
        finding = Finding(
            "deadline_exceeded", f"the domain was not assessed within {domain_timeout:g} s"
        )
    except Exception as exc:  # a crashing check must not end a 100,000-domain scan
        finding = Finding("internal_error", f"{type(exc).__name__}: {exc}")
    ids = check_ids if check_ids is not None else list(CHECKS)
    return {
        check_id: CheckResult(check_id, Status.ERROR, errors=[finding]) for check_id in ids
    }, now


# One result line: the checks' details nest a few levels, and a line is some kilobytes.
RESULT_LINE_LIMITS = limits.Limits(max_bytes=16 * 1024 * 1024, max_depth=32, max_seconds=1.0)


class NotScanOutput(ValueError):
    """The file to resume holds a line that is not a result; the message names it."""


def done_domains(path: Path) -> set[str]:
    """Domains already in the output file at `path`; cuts off a truncated last line.

    A run killed mid-write can leave a partial last line (no newline); it is removed
    (that domain is assessed again) so that appended lines start on a line of their
    own. A whole line that is not a result raises `NotScanOutput`, the file unchanged.
    """
    if not path.exists():
        return set()
    done: set[str] = set()
    good_end = 0
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                break
            good_end += len(raw)
            if raw.strip():
                done.add(_domain_of(raw, f"{path}:{line_no}"))
    if good_end != path.stat().st_size:
        os.truncate(path, good_end)
    return done


def _domain_of(raw: bytes, where: str) -> str:
    try:
        record = limits.parse_json(raw, RESULT_LINE_LIMITS)
    except limits.ParseRefused as exc:
        reason = exc.message
    else:
        domain = record.get("domain") if isinstance(record, dict) else None
        if isinstance(domain, str):
            return domain
        reason = 'no "domain"'
    shown = limits.quoted(raw.decode("utf-8", "replace").rstrip("\n"))
    raise NotScanOutput(f"{where}: not a result of `accord scan` ({reason}): {shown}")


# -- several processes ------------------------------------------------------------------

SEND_BATCH = 16  # domains per message to a worker
# How a worker starts: `python -P -c WORKER_CODE PATH TASK_FD RESULT_FD`, PATH being where
# this `accord` package lives, so the worker runs the same code however we were started.
WORKER_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from accord.engine.scanner import worker_main; worker_main()"
)


@dataclass(frozen=True)
class WorkerJob:
    """What every worker process needs (it crosses to them pickled).

    `fetcher` holds `SafeFetcher` keyword arguments; `concurrency` is for all workers
    together and is shared out among them.
    """

    fetcher: dict[str, Any]
    check_ids: list[str] | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    domain_timeout: float = DEFAULT_DOMAIN_TIMEOUT
    assess: str = ASSESS


class ScanWorkerError(RuntimeError):
    """A worker process failed or died. Results written so far stand; a rerun resumes."""


def shard_of(domain: str, processes: int) -> int:
    """The worker a domain goes to: the same one every time, spread evenly."""
    return zlib.crc32(domain.encode()) % processes


def scan_in_processes(
    domains: Iterable[tuple[int, str]],
    *,
    job: WorkerJob,
    processes: int,
    on_result: Callable[[ResultLine], None],
    window: int | None = None,
) -> None:
    """Assess `domains` in `processes` worker processes; `on_result` runs in this one.

    At most `window` domains (default twice the concurrency, plus a few per worker) are
    handed out and not yet reported; `domains` is read only as they come back. A worker
    that fails or dies stops the scan with `ScanWorkerError`, after every result it
    reported was passed to `on_result`. On any exception (Ctrl-C included) the workers
    are stopped before it propagates. POSIX only (the workers inherit pipes).
    """
    if processes < 1:
        raise ValueError("processes must be at least 1")
    if job.concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    processes = min(processes, job.concurrency)
    pool = _WorkerPool(job, processes)
    try:
        pool.run(iter(domains), on_result, window or 2 * job.concurrency + 16 * processes)
    except BaseException:
        pool.close(abort=True)
        raise
    pool.close(abort=False)


@dataclass
class _Worker:
    name: str
    process: subprocess.Popen[bytes]
    tasks: Connection
    results: Connection
    concurrency: int = 1  # its share
    batch: list[tuple[int, str]] = field(default_factory=list)
    in_flight: int = 0  # sent to it and not reported yet
    ended: bool = False  # told there is no more input
    done: bool = False  # said it has reported everything

    def send_batch(self) -> None:
        self.send(self.batch)
        self.in_flight += len(self.batch)
        self.batch = []

    def send(self, message: object) -> None:
        try:
            self.tasks.send(message)
        except OSError:  # it is gone: say how it ended
            raise self.ended_unexpectedly() from None

    def ended_unexpectedly(self) -> ScanWorkerError:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        status = self.process.returncode
        return ScanWorkerError(f"{self.name} ended unexpectedly (exit status {status})")


class _WorkerPool:
    """Worker processes, each with a pipe of domains in and a pipe of results out."""

    def __init__(self, job: WorkerJob, processes: int) -> None:
        self.workers: list[_Worker] = []
        root = str(Path(__file__).resolve().parents[2])
        try:
            for index in range(processes):
                share = job.concurrency // processes + (index < job.concurrency % processes)
                self.workers.append(self._start(f"scan worker {index + 1}", root))
                self.workers[-1].concurrency = share
                self.workers[-1].send(dataclasses.replace(job, concurrency=share))
        except BaseException:
            self.close(abort=True)
            raise

    @staticmethod
    def _start(name: str, root: str) -> _Worker:
        task_reader, task_writer = os.pipe()
        result_reader, result_writer = os.pipe()
        try:
            command = [sys.executable, "-P", "-c", WORKER_CODE, root]
            process = subprocess.Popen(  # noqa: S603 (our interpreter, our code)
                [*command, str(task_reader), str(result_writer)],
                pass_fds=(task_reader, result_writer),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # stdout is the command's; errors go to stderr
                process_group=0,  # Ctrl-C at a terminal reaches us alone; we stop them
            )
        except BaseException:
            for fd in (task_writer, result_reader):
                os.close(fd)
            raise
        finally:
            # Only the worker holds these ends now: when it dies, reading its results
            # ends (EOF); when this process dies, its input ends.
            os.close(task_reader)
            os.close(result_writer)
        tasks = Connection(task_writer, readable=False)
        return _Worker(name, process, tasks, Connection(result_reader, writable=False))

    def run(
        self,
        domains: Iterator[tuple[int, str]],
        on_result: Callable[[ResultLine], None],
        window: int,
    ) -> None:
        workers = self.workers
        credit = window
        exhausted = False
        with selectors.DefaultSelector() as selector:
            for worker in workers:
                selector.register(worker.results, selectors.EVENT_READ, worker)
            while True:
                while credit and not exhausted:
                    item = next(domains, None)
                    if item is None:
                        exhausted = True
                        break
                    worker = workers[shard_of(item[1], len(workers))]
                    worker.batch.append(item)
                    credit -= 1
                    if len(worker.batch) >= SEND_BATCH:
                        worker.send_batch()
                for worker in workers:
                    # A part batch waits for more, unless the worker could run short.
                    if worker.batch and (exhausted or worker.in_flight <= worker.concurrency):
                        worker.send_batch()
                    if exhausted and not worker.ended:
                        worker.send(None)
                        worker.ended = True
                if all(worker.done for worker in workers):
                    return
                for key, _events in selector.select():
                    worker = key.data
                    message = self._receive(worker)  # one; the selector says if there is more
                    if isinstance(message, list):  # the results a worker finished at once
                        for result in message:
                            on_result(ResultLine(*result))
                        credit += len(message)
                        worker.in_flight -= len(message)
                    elif message[0] == "done":
                        worker.done = True
                        selector.unregister(worker.results)
                    else:
                        raise ScanWorkerError(f"{worker.name} failed:\n{message[1]}")

    @staticmethod
    def _receive(worker: _Worker) -> Any:
        try:
            message = worker.results.recv()
        except (EOFError, OSError):
            raise worker.ended_unexpectedly() from None
        return message

    def close(self, *, abort: bool) -> None:
        """Let finished workers exit; stop the others (on error or interrupt) at once."""
        for worker in self.workers:
            worker.tasks.close()  # a worker still reading sees the end of its input
            if abort or not worker.done:
                with contextlib.suppress(OSError):
                    worker.process.terminate()
        for worker in self.workers:
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.results.close()


class _ParentGone(Exception):
    """The process that feeds this worker is gone: stop."""


_PARENT_GONE = object()


def worker_main() -> None:
    """A worker process (see WORKER_CODE): scan what arrives, report each result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    tasks = Connection(int(sys.argv[2]), writable=False)
    results = Connection(int(sys.argv[3]), readable=False)
    try:
        job: WorkerJob = tasks.recv()
        asyncio.run(_worker_scan(job, tasks, results))
        results.send(("done",))
    except (_ParentGone, EOFError):
        return
    except BaseException:
        with contextlib.suppress(OSError):
            results.send(("error", traceback.format_exc()))
        raise SystemExit(1) from None


async def _worker_scan(job: WorkerJob, tasks: Connection, results: Connection) -> None:
    from accord.engine.fetcher import SafeFetcher

    assess = load_assess(job.assess)
    loop = asyncio.get_running_loop()
    scanning = asyncio.current_task()
    finished: list[tuple[int, str, str, dict[str, str]]] = []
    broken: list[OSError] = []

    def send_finished() -> None:
        # Every result finished in one turn of the event loop goes in one message, at
        # the end of that turn: sooner cannot be, and the parent writes each at once.
        if not finished or broken:
            return
        try:
            results.send(finished[:])
        except OSError as exc:  # the parent is gone
            broken.append(exc)
            if scanning is not None:
                scanning.cancel()
        finished.clear()

    def report(result: DomainResult) -> None:
        line = result.result_line()
        if not finished:
            loop.call_soon(send_finished)
        finished.append((line.line_no, line.domain, line.line, line.statuses))

    try:
        async with SafeFetcher(**job.fetcher) as fetcher:
            await scan(
                _received(tasks),
                fetcher=fetcher,
                check_ids=job.check_ids,
                concurrency=job.concurrency,
                on_result=report,
                domain_timeout=job.domain_timeout,
                assess=assess,
            )
    except asyncio.CancelledError:
        if broken:
            raise _ParentGone from broken[0]
        raise
    send_finished()
    if broken:
        raise _ParentGone from broken[0]


async def _received(tasks: Connection) -> AsyncIterator[tuple[int, str]]:
    """The domains the parent sends, read by a thread so that the event loop never waits."""
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                batch = tasks.recv()
            except (EOFError, OSError):
                batch = _PARENT_GONE
            try:
                loop.call_soon_threadsafe(inbox.put_nowait, batch)
            except RuntimeError:  # the event loop is closed: the scan is over
                return
            if batch is None or batch is _PARENT_GONE:
                return

    threading.Thread(target=read, name="accord-scan-inbox", daemon=True).start()
    while (batch := await inbox.get()) is not None:
        if batch is _PARENT_GONE:
            raise _ParentGone
        for item in batch:
            yield item
