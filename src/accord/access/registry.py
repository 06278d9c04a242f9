"""The rule registry and the one check, `has_perm`.

A rule is declared once, by the app that owns the resource, in its `rules.py`:

- `scopes` maps a model label (`"accounts.Organisation"`) to a function from that
  model's queryset and a viewer to the objects the viewer may act on. `has_perm` on an
  object asks exactly that queryset; list pages and API lists read it through
  `scope_of` or the same `visible_to(user)` methods on the models' managers.
- `allows` answers when no object is named (instance-wide permissions).
- `public` rules are asked for signed-out visitors and inactive accounts too; every
  other rule refuses them before asking.

Unknown permissions, and objects of a model the rule does not name, are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet

from accord.access.permissions import Permission

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# Whom a rule is asked about; None is nobody (a caller with no person behind it).
type Viewer = AbstractBaseUser | AnonymousUser | None
type Scope = Callable[[Any, Viewer], QuerySet[Any]]
type Allows = Callable[[Viewer], bool]


@dataclass(frozen=True)
class Rule:
    """One permission's rule, and the module (an app's `rules.py`) that declared it."""

    permission: Permission
    owner: str
    scopes: Mapping[str, Scope]
    allows: Allows | None
    public: bool


_RULES: dict[str, Rule] = {}


def declare(
    permission: Permission,
    *,
    owner: str,
    scopes: Mapping[str, Scope] | None = None,
    allows: Allows | None = None,
    public: bool = False,
) -> Rule:
    """Register the rule of `permission`; each permission is declared exactly once."""
    if permission in _RULES:
        raise ValueError(f"{permission} is already declared by {_RULES[permission].owner}")
    rule = Rule(permission, owner, dict(scopes or {}), allows, public)
    _RULES[permission] = rule
    return rule


def rule_of(permission: Permission) -> Rule | None:
    """The declared rule, or None: such a permission is refused to everyone."""
    return _RULES.get(permission)


def active(user: Viewer) -> bool:
    """Signed in with an account that has not been deactivated."""
    return user is not None and bool(user.is_authenticated and user.is_active)


def _admits(rule: Rule, user: Viewer) -> bool:
    return rule.public or active(user)


def scope_of[M: Model](user: Viewer, permission: Permission, model: type[M]) -> QuerySet[M]:
    """The objects of `model` that `user` may act on under `permission`; none when the
    permission is unknown or its rule does not name the model."""
    objects = model._default_manager.all()
    rule = _RULES.get(permission)
    scope = rule.scopes.get(model._meta.label) if rule is not None else None
    if rule is None or scope is None or not _admits(rule, user):
        return objects.none()
    return scope(objects, user)


def has_perm(user: Viewer, permission: Permission, obj: Model | None = None) -> bool:
    """Whether `user` may do `permission` on `obj` (on the instance, when `obj` is None).

    On an object, the answer is whether the object is in the rule's queryset.
    """
    rule = _RULES.get(permission)
    if rule is None or not _admits(rule, user):
        return False
    if obj is None:
        return rule.allows is not None and rule.allows(user)
    if not isinstance(obj, Model) or obj.pk is None:
        return False
    return scope_of(user, permission, type(obj)).filter(pk=obj.pk).exists()


def everything_if(allows: Allows) -> Scope:
    """The scope of an instance-wide permission: every object, for those it `allows`."""

    def scope(objects: QuerySet[Any], user: Viewer) -> QuerySet[Any]:
        return objects if allows(user) else objects.none()

    return scope


def instance_admin(user: Viewer) -> bool:
    """Whether `user` administers the instance: the rule that the apps below accounts
    (and those whose resources belong to the instance as a whole) grant by."""
    from accord.access.permissions import Permission

    return has_perm(user, Permission.INSTANCE_ADMIN)
