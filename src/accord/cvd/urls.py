"""The CVD pages: the public report form under /report/, cases under /cvd/, the public
advisories under /advisories/, and the instance's own security.txt, disclosure policy
and CSAF provider directory."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from accord.cvd.views import (
    advisories,
    cases,
    coordinators,
    delivery,
    discussion,
    embargo,
    provider,
    publication,
    reports,
    statements,
    timeline,
)

app_name = "cvd"

# Fixed paths (cvd/triage/, cvd/coordinators/, cvd/contact/<slug>/) come before the
# case pages, whose first segment is any case reference.
urlpatterns: list[URLPattern | URLResolver] = [
    *provider.urlpatterns,
    *reports.urlpatterns,
    *advisories.urlpatterns,
    *coordinators.urlpatterns,
    *delivery.urlpatterns,
    *cases.urlpatterns,
    *embargo.urlpatterns,
    *statements.urlpatterns,
    *timeline.urlpatterns,
    *discussion.urlpatterns,
    *publication.urlpatterns,
]
