"""The shapes shared by the fetcher, the checks and the scanner.

A check is split in three: `retrieve` (async I/O through a `Fetcher`), `evaluate` (a
pure function of what was retrieved, tested on files alone) and store (the platform's
observations, or a JSON line for `accord scan`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One coded message about what was found (codes are stable; messages are for people)."""

    code: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "line": self.line}


@dataclass
class CheckResult:
    check_id: str
    status: Status
    url: str | None = None
    errors: list[Finding] = field(default_factory=list)
    recommendations: list[Finding] = field(default_factory=list)
    notifications: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "url": self.url,
            "errors": [f.as_dict() for f in self.errors],
            "recommendations": [f.as_dict() for f in self.recommendations],
            "notifications": [f.as_dict() for f in self.notifications],
            "details": self.details,
        }


@dataclass(frozen=True)
class Response:
    """What a fetch returned. Header names are lower-case."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool = False
    redirects: tuple[str, ...] = ()
    peer_address: str | None = None


@dataclass(frozen=True)
class FetchError:
    """Why a fetch returned nothing. `code` is one of FETCH_ERROR_CODES."""

    url: str
    code: str
    message: str
    redirects: tuple[str, ...] = ()


FETCH_ERROR_CODES = (
    "invalid_url",
    "blocked_address",
    "dns_error",
    "connect_error",
    "tls_error",
    "timeout",
    "too_large",
    "too_many_redirects",
    "http_error",
)

FetchOutcome = Response | FetchError


class Fetcher(Protocol):
    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome: ...
