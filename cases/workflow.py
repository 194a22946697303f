"""Case statuses and the one table that says who may move a case from where to where."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """Where a case stands."""

    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Actor(str, Enum):
    """Who makes a move."""

    RESIDENT = "resident"
    STAFF = "staff"
    SYSTEM = "system"


S, A = Status, Actor

# (from, to) -> who may make that move. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (S.SUBMITTED, S.IN_PROGRESS): frozenset({A.STAFF}),
    (S.SUBMITTED, S.RESOLVED): frozenset({A.STAFF}),
    (S.SUBMITTED, S.REJECTED): frozenset({A.STAFF}),
    (S.SUBMITTED, S.CANCELLED): frozenset({A.RESIDENT, A.STAFF}),
    (S.IN_PROGRESS, S.RESOLVED): frozenset({A.STAFF}),
    (S.IN_PROGRESS, S.REJECTED): frozenset({A.STAFF}),
    (S.IN_PROGRESS, S.CANCELLED): frozenset({A.RESIDENT, A.STAFF}),
    (S.RESOLVED, S.IN_PROGRESS): frozenset({A.STAFF}),
    (S.RESOLVED, S.CLOSED): frozenset({A.STAFF, A.SYSTEM}),
}

INITIAL_STATUS = Status.SUBMITTED
FINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED, S.REJECTED})


class TransitionNotAllowed(Exception):
    """A status change the transition table does not allow for that actor."""

    def __init__(self, from_status: Status, to_status: Status, actor: Actor):
        super().__init__(f"{actor.value} may not move a case from {from_status.value} to {to_status.value}")
        self.from_status, self.to_status, self.actor = from_status, to_status, actor


def allowed(from_status: Status, to_status: Status, actor: Actor) -> bool:
    """Whether `actor` may move a case from `from_status` to `to_status`."""
    return actor in TRANSITIONS.get((Status(from_status), Status(to_status)), frozenset())


def check(from_status: Status, to_status: Status, actor: Actor) -> None:
    """Raise TransitionNotAllowed unless the move is in the table for that actor."""
    if not allowed(from_status, to_status, actor):
        raise TransitionNotAllowed(Status(from_status), Status(to_status), Actor(actor))


def next_statuses(from_status: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move a case to from `from_status`."""
    return [to for (frm, to), actors in TRANSITIONS.items() if frm == from_status and actor in actors]


def is_active(status: Status) -> bool:
    """Whether a case in this status still needs something to happen."""
    return Status(status) not in FINAL_STATUSES
