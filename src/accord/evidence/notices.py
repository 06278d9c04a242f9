"""What the evidence engine tells an organisation's admins: a check that passed on one of
their domains fails now.

Subscribed to the hook `evidence:verdict:change`, so it runs once the scan's observations
are committed, in a transaction of its own: a notice that cannot be made never undoes a
scan. A verdict change is recorded only when the verdict changes, so the admins are told
once per change, not at every scan that finds the same failure. Demo organisations'
domains are fictional: nobody is told of them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accord.accounts import selectors as accounts
from accord.engine.registry import CHECKS
from accord.evidence.hooks import VerdictChanged
from accord.evidence.models import VerdictChange
from accord.notifications import services as notifications

PASSING = frozenset({"pass", "warn"})
FAILING = frozenset({"fail", "error"})


def tell_of_failing_check(changed: VerdictChanged) -> None:
    """Tell the admins when a check turns from passing to failing (or to unreachable)."""
    if changed.from_status not in PASSING or changed.to_status not in FAILING:
        return
    organisation = accounts.organisation_with_id(changed.organisation_id)
    change = (
        VerdictChange.objects.select_related("observation")
        .filter(pk=changed.verdict_change_id)
        .first()
    )
    if organisation is None or organisation.is_demo or change is None:
        return
    notifications.notify(
        recipients=accounts.admins_of(organisation),
        kind="evidence:verdict:fail",
        subject=_subject(changed),
        body=_body(changed, change.observation.key_codes),
        link=reverse("evidence:observation", kwargs={"observation_id": change.observation_id}),
        key=f"evidence:verdict:fail:{changed.verdict_change_id}",
    )


def _subject(changed: VerdictChanged) -> str:
    if changed.to_status == "error":
        return f"{changed.check_id} could not be checked on {changed.domain_name}"
    return f"{changed.check_id} fails on {changed.domain_name}"


def _body(changed: VerdictChanged, codes: list[str]) -> str:
    check = CHECKS.get(changed.check_id)
    title = check.title if check is not None else changed.check_id
    day = f"{timezone.localdate(changed.changed_at):%d %B %Y}"
    what = f"“{title}” ({changed.check_id})"
    if changed.to_status == "error":
        found = f"could not check {what}, which passed before"
    else:
        found = f"found that {what} no longer holds; it passed before"
    lines = [f"The scan of {changed.domain_name} on {day} {found}."]
    if codes:
        lines.append(f"What it reports: {', '.join(codes)}.")
    lines.append(
        "Commitments this check verifies stay verified for a grace period; fix what the "
        "observation reports before it ends, or they lapse."
    )
    return "\n".join(lines)
