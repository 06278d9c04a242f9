"""Inviting a vendor that is not a member: by email, to one participant of one case.

The lead names an address; the case gains a vendor participant reached there, and the
address is emailed a capability link (`accounts.capabilities`: the secret only as a
digest, an expiry, revocable). Following it, the invitee signs in with the account of
that address, or creates one that belongs to no organisation; the participant becomes
theirs, and the rules let that account see this participant's part of this case alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.access import Permission
from accord.accounts import capabilities
from accord.accounts import selectors as accounts
from accord.accounts import services as account_services
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import Case, Participant, ParticipantInvitation
from accord.cvd.selectors.cases import invitation_by_token
from accord.cvd.services._common import record, require, require_visible
from accord.cvd.services.cases import add_participant
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from accord.accounts.models import User

INVITATION_DAYS = 14
MAX_NAME = 200


def _email(value: str) -> str:
    email = accounts.normal_email(value)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidField("Enter a valid email address.", field="email") from exc
    return email


def _participant_for(actor: User, case: Case, email: str, name: str) -> Participant:
    """The vendor participant reached at `email`: the one the case has, or a new one."""
    existing = Participant.objects.filter(
        case=case, role=Participant.Role.VENDOR, email__iexact=email, removed_at__isnull=True
    ).first()
    if existing is None:
        return add_participant(
            actor=actor, case=case, role=Participant.Role.VENDOR, email=email, name=name or email
        )
    if existing.user_id is not None:
        raise StateConflict(f"{existing.name} accepted an invitation already.")
    return existing


@transaction.atomic
def invite_vendor(*, actor: User, case: Case, email: str, name: str = "") -> ParticipantInvitation:
    """The lead invites a vendor outside the coalition by email; an earlier invitation
    still open for the same participant stops working."""
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator invites.")
    email = _email(email)
    if len(name.strip()) > MAX_NAME:
        raise InvalidField(f"A name is at most {MAX_NAME} characters.", field="name")
    participant = _participant_for(actor, case, email, name.strip())
    now = timezone.now()
    participant.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    capability = capabilities.issue()
    invitation = ParticipantInvitation.objects.create(
        participant=participant,
        email=email,
        key=capability.key,
        digest=capability.digest,
        invited_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    _email_invitation(invitation, case, capability.token)
    record(
        case=case,
        tag="cvd:invitation:create",
        actor=actor,
        target=invitation,
        summary=f"{participant.name} was invited by email",
        audience="private",
        private_with=participant,
        data={"participant": participant.pk, "email": email},
    )
    return invitation


def invitation_path(token: str) -> str:
    return reverse("cvd:invitation", args=[token])


def _email_invitation(invitation: ParticipantInvitation, case: Case, token: str) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    inviter = invitation.invited_by
    who = (inviter.full_name or inviter.email) if inviter else f"The {instance} secretariat"
    body = (
        f"{who} invites you, as a vendor, to a coordinated vulnerability disclosure "
        f"case on {instance}: {case.reference}.\n\n"
        "To take part, follow this link. It works until "
        f"{invitation.expires_at:%d %B %Y %H:%M} UTC:\n\n"
        f"{notifications.absolute_url(invitation_path(token))}\n\n"
        "There you sign in, or create an account with this email address. That account "
        "sees this case alone. If you did not expect this, ignore this email.\n"
    )
    notifications.email_address(
        to=invitation.email,
        subject=f"Vulnerability disclosure: you are invited to case {case.reference}",
        body=body,
        kind="cvd:invitation:create",
        carries_secret=True,
    )


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: ParticipantInvitation) -> ParticipantInvitation:
    """The lead withdraws an invitation not yet accepted: its link stops working."""
    case = invitation.participant.case
    require_visible(actor, case, "case")
    require(actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator revokes.")
    locked = ParticipantInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise StateConflict(
            "The invitation was accepted; remove the participant from the case instead."
        )
    if locked.revoked_at is not None:
        raise StateConflict("The invitation was revoked already.")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    record(
        case=case,
        tag="cvd:invitation:revoke",
        actor=actor,
        target=locked,
        summary=f"The invitation of {locked.participant.name} was revoked",
        audience="private",
        private_with=locked.participant,
        data={"participant": locked.participant_id},
    )
    return locked


def _open(token: str) -> ParticipantInvitation:
    """The invitation of the link, locked, if it may still be accepted."""
    found = invitation_by_token(token)
    if found is None:
        raise NotFound("This invitation link is not valid. Check that it is complete.")
    invitation = ParticipantInvitation.objects.select_for_update().get(pk=found.pk)
    closed = closed_reason(invitation)
    if closed:
        raise StateConflict(closed)
    return invitation


def closed_reason(invitation: ParticipantInvitation) -> str:
    """Why the invitation can no longer be accepted; empty while it can."""
    if invitation.accepted_at is not None:
        return "This invitation was accepted already. Sign in to see the case."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask the case's coordinator for a new one."
    if invitation.participant.removed_at is not None:
        return "The case no longer counts you among its participants."
    return ""


@transaction.atomic
def accept_vendor_invitation(*, token: str, user: User) -> ParticipantInvitation:
    """The account of the invited address accepts: the participant becomes theirs.
    Following the link proves the address is theirs."""
    invitation = _open(token)
    if not user.is_active or accounts.normal_email(user.email) != invitation.email:
        raise NotAllowed(
            f"This invitation is for {invitation.email}. Sign in with that account to accept it."
        )
    verified = account_services.mark_email_verified(user=user, how="invitation")
    user.email_verified_at = verified.email_verified_at
    now = timezone.now()
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    participant = invitation.participant
    Participant.objects.filter(pk=participant.pk).update(user=user)
    record(
        case=participant.case,
        tag="cvd:invitation:accept",
        actor=user,
        target=invitation,
        summary=f"{participant.name} accepted the invitation",
        data={"participant": participant.pk},
    )
    return invitation


@transaction.atomic
def accept_vendor_invitation_with_new_account(
    *, token: str, password: str, full_name: str = ""
) -> User:
    """Create the account of the invited address, belonging to no organisation, and
    accept the invitation with it."""
    invitation = _open(token)
    user = account_services.create_user(
        email=invitation.email, password=password, full_name=full_name
    )
    accept_vendor_invitation(token=token, user=user)
    return user
