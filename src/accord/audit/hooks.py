"""Hooks: how a lower app tells higher ones what happened, without importing them.

A hook is named like the audit tags (`evidence:observation:record`) and carries one
typed, frozen payload. The app that owns the event declares the hook and announces it
from its service; an app above subscribes in its `AppConfig.ready()`. Handlers run
after the announcing transaction commits, each on its own: one that fails is logged
and never rolls back what was recorded, nor stops the handlers after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

logger = logging.getLogger(__name__)

_NAMES: set[str] = set()


@dataclass(eq=False)
class Hook[P]:
    """One named event that handlers may subscribe to; `P` is its payload's type."""

    name: str
    _handlers: list[Callable[[P], object]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.name.count(":") != 2:
            raise ValueError(f"hook names read app:subject:action, not {self.name!r}")
        if self.name in _NAMES:
            raise ValueError(f"hook {self.name!r} is declared twice")
        _NAMES.add(self.name)

    def subscribe(self, handler: Callable[[P], object]) -> Callable[[P], object]:
        """Call `handler(payload)` after each announcement commits (idempotent)."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def announce(self, payload: P) -> None:
        """Queue every handler to run once the current transaction commits."""
        for handler in list(self._handlers):
            transaction.on_commit(_guarded(self.name, handler, payload))


def _guarded[P](name: str, handler: Callable[[P], object], payload: P) -> Callable[[], None]:
    def run() -> None:
        try:
            handler(payload)
        except Exception:  # a subscriber's failure is its own: the event stands
            logger.exception("handler %s of hook %s failed", handler.__qualname__, name)

    return run
