"""Case statuses and the one table that says who may move a case from where to where."""

from __future__ import annotations

from enum import Enum

from cases.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Named


class Status(str, Enum):
    """Where a case stands."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"  # a person has read it and it is routed
    IN_PROGRESS = "in_progress"
    SCHEDULED = "scheduled"  # work is booked for a date (Case.scheduled_for)
    RESOLVED = "resolved"  # staff say it is done; the resident is asked to confirm
    CLOSED_FIXED = "closed_fixed"  # closed, and the problem is fixed
    CLOSED_NOT_FIXED = "closed_not_fixed"  # closed without a fix (not ours to fix, cannot be fixed)
    DUPLICATE = "duplicate"  # the same problem as another case (Case.duplicate_of), which the resident follows
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Actor(str, Enum):
    """Who makes a move."""

    RESIDENT = "resident"
    STAFF = "staff"
    SYSTEM = "system"


S, A = Status, Actor
_STAFF, _BOTH, _STAFF_SYSTEM = frozenset({A.STAFF}), frozenset({A.RESIDENT, A.STAFF}), frozenset({A.STAFF, A.SYSTEM})
_OPEN = (S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.SCHEDULED)


def _table() -> dict[tuple[Status, Status], frozenset[Actor]]:
    table: dict[tuple[Status, Status], frozenset[Actor]] = {}
    for frm in _OPEN:
        # Staff may move an open case forward to any later working status, or rule on it.
        for to in (S.ACKNOWLEDGED, S.IN_PROGRESS, S.SCHEDULED):
            if _OPEN.index(to) > _OPEN.index(frm) or (frm, to) == (S.SCHEDULED, S.IN_PROGRESS):
                table[(frm, to)] = _STAFF
        table[(frm, S.RESOLVED)] = _STAFF
        table[(frm, S.CLOSED_NOT_FIXED)] = _STAFF
        table[(frm, S.DUPLICATE)] = _STAFF
        table[(frm, S.REJECTED)] = _STAFF
        table[(frm, S.CANCELLED)] = _BOTH
    table[(S.SCHEDULED, S.SCHEDULED)] = _STAFF  # rescheduled to another date
    # After "resolved": the resident confirms (rating 3-5) or says it is not fixed (1-2), or nobody answers.
    table[(S.RESOLVED, S.IN_PROGRESS)] = _BOTH  # reopened: staff, or the resident's "not fixed"
    table[(S.RESOLVED, S.CLOSED_FIXED)] = frozenset({A.RESIDENT, A.STAFF, A.SYSTEM})
    table[(S.RESOLVED, S.CLOSED_NOT_FIXED)] = _STAFF
    table[(S.RESOLVED, S.DUPLICATE)] = _STAFF
    return table


# (from, to) -> who may make that move. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = _table()

INITIAL_STATUS = Status.SUBMITTED
FINAL_STATUSES = frozenset({S.CLOSED_FIXED, S.CLOSED_NOT_FIXED, S.DUPLICATE, S.CANCELLED, S.REJECTED})
# Statuses in which the city still owes the resident work, so the due date counts.
WORKING_STATUSES = frozenset(_OPEN)


# Who moved a case, as a refusal names them to staff.
ACTOR_NAMES = {Actor.RESIDENT: N_("resident"), Actor.STAFF: N_("staff"), Actor.SYSTEM: N_("system")}


def status_name(status: Status) -> Named:
    """A status as staff read it in a message: its code in English (as refusals have always said), its label in
    other languages."""
    from cases.messages import status_label  # messages builds on the statuses defined here

    return Named(status.value, {language: status_label(status, language)
                                for language in LANGUAGES if language != SOURCE_LANGUAGE})


class TransitionNotAllowed(Exception):
    """A status change the transition table does not allow for that actor."""

    def __init__(self, from_status: Status, to_status: Status, actor: Actor):
        super().__init__(N_("%(actor)s may not move a case from %(from_status)s to %(to_status)s",
                            actor=ACTOR_NAMES[actor], from_status=status_name(from_status),
                            to_status=status_name(to_status)))
        self.from_status, self.to_status, self.actor = from_status, to_status, actor


def allowed(from_status: Status, to_status: Status, actor: Actor) -> bool:
    """Whether `actor` may move a case from `from_status` to `to_status`."""
    return actor in TRANSITIONS.get((Status(from_status), Status(to_status)), frozenset())


def check(from_status: Status, to_status: Status, actor: Actor) -> None:
    """Raise TransitionNotAllowed unless the move is in the table for that actor."""
    if not allowed(from_status, to_status, actor):
        raise TransitionNotAllowed(Status(from_status), Status(to_status), Actor(actor))


def next_statuses(from_status: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move a case to from `from_status`, in the order of the Status enum."""
    return [to for to in Status if allowed(from_status, to, actor)]


def is_active(status: Status) -> bool:
    """Whether a case in this status still needs something to happen."""
    return Status(status) not in FINAL_STATUSES


def is_working(status: Status) -> bool:
    """Whether the city is still working on a case in this status (its due date counts)."""
    return Status(status) in WORKING_STATUSES
