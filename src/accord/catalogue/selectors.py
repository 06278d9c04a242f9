"""Reading the catalogue."""

from typing import Any


def catalogue_summary() -> dict[str, Any] | None:
    return None
