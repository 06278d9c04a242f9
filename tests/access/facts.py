"""What the randomised authorisation test knows about people and objects: the terms its
specification (`SPEC`) is written in, shared by the world's generators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model


@dataclass
class Viewer:
    """A person as the specification sees them."""

    name: str
    user: Any
    active: bool = False
    secretariat: bool = False
    roles: dict[int, str] = field(default_factory=dict)

    def role(self, organisation: int | None) -> str | None:
        return self.roles.get(organisation) if self.active and organisation else None


@dataclass
class Facts:
    """An object and what the specification reads about it. `cvd` holds what the
    disclosure rules read: the case and the participant the object belongs to."""

    kind: str
    obj: Model | None
    organisation: int | None = None
    published: bool = False
    public: bool = False
    review: str = ""
    owner: int | None = None
    standing: str = "active"
    cvd: Any = None
