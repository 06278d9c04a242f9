"""`{% can "app:resource:action" obj as may %}`: templates ask `has_perm`, never a role.

Loaded as a builtin (settings `TEMPLATES` `builtins`), so every template has it. The
object is optional: `{% can "commitments:document:review" as may_review %}`. A name that
is not a permission is refused, like any permission without a rule.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from accord.access.permissions import Permission
from accord.access.registry import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, permission: str, obj: Model | None = None) -> bool:
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    try:
        known = Permission(permission)
    except ValueError:
        return False
    return user is not None and has_perm(user, known, obj)
