"""The catalogue's domain exceptions. Plain Python: the validator imports them without Django."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from accord import errors

if TYPE_CHECKING:
    from accord.catalogue.validation import Problem


class CatalogueError(errors.DomainError):
    """Base class of the errors a catalogue user can act on."""


class CatalogueInvalid(CatalogueError):
    """The catalogue files have problems; nothing was loaded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"The catalogue has {count} problem(s){first}{more}")


class CatalogueNotLoaded(CatalogueError, errors.NotFound):
    """No catalogue version has been loaded into this instance yet."""

    def __init__(self) -> None:
        super().__init__("No catalogue is loaded yet: run `accord init` first.")


class SearchQueryTooLong(CatalogueError, errors.Invalid):
    """A search query over the length the search accepts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"Search for at most {limit} characters.", field="q")
