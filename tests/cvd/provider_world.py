"""Advisories for the provider directory tests, made directly (not through publication),
each with a small CSAF 2.0 document valid against the bundled schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accord.accounts.models import User
from accord.cvd.models import Advisory, Tlp
from accord.cvd.services import cases


def csaf_document(tracking_id: str, *, initial: str, current: str, tlp: str) -> dict[str, Any]:
    return {
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": tlp}},
            "publisher": {
                "category": "coordinator",
                "name": "Accord",
                "namespace": "https://accord.test",
            },
            "title": f"Advisory {tracking_id}",
            "tracking": {
                "current_release_date": current,
                "id": tracking_id,
                "initial_release_date": initial,
                "revision_history": [{"date": initial, "number": "1", "summary": "Initial."}],
                "status": "final",
                "version": "1",
            },
        }
    }


def make_advisory(
    actor: User,
    tracking_id: str,
    *,
    tlp: str = Tlp.CLEAR,
    initial: datetime = datetime(2025, 11, 3, 9, 0, tzinfo=UTC),
    current: datetime | None = None,
    state: str = Advisory.State.PUBLISHED,
    version: int = 1,
) -> Advisory:
    case = cases.open_case(actor=actor, title=f"Case for {tracking_id}", tlp=tlp)
    current = current or initial
    label = "WHITE" if tlp == Tlp.CLEAR else "AMBER"
    document = csaf_document(
        tracking_id,
        initial=initial.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        current=current.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        tlp=label,
    )
    return Advisory.objects.create(
        case=case,
        tracking_id=tracking_id,
        title=f"Advisory {tracking_id}",
        tlp=tlp,
        state=state,
        version=version,
        initial_release_at=initial,
        current_release_at=current,
        documents={"csaf": document},
    )
