"""What every check shares: the per-domain context that memoises fetches, and result helpers.

A check is `retrieve` (async, all I/O through `ctx`) then `evaluate` (pure, given `now`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from accord.engine.types import (
    CheckResult,
    Fetcher,
    FetchError,
    FetchOutcome,
    Finding,
    Response,
    Status,
)

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_BYTES = 1_048_576

# Fetch failures that concern the host as a whole: trying another path on it is pointless.
HOST_FAILURES = frozenset(
    {"invalid_url", "blocked_address", "dns_error", "connect_error", "tls_error"}
)


@dataclass
class AssessmentContext:
    """One domain's assessment: the fetcher, options, and a cache so each URL is fetched once.

    The cache holds futures rather than results, so two checks running concurrently that ask
    for the same URL share one request.
    """

    domain: str
    fetcher: Fetcher
    cache: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    async def fetch(self, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FetchOutcome:
        return await self.once(
            f"fetch {max_bytes} {url}", lambda: self.fetcher.get(url, max_bytes=max_bytes)
        )

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` the first time `key` is asked for; later callers await the same result."""
        future = self.cache.get(key)
        if future is None:
            future = asyncio.ensure_future(make())
            self.cache[key] = future
        result: T = await future
        return result


class Check(Protocol[R]):
    """A check: a stable id, a version bumped when its semantics change, retrieve, evaluate."""

    id: str
    version: str

    async def retrieve(self, ctx: AssessmentContext) -> R: ...

    def evaluate(self, retrieved: R, *, now: datetime) -> CheckResult: ...


def verdict(errors: Iterable[Finding], recommendations: Iterable[Finding]) -> Status:
    """FAIL on any error, WARN on any recommendation, PASS otherwise."""
    if any(True for _ in errors):
        return Status.FAIL
    if any(True for _ in recommendations):
        return Status.WARN
    return Status.PASS


def fetch_error_result(check_id: str, error: FetchError) -> CheckResult:
    """The fetch itself failed: the check could not judge, so ERROR with the fetch code."""
    return CheckResult(
        check_id, Status.ERROR, url=error.url, errors=[Finding(error.code, error.message)]
    )


def describe_outcome(outcome: FetchOutcome | None) -> str:
    """A short human description of what a fetch returned, for messages and details."""
    if outcome is None:
        return "not fetched"
    if isinstance(outcome, FetchError):
        return f"{outcome.code}: {outcome.message}"
    return f"HTTP {outcome.status}"


def success(outcome: FetchOutcome | None) -> Response | None:
    """The response when the fetch ended in a 2xx answer, else None."""
    if isinstance(outcome, Response) and 200 <= outcome.status < 300:
        return outcome
    return None


def answered(outcome: FetchOutcome | None) -> bool:
    """A final response in the 2xx range."""
    return success(outcome) is not None


def is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() == "https" and bool(parts.hostname)
