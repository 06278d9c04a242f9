"""The scanner: assess many domains with bounded concurrency, each result as it is done.

A fixed pool of `concurrency` worker tasks pulls (line number, domain) pairs from a
small queue fed by the input, so memory stays flat however long the list is; results
are handed to `on_result` in completion order, not input order. Each domain has a total
deadline; when it passes, or a check crashes, every requested check of that domain is
reported as `error` with a code (`deadline_exceeded`, `internal_error`) rather than the
scan stopping.

Resuming: `done_domains(path)` reads an earlier output file, repairing a line cut short
by a crash, and tells which domains are already there, so a rerun skips them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from accord.evidence.registry import CHECKS
from accord.evidence.types import CheckResult, Fetcher, Finding, Status

DEFAULT_CONCURRENCY = 100
DEFAULT_DOMAIN_TIMEOUT = 60.0


class AssessDomain(Protocol):
    def __call__(
        self,
        domain: str,
        fetcher: Fetcher,
        *,
        check_ids: list[str] | None = None,
        now: dt.datetime | None = None,
    ) -> Awaitable[dict[str, CheckResult]]: ...


def load_assess() -> AssessDomain:
    """The real checks (`accord.evidence.checks.assess_domain`), imported on first use."""
    from accord.evidence.checks import assess_domain

    return assess_domain


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


def done_domains(path: Path) -> set[str]:
    """Domains already in the output file at `path`; cuts off a truncated last line.

    A run killed mid-write can leave a partial last line (no newline); it is removed
    (that domain is assessed again) so that appended lines start on a line of their
    own. A whole line that is not a result is left alone and ignored.
    """
    if not path.exists():
        return set()
    done: set[str] = set()
    good_end = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            good_end += len(raw)
            domain = _domain_of(raw)
            if domain is not None:
                done.add(domain)
    if good_end != path.stat().st_size:
        os.truncate(path, good_end)
    return done


def _domain_of(raw: bytes) -> str | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    domain = record.get("domain") if isinstance(record, dict) else None
    return domain if isinstance(domain, str) else None
