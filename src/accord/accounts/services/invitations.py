"""Invitations: how a person joins an organisation, or the instance as an observer or a
secretariat admin.

Nobody is added without their consent: an invitation is emailed with a single-use link
that expires, and only following it (and signing in, or creating an account with the
invited address) makes the membership. The link's secret is stored only as a digest,
goes into the email alone, and never into an audit event. Whoever invites gets the same
answer whether or not an account exists for the address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord import errors
from accord.accounts import capabilities
from accord.accounts.models import Invitation, Membership, Organisation, User
from accord.accounts.permissions import Permission
from accord.accounts.selectors import invitation_by_token, normal_email
from accord.accounts.services._common import (
    AccountError,
    AlreadyMember,
    InvalidInput,
    _require,
    _valid_email,
    _validated,
)
from accord.accounts.services.organisations import add_member
from accord.accounts.services.people import create_user
from accord.accounts.services.verification import mark_email_verified
from accord.audit.services import record_event
from accord.notifications import services as notifications

INSTANCE_ROLES = (User.InstanceRole.OBSERVER, User.InstanceRole.SECRETARIAT)


class InvitationNotFound(AccountError, errors.NotFound):
    """No invitation has this link."""


class InvitationClosed(AccountError, errors.Conflict):
    """The invitation was accepted or revoked already, or has expired."""


class WrongAccount(AccountError, errors.NotAllowed):
    """The signed-in account is not the one the invitation was sent to."""


@transaction.atomic
def invite_to_organisation(
    *, organisation: Organisation, email: str, role: str, actor: Any
) -> Invitation:
    """Email `email` an invitation to join `organisation` with `role`."""
    _require(
        actor,
        Permission.INVITATION_CREATE,
        organisation,
        "Only the organisation's admins can invite people.",
    )
    if role not in Membership.Role.values:
        raise InvalidInput("Choose a role: organisation admin or member.", field="role")
    return _issue_invitation(email=email, organisation=organisation, role=role, actor=actor)


@transaction.atomic
def invite_to_instance(*, email: str, instance_role: str, actor: Any) -> Invitation:
    """Email `email` an invitation to the instance as an observer (government, public)
    or a secretariat admin."""
    _require(
        actor,
        Permission.INVITATION_CREATE,
        None,
        "Only the secretariat invites observers and secretariat admins.",
    )
    if instance_role not in INSTANCE_ROLES:
        raise InvalidInput("Choose a role: observer or secretariat admin.", field="instance_role")
    return _issue_invitation(email=email, instance_role=instance_role, actor=actor)


def _issue_invitation(
    *,
    email: str,
    actor: Any,
    organisation: Organisation | None = None,
    role: str = "",
    instance_role: str = "",
    introduction: str = "",
) -> Invitation:
    """Create and email the invitation; the caller has checked the actor may."""
    email = _valid_email(email, field="email")
    _refuse_present(email, organisation, instance_role)
    _supersede(email, organisation, instance_role, actor)
    capability = capabilities.issue()
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        instance_role=instance_role,
        key=capability.key,
        digest=capability.digest,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + timedelta(days=settings.ACCORD_INVITATION_DAYS),
    )
    _validated(invitation)
    invitation.save()
    record_event(
        tag="accounts:invitation:create",
        actor=actor,
        target=invitation,
        organisation=organisation,
        data=_described(invitation) | {"expires_at": invitation.expires_at},
    )
    _email_invitation(invitation, capability.token, introduction)
    return invitation


def _refuse_present(email: str, organisation: Organisation | None, instance_role: str) -> None:
    # Only what the inviter can see already: an organisation's admins see its members'
    # addresses, and only the secretariat invites to the instance. Whether an account
    # exists for the address is never told.
    if organisation is not None:
        members = Membership.objects.filter(organisation=organisation, user__email__iexact=email)
        if members.exists():
            raise AlreadyMember(f"{email} is already a member of {organisation.name}.")
    elif User.objects.filter(email__iexact=email, instance_role=instance_role).exists():
        label = User.InstanceRole(instance_role).label.lower()
        raise AlreadyMember(f"{email} is already {_article(label)} {label}.")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _supersede(
    email: str, organisation: Organisation | None, instance_role: str, actor: Any
) -> None:
    """A new invitation replaces the pending one to the same place: the old link stops
    working, so only the latest email counts."""
    earlier = Invitation.objects.select_for_update().filter(
        email=email,
        organisation=organisation,
        instance_role=instance_role,
        state=Invitation.State.PENDING,
    )
    for invitation in earlier:
        _revoke(invitation, actor, superseded=True)


def invitation_path(token: str) -> str:
    """The path of the page where an invitation is accepted."""
    return reverse("accounts:invitation_accept", args=[token])


def _email_invitation(invitation: Invitation, token: str, introduction: str) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    inviter = invitation.invited_by
    who = (inviter.full_name or inviter.email) if inviter else f"The {instance} secretariat"
    place = invitation.organisation.name if invitation.organisation else instance
    intro = f"{introduction}\n\n" if introduction else ""
    body = (
        f"{intro}{who} invited you to join {place} on {instance}, with the role "
        f"“{invitation.role_label}”.\n\n"
        "To accept, follow this link. It works once, until "
        f"{timezone.localtime(invitation.expires_at):%d %B %Y}:\n\n"
        f"{notifications.absolute_url(invitation_path(token))}\n\n"
        "If you have no account yet, you create one there with this email address. "
        "If you did not expect this invitation, ignore this email: nothing happens "
        "until the link is followed.\n"
    )
    notifications.email_address(
        to=invitation.email,
        subject=f"You are invited to join {place} on {instance}",
        body=body,
        kind="accounts:invitation:create",
        carries_secret=True,
    )


def _described(invitation: Invitation) -> dict[str, Any]:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "instance_role": invitation.instance_role,
    }


# Revoking -------------------------------------------------------------------------------


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: Any) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    _require(
        actor,
        Permission.INVITATION_MANAGE,
        invitation,
        "Only those who run the organisation can revoke its invitations.",
    )
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.state != Invitation.State.PENDING:
        raise InvitationClosed(
            f"The invitation of {locked.email} was {locked.get_state_display().lower()} already."
        )
    _revoke(locked, actor, superseded=False)
    return locked


def _revoke(invitation: Invitation, actor: Any, *, superseded: bool) -> None:
    invitation.state, invitation.revoked_at = Invitation.State.REVOKED, timezone.now()
    invitation.save(update_fields=["state", "revoked_at"])
    record_event(
        tag="accounts:invitation:revoke",
        actor=actor,
        target=invitation,
        organisation=invitation.organisation,
        data=_described(invitation) | {"superseded": superseded},
    )


# Accepting ------------------------------------------------------------------------------


def _open_invitation(token: str) -> Invitation:
    """The invitation of the link, locked, if it can still be accepted."""
    found = invitation_by_token(token)
    if found is None:
        raise InvitationNotFound("This invitation link is not valid. Check that it is complete.")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.closed_reason:
        raise InvitationClosed(invitation.closed_reason)
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Invitation:
    """`user` accepts the invitation of the link: the membership (or instance role) is
    theirs, the link stops working and whoever runs the organisation is told.

    Only the account with the invited address may accept: following the link is what
    shows that the address is theirs.
    """
    invitation = _open_invitation(token)
    if not user.is_active or normal_email(user.email) != invitation.email:
        raise WrongAccount(
            f"This invitation is for {invitation.email}. Sign in with that account to accept it."
        )
    _grant(invitation, user)
    user.email_verified_at = mark_email_verified(user=user, how="invitation").email_verified_at
    invitation.state, invitation.accepted_at = Invitation.State.ACCEPTED, timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["state", "accepted_at", "accepted_by"])
    record_event(
        tag="accounts:invitation:accept",
        actor=user,
        target=invitation,
        organisation=invitation.organisation,
        data=_described(invitation),
    )
    _tell_the_inviters(invitation, user)
    return invitation


@transaction.atomic
def accept_invitation_with_new_account(*, token: str, password: str, full_name: str = "") -> User:
    """Create the account of the invited address (which following the link confirms)
    and accept the invitation with it."""
    invitation = _open_invitation(token)
    user = create_user(email=invitation.email, password=password, full_name=full_name)
    accept_invitation(token=token, user=user)
    return user


def _grant(invitation: Invitation, user: User) -> None:
    if invitation.organisation is not None:
        # The instance acts: consent is the invitee's, permission was checked on invite.
        add_member(organisation=invitation.organisation, user=user, role=invitation.role)
        return
    if user.instance_role == invitation.instance_role:
        label = invitation.role_label.lower()
        raise AlreadyMember(f"Your account is already {_article(label)} {label}.")
    if user.instance_role:
        raise InvitationClosed(
            f"Your account already has the role “{user.get_instance_role_display()}”; "
            "ask the secretariat to change it."
        )
    user.instance_role = invitation.instance_role
    user.save(update_fields=["instance_role"])


def _tell_the_inviters(invitation: Invitation, user: User) -> None:
    recipients: list[User] = []
    link = reverse("accounts:invitations")
    if invitation.organisation is not None:
        organisation = invitation.organisation
        admins = Membership.objects.filter(
            organisation=organisation, role=Membership.Role.ORG_ADMIN
        ).exclude(user=user)
        recipients.extend(m.user for m in admins.select_related("user"))
        link = reverse("accounts:organisation", args=[organisation.slug])
    if invitation.invited_by is not None and invitation.invited_by != user:
        recipients.append(invitation.invited_by)
    name = f"{user.full_name} ({user.email})" if user.full_name else user.email
    notifications.notify(
        recipients=recipients,
        kind="accounts:invitation:accept",
        subject=f"{user.email} accepted the invitation to {invitation.target_label}",
        body=f"{name} joined {invitation.target_label} as “{invitation.role_label}”.",
        link=link,
    )
