"""The norms catalogue: frameworks and their norms, practices, mappings and profiles.

The YAML files under `catalogue/data/` are the source of truth; `services.load_catalogue`
upserts them here by their stable ids, so later records (commitments) can point at a
practice across catalogue versions. A practice dropped from the YAML is marked withdrawn,
never deleted.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone


class CatalogueVersion(models.Model):
    """One loaded version of the catalogue, with its changelog entry."""

    version = models.CharField(max_length=40, unique=True, help_text="Semantic version")
    released_on = models.DateField(null=True, blank=True)
    changes = models.JSONField(default=list, help_text="The changelog lines of this version")
    changelog = models.JSONField(
        default=list, help_text="The whole changelog as published: [{version, date, changes}]"
    )
    digest = models.CharField(max_length=64, help_text="SHA-256 of the source files")
    loaded_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return self.version


class Framework(models.Model):
    """A set of norms agreed by a body: the UN GGE 2015 report, the Tech Accord, ..."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    short_title = models.CharField(max_length=60)
    publisher = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    source_title = models.CharField(max_length=300)
    source_url = models.URLField(max_length=500)
    description = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalogue:framework", args=[self.slug])


class Norm(models.Model):
    """One norm or principle of a framework, summarised in Accord's own words."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="norms")
    key = models.CharField(max_length=20, help_text="Id within the framework, e.g. 13j")
    reference = models.CharField(max_length=60, help_text="Where in the source, e.g. para. 13(j)")
    title = models.CharField(max_length=200)
    summary = models.TextField()
    private_sector_actionable = models.BooleanField()
    actionability_note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework__position", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "key"], name="unique_norm_key")]

    def __str__(self) -> str:
        return f"{self.framework.short_title} {self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:norm", args=[self.framework.slug, self.key])

    @property
    def qualified_id(self) -> str:
        return f"{self.framework.slug}:{self.key}"


class Area(models.Model):
    """A topic practices are grouped under (vulnerability disclosure, supply chain, ...)."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title


class PracticeQuerySet(models.QuerySet["Practice"]):
    def current(self) -> PracticeQuerySet:
        return self.filter(withdrawn_in__isnull=True)


class Practice(models.Model):
    """A concrete, verifiable action an organisation can take, in the imperative."""

    class Level(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        ADVANCED = "advanced", "Advanced"

    class Verification(models.TextChoices):
        AUTOMATED = "automated", "Automated check"
        DOCUMENT = "document", "Document review"
        ATTESTATION = "attestation", "Attestation"

    slug = models.CharField(
        max_length=80, unique=True, help_text="Stable id, e.g. cvd.security-txt"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="practices")
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="What exactly to do")
    rationale = models.TextField()
    verification = models.CharField(max_length=20, choices=Verification.choices)
    check_id = models.CharField(max_length=60, blank=True, help_text="For automated practices")
    evidence = models.TextField(help_text="The evidence expected")
    level = models.CharField(max_length=20, choices=Level.choices)
    references = models.JSONField(default=list, help_text="[{standard, section, url}]")
    position = models.PositiveSmallIntegerField(default=0)
    introduced_in = models.CharField(max_length=40)
    withdrawn_in = models.CharField(max_length=40, null=True, blank=True)
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Case-folded id, title, statement, rationale, evidence and references",
    )
    norms = models.ManyToManyField(Norm, through="Mapping", related_name="practices")

    objects = PracticeQuerySet.as_manager()

    class Meta:
        ordering = ["area__position", "position", "slug"]

    def __str__(self) -> str:
        return f"{self.slug}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:practice", args=[self.slug])

    @property
    def verification_method(self) -> str:
        """The method as written in the catalogue: `automated:<check-id>`, `document`, ..."""
        if self.verification == self.Verification.AUTOMATED:
            return f"automated:{self.check_id}"
        return str(self.verification)


class Mapping(models.Model):
    """How a practice serves a norm, in one sentence of interpretation."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="mappings")
    norm = models.ForeignKey(Norm, on_delete=models.CASCADE, related_name="mappings")
    interpretation = models.TextField()

    class Meta:
        ordering = ["norm__framework__position", "norm__position"]
        constraints = [models.UniqueConstraint(fields=["practice", "norm"], name="unique_mapping")]

    def __str__(self) -> str:
        return f"{self.practice.slug} -> {self.norm.qualified_id}"


class Profile(models.Model):
    """A named bundle of practices an organisation can commit to at once."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    practices = models.ManyToManyField(Practice, related_name="profiles")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalogue:profile", args=[self.slug])
