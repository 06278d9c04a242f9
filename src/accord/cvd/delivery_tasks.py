"""The delivery's background tasks (django.tasks): tell one participant of what changed
in its case. Idempotent, with ids for arguments (JSON only): delivered twice, a notice
is sent once."""

from __future__ import annotations

from django.tasks import task

from accord.cvd.services import delivery


@task
def send_notice_task(participant_id: int, through: int) -> str:
    """Tell the participant of its case's timeline up to entry `through`; returns what
    became of it (the delivery's id, or `nothing` when there was nothing to send)."""
    sent = delivery.send_notice(participant_id=participant_id, through=through)
    return f"delivery {sent.pk}" if sent is not None else "nothing"
