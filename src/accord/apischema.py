"""What every API router shares: the error answers' schemas, the statuses each route
documents, and the bounds of ids and days, so the OpenAPI document says one thing for all.

Below every app (it imports only django-ninja and pydantic), so each app's router can
use it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError


class ErrorOut(Schema):
    """A refused request: what is wrong and, for a value that is not acceptable, its field."""

    detail: str
    field: str | None = Field(None, description="The field the detail is about, if one")


class InvalidRequestOut(ErrorOut):
    """A request whose values do not fit this document: the first such value in `field`,
    and what was wrong with each."""

    errors: list[dict[str, Any]] = Field(
        description="One entry per value: where it is (`loc`), what is wrong (`msg`, `type`)"
    )


def refusals(*statuses: int) -> dict[int, Any]:
    """The documented error answers for `statuses`. A 422 is either a value the service
    found unacceptable (`ErrorOut`) or one that does not fit the document at all
    (`InvalidRequestOut`, which lists every problem), so it is documented as either."""
    return {
        status: ErrorOut | InvalidRequestOut if status == 422 else ErrorOut for status in statuses
    }


MAX_ID_LENGTH = 100  # longer than any catalogue id or slug, so no real one is refused
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> date:
    # Pydantic alone reads `0` or `"0"` as 1970-01-01 (a Unix time) and `"20240101"` as a
    # date too; a day the API takes is written one way, and is one the platform can hold.
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_from_iso", "There is no such day.") from None
    else:
        raise PydanticCustomError("date_from_iso", "Give the day as YYYY-MM-DD.")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PydanticCustomError(
            "date_in_range", f"Give a day from {EARLIEST_DAY} to {LATEST_DAY}."
        )
    return day


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_day),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"YYYY-MM-DD, from {EARLIEST_DAY} to {LATEST_DAY}",
        }
    ),
]
