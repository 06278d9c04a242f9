"""The one permission check. Every view, API route, export and command asks `has_perm`.

Rules are plain functions from (user, object) to bool, registered per permission. An
app that adds a protected resource adds its permission here and registers its rule;
nothing else decides who may read or change what.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from accord.accounts.models import Membership, Organisation


class Permission(enum.StrEnum):
    """Named `app:resource:action`."""

    ORGANISATION_VIEW = "accounts:organisation:view"
    ORGANISATION_MANAGE = "accounts:organisation:manage"
    TOKEN_CREATE = "accounts:token:create"
    TOKEN_REVOKE = "accounts:token:revoke"
    AUDIT_VIEW = "audit:event:view"
    CATALOGUE_PUBLISH = "catalogue:version:publish"
    INSTANCE_ADMIN = "accounts:instance:admin"


Rule = Callable[[Any, Any], bool]
_RULES: dict[Permission, Rule] = {}


def rule(permission: Permission) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        _RULES[permission] = func
        return func

    return register


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def role_in(user: Any, organisation: Organisation) -> str | None:
    """The user's membership role in the organisation, or None."""
    if not _active(user) or organisation is None:
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )


def has_perm(user: Any, permission: Permission, obj: Any = None) -> bool:
    """Whether `user` may do `permission` on `obj`. Unknown permissions are refused."""
    if not _active(user):
        return False
    check = _RULES.get(permission)
    return bool(check and check(user, obj))


@rule(Permission.ORGANISATION_VIEW)
def _view_organisation(user: Any, organisation: Organisation) -> bool:
    return user.is_secretariat or role_in(user, organisation) is not None


@rule(Permission.ORGANISATION_MANAGE)
def _manage_organisation(user: Any, organisation: Organisation) -> bool:
    return user.is_secretariat or role_in(user, organisation) == Membership.Role.ORG_ADMIN


@rule(Permission.TOKEN_CREATE)
def _create_token(user: Any, organisation: Organisation) -> bool:
    # Tokens act for a person within an organisation they belong to; being
    # secretariat does not make someone a member.
    return role_in(user, organisation) is not None


@rule(Permission.TOKEN_REVOKE)
def _revoke_token(user: Any, token: Any) -> bool:
    return bool(token.user_id == user.pk or _manage_organisation(user, token.organisation))


@rule(Permission.AUDIT_VIEW)
def _view_audit(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


@rule(Permission.CATALOGUE_PUBLISH)
def _publish_catalogue(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


@rule(Permission.INSTANCE_ADMIN)
def _admin_instance(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)
