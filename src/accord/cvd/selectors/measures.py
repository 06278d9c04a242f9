"""Reading disclosure measures: a case's, as far as the viewer may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accord.cvd.models import Case, DisclosureMeasure

if TYPE_CHECKING:
    from accord.access import Viewer


def case_measures(user: Viewer, case: Case) -> QuerySet[DisclosureMeasure]:
    """The measures of `case` the user may see: every vendor's for its coordinators,
    a vendor's own for it, none for anyone else (`CVD_MEASURE_VIEW`)."""
    return (
        DisclosureMeasure.objects.visible_to(user)
        .filter(case=case)
        .select_related("participant")
        .order_by("participant__name", "pk")
    )
