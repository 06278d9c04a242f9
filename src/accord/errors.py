"""The one hierarchy of domain exceptions, below every app.

Services raise a `DomainError` with a message meant for the person. Two places turn it
into a response: `accord.web.middleware.DomainErrorMiddleware` for pages and the
exception handler in `accord.api` for the JSON API, each by the error's `http_status`.
Apps subclass these classes under their own names (`adoption.exceptions.AlreadyCommitted`
is a `Conflict`), so call sites read in the app's words and the mapping stays in one place.

Plain Python: no Django, so the engine's neighbours and the catalogue's validator can
import it too.
"""

from __future__ import annotations

from collections.abc import Container
from typing import ClassVar


class DomainError(Exception):
    """A change or a read that cannot be done; the message is meant for the person."""

    http_status: ClassVar[int] = 400
    title: ClassVar[str] = "Not done"

    def extra(self) -> dict[str, object]:
        """More of the answer than the message, as JSON (every item a refusal lists)."""
        return {}


class NotAllowed(DomainError):
    """The actor may not do this. Where even the object's existence is not theirs to
    know, raise `NotFound` instead."""

    http_status = 403
    title = "Not allowed"


class NotFound(DomainError):
    """There is nothing by this name, or nothing the actor may see."""

    http_status = 404
    title = "Not found"


class Conflict(DomainError):
    """The object's state forbids the change: already done, withdrawn, reviewed."""

    http_status = 409


class Invalid(DomainError):
    """A value that is well-formed but not acceptable; `field` names it, if one does."""

    http_status = 422
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field

    def field_in(self, fields: Container[str]) -> str | None:
        """The field to show the message next to, if the form has it; else None
        (the message is then about the form as a whole)."""
        return self.field if self.field is not None and self.field in fields else None


class Unreadable(Invalid):
    """The request's bytes are not text the instance can read or store: a NUL byte, a
    lone surrogate, JSON that does not parse or nests too deep."""

    http_status = 400
    title = "Unreadable request"


class TooLarge(DomainError):
    """The request or the file in it is larger than the instance accepts."""

    http_status = 413


class UnsupportedType(DomainError):
    """The content is not of a type the instance accepts, whatever its name says."""

    http_status = 415


class TooManyRequests(DomainError):
    """The actor sent too many of these in a short time; they may try again later."""

    http_status = 429
    title = "Too many requests"


def problem(exc: DomainError) -> dict[str, object]:
    """The JSON body that answers `exc`: the message, and the field it is about (null
    when it is about no one field), and what more the error carries (`extra`). The API's
    handler and the edge both answer with it."""
    field = exc.field if isinstance(exc, Invalid) else None
    return {"detail": str(exc), "field": field, **exc.extra()}
