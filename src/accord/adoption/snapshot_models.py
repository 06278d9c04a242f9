"""Stored adoption figures: one row per day and practice and organisation segment.

Owned by the metrics side of the adoption app (see `metrics.py`); imported by models.py.
"""

from __future__ import annotations

from django.db import models

from accord.catalogue.models import Practice


class DailySnapshot(models.Model):
    """How many organisations of one segment stood at each status of one practice."""

    date = models.DateField(db_index=True)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True)
    size_band = models.CharField(max_length=20, blank=True)
    committed = models.PositiveIntegerField(default=0)
    implemented = models.PositiveIntegerField(default=0)
    verified = models.PositiveIntegerField(default=0)
    lapsed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "practice", "sector", "country", "size_band"],
                name="one_snapshot_row_per_segment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.practice_id}"
