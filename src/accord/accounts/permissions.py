"""The one permission check. Every view, API route, export and command asks `has_perm`.

Rules are plain functions from (user, object) to bool, registered per permission. An
app that adds a protected resource adds its permission here and registers its rule;
nothing else decides who may read or change what.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from accord.accounts.models import ApiToken, Membership, Organisation


class Permission(enum.StrEnum):
    """Named `app:resource:action`."""

    ORGANISATION_CREATE = "accounts:organisation:create"
    ORGANISATION_VIEW = "accounts:organisation:view"
    ORGANISATION_MANAGE = "accounts:organisation:manage"
    MEMBER_CONTACTS_VIEW = "accounts:membership:contacts"
    TWO_FACTOR_DISABLE = "accounts:totp:disable"
    TOKEN_CREATE = "accounts:token:create"  # noqa: S105 (a permission name)
    TOKEN_REVOKE = "accounts:token:revoke"  # noqa: S105
    TOKEN_USE = "accounts:token:use"  # noqa: S105
    AUDIT_VIEW = "audit:event:view"
    EVIDENCE_VIEW = "evidence:observation:view"
    EVIDENCE_SCAN = "evidence:scan:request"
    CATALOGUE_PUBLISH = "catalogue:version:publish"
    COMMITMENT_MANAGE = "adoption:commitment:manage"
    SCORECARD_VIEW = "adoption:scorecard:view"
    PROOF_VIEW = "adoption:proof:view"
    DOCUMENT_REVIEW = "adoption:document:review"
    ASSESSMENT_EXPORT = "adoption:assessment:export"
    INSTANCE_ADMIN = "accounts:instance:admin"


Rule = Callable[[Any, Any], bool]
_RULES: dict[Permission, Rule] = {}
# Rules asked for anonymous visitors too (what an organisation chose to publish).
_PUBLIC_RULES: set[Permission] = set()


def rule(permission: Permission, *, public: bool = False) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        _RULES[permission] = func
        if public:
            _PUBLIC_RULES.add(permission)
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
    """Whether `user` may do `permission` on `obj`. Unknown permissions are refused.

    Signed-out visitors and inactive accounts are refused unless the rule is public.
    """
    if not _active(user) and permission not in _PUBLIC_RULES:
        return False
    check = _RULES.get(permission)
    return bool(check and check(user, obj))


@rule(Permission.ORGANISATION_CREATE)
def _create_organisation(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


@rule(Permission.ORGANISATION_VIEW)
def _view_organisation(user: Any, organisation: Organisation) -> bool:
    return user.is_secretariat or role_in(user, organisation) is not None


@rule(Permission.ORGANISATION_MANAGE)
def _manage_organisation(user: Any, organisation: Organisation) -> bool:
    return user.is_secretariat or role_in(user, organisation) == Membership.Role.ORG_ADMIN


@rule(Permission.MEMBER_CONTACTS_VIEW)
def _view_member_contacts(user: Any, obj: Organisation | ApiToken) -> bool:
    # Members see who belongs to their organisation; only those who manage it see
    # the email addresses, so a member's account cannot be used to harvest them.
    if isinstance(obj, ApiToken):
        # A token acts with its owner's role in its organisation, never with the
        # owner's instance-wide role.
        return (
            obj.user_id == user.pk and role_in(user, obj.organisation) == Membership.Role.ORG_ADMIN
        )
    return _manage_organisation(user, obj)


@rule(Permission.TWO_FACTOR_DISABLE)
def _disable_two_factor(user: Any, _obj: Any) -> bool:
    # The instance's admins always keep a second factor.
    return not user.is_secretariat


@rule(Permission.TOKEN_CREATE)
def _create_token(user: Any, organisation: Organisation) -> bool:
    # Tokens act for a person within an organisation they belong to; being
    # secretariat does not make someone a member.
    return role_in(user, organisation) is not None


@rule(Permission.TOKEN_REVOKE)
def _revoke_token(user: Any, token: Any) -> bool:
    return bool(token.user_id == user.pk or _manage_organisation(user, token.organisation))


@rule(Permission.TOKEN_USE)
def _use_token(user: Any, token: Any) -> bool:
    # A token stops working the moment its owner leaves the organisation.
    return bool(token.user_id == user.pk and role_in(user, token.organisation) is not None)


@rule(Permission.AUDIT_VIEW)
def _view_audit(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


def _organisation_of(obj: Any) -> Organisation | None:
    # Evidence objects (domains, observations, verdict changes) belong to an organisation.
    if isinstance(obj, Organisation):
        return obj
    organisation = getattr(obj, "organisation", None)
    return organisation if isinstance(organisation, Organisation) else None


@rule(Permission.EVIDENCE_VIEW)
def _view_evidence(user: Any, obj: Any) -> bool:
    return _member_or_secretariat(user, _organisation_of(obj))


@rule(Permission.EVIDENCE_SCAN)
def _request_scan(user: Any, obj: Any) -> bool:
    organisation = _organisation_of(obj)
    return organisation is not None and _manage_organisation(user, organisation)


@rule(Permission.CATALOGUE_PUBLISH)
def _publish_catalogue(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


@rule(Permission.INSTANCE_ADMIN)
def _admin_instance(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


def _published(organisation: Organisation) -> bool:
    preference = getattr(organisation, "publication", None)
    return bool(preference is not None and preference.public_profile)


def _member_or_secretariat(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None or not _active(user):
        return False
    return bool(user.is_secretariat or role_in(user, organisation) is not None)


@rule(Permission.COMMITMENT_MANAGE)
def _manage_commitments(user: Any, obj: Any) -> bool:
    # Org admins commit their own organisation; the secretariat does not commit for them.
    organisation = _organisation_of(obj)
    return organisation is not None and role_in(user, organisation) == Membership.Role.ORG_ADMIN


@rule(Permission.SCORECARD_VIEW, public=True)
def _view_scorecard(user: Any, obj: Any) -> bool:
    organisation = _organisation_of(obj)
    if organisation is None:
        return False
    return _published(organisation) or _member_or_secretariat(user, organisation)


@rule(Permission.PROOF_VIEW, public=True)
def _view_proof(user: Any, proof: Any) -> bool:
    """Attestations and documents: answered by the proof's own queryset, `visible_to`
    (accord.commitments.models), which is the only place the rule is written: members and
    the secretariat, or anyone once the organisation publishes its profile and the proof
    is marked public (a document, once accepted)."""
    # The proof's own class, so this module needs no import of the adoption app.
    manager = getattr(type(proof), "_default_manager", None)
    visible_to = getattr(manager, "visible_to", None)
    if visible_to is None or getattr(proof, "pk", None) is None:
        return False
    return bool(visible_to(user).filter(pk=proof.pk).exists())


@rule(Permission.DOCUMENT_REVIEW)
def _review_document(user: Any, _obj: Any) -> bool:
    return bool(user.is_secretariat)


@rule(Permission.ASSESSMENT_EXPORT)
def _export_assessment(user: Any, obj: Any) -> bool:
    return _member_or_secretariat(user, _organisation_of(obj))
