"""Commitments to practices and how each is proven.

A commitment's status is derived, never typed in: `services.derive_status` computes it
from the commitment's attestations, reviewed documents and the evidence engine's
observations, and every change is kept as a `StatusChange` with its time and cause.
The published figures derived from them live in `accord.figures`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.commitments.rules import (
    AttestationQuerySet,
    CommitmentQuerySet,
    EvidenceDocumentQuerySet,
)


class Status(models.TextChoices):
    COMMITTED = "committed", "Committed"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"
    LAPSED = "lapsed", "Lapsed"


class PublicationPreference(models.Model):
    """What an organisation agrees to show publicly, beyond anonymous aggregates."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="publication"
    )
    public_profile = models.BooleanField(
        default=False, help_text="Show this organisation's commitments and statuses by name"
    )
    badges = models.BooleanField(default=False, help_text="Serve public badges per profile")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"publication of {self.organisation}"


class Commitment(models.Model):
    """An organisation's commitment to carry out one practice by a target date."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="commitments"
    )
    practice = models.ForeignKey(
        "catalogue.Practice", on_delete=models.PROTECT, related_name="commitments"
    )
    target_date = models.DateField()
    committed_at = models.DateTimeField(default=timezone.now)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMMITTED)
    status_since = models.DateTimeField(default=timezone.now)
    first_verified_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["practice__area__position", "practice__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "practice"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_commitment_per_practice",
            )
        ]
        indexes = [models.Index(fields=["status", "practice"])]

    def __str__(self) -> str:
        return f"{self.organisation} -> {self.practice.slug} ({self.status})"

    def is_overdue(self, *, today: date | None = None) -> bool:
        """A commitment not yet implemented or verified when its target date has passed."""
        day = today or timezone.localdate()
        return self.status in (Status.COMMITTED, Status.LAPSED) and self.target_date < day


class StatusChange(models.Model):
    """One change of a commitment's derived status, with what caused it."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    cause = models.CharField(max_length=300)
    observation = models.ForeignKey(
        "evidence.Observation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.from_status or '-'} -> {self.to_status}"


class Attestation(models.Model):
    """A declaration that the practice is implemented, in the organisation's words."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="attestations"
    )
    text = models.TextField()
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)
    is_public = models.BooleanField(default=False)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at"]

    def __str__(self) -> str:
        return f"attestation for {self.commitment_id}"


class EvidenceDocument(models.Model):
    """A document uploaded to prove a `document`-verified practice, reviewed by the
    secretariat."""

    class Review(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="evidence-documents/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    review = models.CharField(max_length=20, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)

    objects = EvidenceDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.filename
