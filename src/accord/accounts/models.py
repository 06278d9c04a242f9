"""Users, organisations, memberships, instance roles, API tokens, TOTP devices,
applications to join and invitations."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accord.accounts.rules import (
    ApiTokenQuerySet,
    ApplicationQuerySet,
    InvitationQuerySet,
    MembershipQuerySet,
    OrganisationManager,
    OrganisationQuerySet,
    Role,
    Standing,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("instance_role", User.InstanceRole.SECRETARIAT)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address.

    `instance_role` is the person's role on the instance as a whole; what they may do
    for an organisation comes from their memberships.
    """

    class InstanceRole(models.TextChoices):
        NONE = "", "None"
        SECRETARIAT = "secretariat", "Secretariat admin"
        OBSERVER = "observer", "Observer"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    instance_role = models.CharField(
        max_length=20, choices=InstanceRole.choices, blank=True, default=InstanceRole.NONE
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the person proved they read mail at `email` (a verification, reset or
    # invitation link); null until then. Apps that need a proven address ask this.
    email_verified_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()
    # Not stored: set for one request when an API token authenticates it, so the rules
    # grant through that token's organisation only (`accounts.rules`).
    acting_organisation_id: int | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            # Addresses are stored lower-cased; this keeps a second spelling out for good.
            models.UniqueConstraint(Lower("email"), name="unique_user_email_ci")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_secretariat(self) -> bool:
        return self.is_active and self.instance_role == self.InstanceRole.SECRETARIAT

    @property
    def is_observer(self) -> bool:
        return self.is_active and self.instance_role == self.InstanceRole.OBSERVER

    @property
    def has_verified_email(self) -> bool:
        return self.email_verified_at is not None


class Organisation(models.Model):
    """A member organisation of the coalition (or a supplier that is not a member).

    Its `standing` is set by the secretariat (`services.standing`): a suspended
    organisation is kept but its members cannot act for it, nothing of it is public and
    it does not count in the figures; a removed one is hidden everywhere. Removal keeps
    the row, so the audit log's events about it still name something. `objects` leaves
    removed organisations out; `all_objects` has every row (for uniqueness checks).
    """

    Standing = Standing

    class SizeBand(models.TextChoices):
        MICRO = "micro", "Micro (fewer than 10 staff)"
        SMALL = "small", "Small (10 to 49)"
        MEDIUM = "medium", "Medium (50 to 249)"
        LARGE = "large", "Large (250 to 4,999)"
        ENTERPRISE = "enterprise", "Enterprise (5,000 or more)"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    sector = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    size_band = models.CharField(max_length=20, choices=SizeBand.choices, blank=True)
    website = models.URLField(blank=True)
    is_member = models.BooleanField(default=True)
    is_demo = models.BooleanField(
        default=False, help_text="Fictional organisation from `accord demo`"
    )
    created_at = models.DateTimeField(default=timezone.now)
    standing = models.CharField(
        max_length=20, choices=Standing.choices, default=Standing.ACTIVE, db_index=True
    )
    standing_since = models.DateTimeField(null=True, blank=True)
    standing_reason = models.TextField(
        blank=True, help_text="Why the secretariat suspended or removed the organisation"
    )

    objects = OrganisationManager()
    all_objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def in_good_standing(self) -> bool:
        """Neither suspended nor removed: its members act for it, and it may be public."""
        return self.standing == Standing.ACTIVE


class Membership(models.Model):
    """A person's role within one organisation."""

    Role = Role

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


class ApiToken(models.Model):
    """A bearer token acting for one user within one organisation.

    Only the SHA-256 digest of the secret is stored; the secret is shown once.
    The secret carries 256 bits of randomness, so a fast digest is enough.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise a token")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When the owner was told the token expires soon, so they are told once.
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        """The stored form of a token secret."""
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class TotpDevice(models.Model):
    """A person's TOTP authenticator (RFC 6238). Confirmed once a first code verifies."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(
        default=0, help_text="Last accepted time step, so a code is never accepted twice"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TOTP for {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class LoginAttempt(models.Model):
    """One sign-in attempt, kept for rate limiting and for the account's security page.

    `succeeded` means the person ended up signed in; a right password that still
    needs a two-factor code is not a success yet.
    """

    class Stage(models.TextChoices):
        PASSWORD = "password", "Password"
        TOTP = "totp", "Two-factor code"
        RECOVERY = "recovery", "Recovery code"

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.PASSWORD)
    succeeded = models.BooleanField()
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        outcome = "succeeded" if self.succeeded else "failed"
        return f"{self.stage} sign-in for {self.email} {outcome}"


# Sign-up, password reset and two-factor recovery ------------------------------------


class AccountRequest(models.Model):
    """A request that makes the instance email an address: a sign-up, a password reset,
    a verification link sent again. Kept only to limit how often that happens, so the
    forms cannot be used to flood someone's inbox or to probe for accounts at speed."""

    class Action(models.TextChoices):
        SIGN_UP = "sign_up", "Sign-up"
        PASSWORD_RESET = "password_reset", "Password reset"
        VERIFICATION = "verification", "Verification link"

    action = models.CharField(max_length=20, choices=Action.choices)
    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for {self.email}"


class RecoveryCode(models.Model):
    """One single-use code that stands in for the authenticator app at sign-in.

    Only the SHA-256 digest is stored. A code carries 80 random bits (16 characters
    from a 32-letter alphabet), far beyond what anyone can search, so a slow password
    hash would add nothing but a slower sign-in; and it replaces only the second
    factor, never the password.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="unique_recovery_code")
        ]

    def __str__(self) -> str:
        state = "used" if self.used_at else "unused"
        return f"Recovery code of {self.user} ({state})"

    @staticmethod
    def digest_of(code: str) -> str:
        """The stored form of a code, as typed: case, spaces and dashes do not matter."""
        normal = "".join(code.split()).replace("-", "").lower()
        return hashlib.sha256(normal.encode()).hexdigest()


# Applications and invitations -----------------------------------------------------------


class Application(models.Model):
    """An organisation's request to join the coalition, and the secretariat's decision.

    The applicant follows a private status link to see the state; only the digest of the
    link's secret is stored (`accord.accounts.capabilities`). Admission creates the
    organisation and invites the contact person as its first admin.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ADMITTED = "admitted", "Admitted"
        DECLINED = "declined", "Declined"

    name = models.CharField(max_length=200)
    domains = models.JSONField(default=list, help_text="Domain names, in their normal ASCII form")
    sector = models.CharField(max_length=80)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    size_band = models.CharField(max_length=20, choices=Organisation.SizeBand.choices)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(
        blank=True, help_text="The secretariat's reason, told to the applicant"
    )
    key = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"


class Invitation(models.Model):
    """An offer to join, emailed to an address: a role in an organisation, or an
    instance-wide role (observer, secretariat) when there is no organisation.

    Accepted once, through a link that expires; only the digest of the link's secret is
    stored. Nobody becomes a member without following it.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    email = models.EmailField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    instance_role = models.CharField(max_length=20, choices=User.InstanceRole.choices, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    key = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # To an organisation with a role there, or to the instance with an instance role.
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, instance_role="") & ~models.Q(role="")
                )
                | (models.Q(organisation__isnull=True, role="") & ~models.Q(instance_role="")),
                name="invitation_to_organisation_or_instance",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.target_label}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        """Still usable: pending and not expired."""
        return self.state == self.State.PENDING and not self.is_expired

    @property
    def closed_reason(self) -> str:
        """Why the link no longer works, said to whoever follows it; "" while it does."""
        if self.state == self.State.ACCEPTED:
            return "This invitation was accepted already. Sign in to continue."
        if self.state == self.State.REVOKED:
            return "This invitation was withdrawn. Ask whoever invited you for a new one."
        if self.is_expired:
            return "This invitation has expired. Ask whoever invited you for a new one."
        return ""

    @property
    def role_label(self) -> str:
        if self.organisation_id is not None:
            return self.get_role_display()
        return self.get_instance_role_display()

    @property
    def target_label(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return str(settings.ACCORD_INSTANCE_NAME)

    @property
    def state_label(self) -> str:
        if self.state == self.State.PENDING and self.is_expired:
            return "Expired"
        return self.get_state_display()
