"""Who may read and publish the yearly adoption reports.

Published reports are public, like the figures they print: anyone, signed in or not,
reads the archive. Publishing one is the secretariat's, as publishing a catalogue
version is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from accord.access import Permission, Viewer, declare, everything_if, instance_admin

if TYPE_CHECKING:
    from accord.figures.models import PublishedReport  # noqa: F401


class PublishedReportQuerySet(models.QuerySet["PublishedReport"]):
    def visible_to(self, user: Viewer) -> PublishedReportQuerySet:
        """Every published report, for anyone (`REPORT_VIEW`)."""
        return self.all()


def _everyone(objects: Any, user: Viewer) -> Any:
    return objects.visible_to(user)


REPORT = "figures.PublishedReport"

declare(
    Permission.REPORT_VIEW,
    owner=__name__,
    public=True,
    allows=lambda user: True,
    scopes={REPORT: _everyone},
)
declare(
    Permission.REPORT_PUBLISH,
    owner=__name__,
    allows=instance_admin,
    scopes={REPORT: everything_if(instance_admin)},
)
