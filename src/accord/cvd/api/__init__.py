"""The CVD part of the JSON API, at /api/v1/cvd/: one router per part of the flow.

Reports may be sent without an account; everything else acts with an API token, as the
person it belongs to, through the same services and rules as the pages.
"""

from __future__ import annotations

from ninja import Router

from accord.cvd.api import (
    cases,
    delivery,
    discussion,
    embargo,
    publication,
    reports,
    statements,
)

router = Router(tags=["cvd"])
for part in (reports, cases, embargo, statements, discussion, delivery, publication):
    router.add_router("", part.router)
