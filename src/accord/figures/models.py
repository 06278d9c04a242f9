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
