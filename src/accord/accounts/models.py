"""Users, organisations, memberships, instance roles, API tokens and TOTP devices."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accord.accounts.rules import (
    ApiTokenQuerySet,
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

    objects = UserManager()

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
