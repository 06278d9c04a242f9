"""Test helpers for the checks: an in-memory internet (URL -> Response or FetchError),
a fixed clock, and the corpus location."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tests.corpus import CORPUS  # noqa: F401 (re-exported for the check tests)

from accord.engine.types import FetchError, FetchOutcome, Response

# The corpus notes call Expires dates "past" or "future" relative to its collection date.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TEXT = "text/plain; charset=utf-8"


class FakeFetcher:
    """Answers from a table of URLs; anything not in it is a 404. Records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, FetchOutcome] = {}
        self.requests: list[str] = []

    def serve(
        self,
        url: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = TEXT,
        headers: Mapping[str, str] | None = None,
        redirected_from: tuple[str, ...] = (),
    ) -> None:
        """Serve `body` at `url`; with `redirected_from`, those URLs redirect to it."""
        all_headers = {k.lower(): v for k, v in (headers or {}).items()}
        if content_type is not None:
            all_headers["content-type"] = content_type
        data = body.encode() if isinstance(body, str) else body
        response = Response(url, status, all_headers, data)
        self.routes[url] = response
        for i, origin in enumerate(redirected_from):
            self.routes[origin] = replace(response, redirects=redirected_from[i:])

    def fail(self, url: str, code: str, message: str = "simulated") -> None:
        self.routes[url] = FetchError(url, code, message)

    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome:
        self.requests.append(url)
        outcome = self.routes.get(url)
        if outcome is None:
            return Response(url, 404, {"content-type": "text/html"}, b"<h1>Not found</h1>")
        if isinstance(outcome, Response) and len(outcome.body) > max_bytes:
            return replace(outcome, body=outcome.body[:max_bytes], truncated=True)
        return outcome


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def security_txt(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


VALID_FILE = security_txt(
    "Contact: https://example.com/security",
    "Expires: 2027-06-01T00:00:00.000Z",
    "Policy: https://example.com/disclosure-policy",
    "Preferred-Languages: en",
    "Canonical: https://example.com/.well-known/security.txt",
)


def codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]
