"""The state machines of a case, as CERT/CC's Vultron protocol names them: plain Python.

Each participant keeps its own report-management (RM) state; the case shares one embargo
management (EM) state. `require` refuses a move the current state does not allow and
lists the moves it does, for the 409 the person reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord import errors


class StateConflict(errors.Conflict):
    """A change the current state does not allow; the message lists the allowed ones."""


# Report management (Vultron RM): a participant's own handling of the report.
RECEIVED, INVALID, VALID, ACCEPTED, DEFERRED, CLOSED = (
    "received", "invalid", "valid", "accepted", "deferred", "closed",
)  # fmt: skip
RM_STATES = (RECEIVED, INVALID, VALID, ACCEPTED, DEFERRED, CLOSED)
RM_MOVES: Mapping[str, tuple[str, ...]] = {
    RECEIVED: (VALID, INVALID),
    INVALID: (VALID, CLOSED),
    VALID: (ACCEPTED, DEFERRED),
    ACCEPTED: (DEFERRED, CLOSED),
    DEFERRED: (ACCEPTED, CLOSED),
    CLOSED: (),
}

# Embargo management (Vultron EM), shared by the case.
EM_NONE, EM_PROPOSED, EM_ACTIVE, EM_REVISE, EM_EXITED = (
    "none", "proposed", "active", "revise", "exited",
)  # fmt: skip
EM_STATES = (EM_NONE, EM_PROPOSED, EM_ACTIVE, EM_REVISE, EM_EXITED)
EM_MOVES: Mapping[str, tuple[str, ...]] = {
    EM_NONE: (EM_PROPOSED,),
    # A proposal nobody takes up is withdrawn (back to none) or adopted (active).
    EM_PROPOSED: (EM_NONE, EM_ACTIVE, EM_PROPOSED),
    # An active embargo is revised (a new date proposed) or exited (ended).
    EM_ACTIVE: (EM_REVISE, EM_EXITED),
    # A revision is adopted or dropped, both leaving the embargo active, or it ends.
    EM_REVISE: (EM_ACTIVE, EM_REVISE, EM_EXITED),
    EM_EXITED: (),
}

# Reports before they become cases: the triage queue.
REPORT_RECEIVED, REPORT_TRACKED, REPORT_REJECTED, REPORT_COORDINATED = (
    "received", "tracked", "rejected", "coordinated",
)  # fmt: skip
REPORT_MOVES: Mapping[str, tuple[str, ...]] = {
    REPORT_RECEIVED: (REPORT_TRACKED, REPORT_REJECTED, REPORT_COORDINATED),
    REPORT_TRACKED: (REPORT_REJECTED, REPORT_COORDINATED),
    REPORT_REJECTED: (REPORT_RECEIVED,),
    REPORT_COORDINATED: (),
}


def allowed(moves: Mapping[str, tuple[str, ...]], current: str) -> tuple[str, ...]:
    return moves.get(current, ())


def require(moves: Mapping[str, tuple[str, ...]], current: str, wanted: str, *, what: str) -> None:
    """Raise `StateConflict` unless `current` may move to `wanted`."""
    options = allowed(moves, current)
    if wanted in options:
        return
    listed = ", ".join(options) if options else "none: it is final"
    raise StateConflict(f"{what} is {current}; it cannot become {wanted}. Allowed: {listed}.")
