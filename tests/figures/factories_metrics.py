"""Raw adoption records for the metrics tests: organisations, commitments and their
status changes written directly (the services' rules are tested elsewhere)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from accord.accounts.models import Organisation
from accord.catalogue.models import Practice
from accord.commitments.models import Commitment, Status, StatusChange

_numbers = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    """Noon (or `hour`) UTC on `day`."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def make_org(
    *,
    sector: str = "energy",
    country: str = "DE",
    size_band: str = "large",
    is_demo: bool = False,
    created: date = date(2024, 1, 1),
    name: str = "",
) -> Organisation:
    number = next(_numbers)
    return Organisation.objects.create(
        name=name or f"Organisation {number}",
        slug=f"org-{number}",
        sector=sector,
        country=country,
        size_band=size_band,
        is_demo=is_demo,
        created_at=at(created, 0),
    )


def make_orgs(count: int, **fields: object) -> list[Organisation]:
    return [make_org(**fields) for _ in range(count)]  # type: ignore[arg-type]


def commit(
    organisation: Organisation,
    practice: Practice | str,
    *,
    on: date,
    then: Sequence[tuple[str, date]] = (),
    withdrawn: date | None = None,
) -> Commitment:
    """A commitment made at noon on `on`, then each (status, day) change at noon."""
    if isinstance(practice, str):
        practice = Practice.objects.get(slug=practice)
    commitment = Commitment.objects.create(
        organisation=organisation,
        practice=practice,
        target_date=on + timedelta(days=180),
        committed_at=at(on),
        status_since=at(on),
    )
    changes = [
        StatusChange(
            commitment=commitment,
            from_status="",
            to_status=Status.COMMITTED,
            changed_at=at(on),
            cause="committed",
        )
    ]
    status = Status.COMMITTED.value
    for new, day in then:
        changes.append(
            StatusChange(
                commitment=commitment,
                from_status=status,
                to_status=new,
                changed_at=at(day),
                cause="test",
            )
        )
        status = new
        commitment.status, commitment.status_since = new, at(day)
        if new == Status.VERIFIED and commitment.first_verified_at is None:
            commitment.first_verified_at = at(day)
    StatusChange.objects.bulk_create(changes)
    if withdrawn is not None:
        commitment.withdrawn_at = at(withdrawn, 18)
    commitment.save()
    return commitment


def verify(
    organisations: Sequence[Organisation],
    practice: Practice | str,
    *,
    on: date,
    verified: date,
) -> list[Commitment]:
    """Each organisation commits on `on` and is verified on `verified`."""
    return [
        commit(org, practice, on=on, then=[(Status.VERIFIED, verified)]) for org in organisations
    ]
