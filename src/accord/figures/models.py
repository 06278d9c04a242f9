"""Stored adoption figures: one row per day and published segment of the membership.

Computed by `metrics.py` from the commitments and their status history.

Why this shape. The dashboard, the open data and the report ask one question: "the
figures of segment S (everyone, or one sector, country or size band) on day D", or the
same for a run of days. A row holds everything published about one segment on one day
(per practice, norm, framework and overall: how many organisations stood at each
status; the median days to verified; the lapse rate), already past disclosure control,
so that question is one lookup on the unique index (dimension, value, date), and a
time series is one range scan on it. At 5,000 organisations, 60 practices and three
years that is about 45 rows a day, some 50,000 rows, instead of the tens of millions a
row per day, segment, practice and status would take.

Segments whose population is suppressed (fewer than 5 organisations, or hidden so that
a smaller one cannot be worked out by subtraction) get no row: a query for them cannot
tell "too small" from "no such segment", which is the point.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.figures.rules import PublishedReportQuerySet


class Dimension(models.TextChoices):
    ALL = "all", "All organisations"
    SECTOR = "sector", "Sector"
    COUNTRY = "country", "Country"
    SIZE_BAND = "size_band", "Size band"


class DailySnapshot(models.Model):
    """The published adoption figures of one segment of the membership at the end of one
    day (in the instance's time zone).

    `figures` holds, after suppression (null where a figure is suppressed):
    `subjects`: {"overall" | "practice:<slug>" | "norm:<framework>:<key>" |
    "framework:<slug>": [committed, implemented, verified, lapsed]} (organisations),
    `median_days_to_verified` and `lapse_rate` (see `metrics` for their definitions).
    """

    date = models.DateField()
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    value = models.CharField(
        max_length=80, blank=True, help_text="The sector, country or size band; empty for all"
    )
    population = models.PositiveIntegerField(help_text="Member organisations in the segment")
    includes_demo = models.BooleanField(
        default=False, help_text="Whether any organisation counted is demo data"
    )
    figures = models.JSONField(default=dict)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "dimension", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "date"], name="one_snapshot_per_segment_and_day"
            )
        ]
        # The filters a day offers, and replacing a run of days, go by date first.
        indexes = [models.Index(fields=["date", "dimension"], name="snapshot_day_idx")]

    def __str__(self) -> str:
        segment = self.dimension if not self.value else f"{self.dimension}={self.value}"
        return f"{self.date} {segment}"


def _report_path(instance: PublishedReport, filename: str) -> str:
    return f"reports/{instance.year}/{filename}"


class PublishedReport(models.Model):
    """One published version of a yearly adoption report, as the public archive keeps
    it: the PDF and the HTML made at publication, and the PDF's SHA-256.

    Publishing a year again adds a version and keeps the earlier ones (a report once
    published may have been cited); `figures.services.publish_report` refuses a new
    version whose PDF is byte for byte the latest one.
    """

    year = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField()
    figures_day = models.DateField(help_text="The day whose figures the report shows")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(upload_to=_report_path, max_length=200)
    html = models.FileField(upload_to=_report_path, max_length=200)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the PDF, hex")
    html_checksum = models.CharField(max_length=64, help_text="SHA-256 of the HTML, hex")
    pdf_size = models.PositiveIntegerField()
    html_size = models.PositiveIntegerField()

    objects = PublishedReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="one_report_version_per_year")
        ]

    def __str__(self) -> str:
        return f"adoption report {self.year} v{self.version}"

    @property
    def filename(self) -> str:
        return f"adoption-report-{self.year}-v{self.version}"
