"""The one permission check, and the registry every app's `rules.py` declares into.

It sits at the ground layer, beside `audit`, so every app, audit included, can name a
permission and ask `has_perm`; it imports no app. Each app that owns a protected
resource declares, in its own `rules.py`, the rule of each of its permissions: which
objects of which model a person may act on, as a queryset (`visible_to(user)`,
`manageable_by(user)`), and, for permissions that need no object, whether the person
may at all. `has_perm(user, perm, obj)` answers from that same queryset, so a list page
and a permission check can never disagree.
"""

from accord.access.permissions import Permission
from accord.access.registry import (
    Rule,
    Scope,
    Viewer,
    active,
    declare,
    everything_if,
    has_perm,
    instance_admin,
    rule_of,
    scope_of,
)

__all__ = [
    "Permission",
    "Rule",
    "Scope",
    "Viewer",
    "active",
    "declare",
    "everything_if",
    "has_perm",
    "instance_admin",
    "rule_of",
    "scope_of",
]
