"""A case's history: the kinds of event, and entries that are not status changes (escalation, chase, note...)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.models import Case, CaseEvent, StaffUser
from cases.workflow import Actor

# CaseEvent.kind values: a status change, or something else that happened to the case.
STATUS_EVENT, ESCALATION, ASSIGNMENT, TYPE_CHANGE, CHASE, NOTE, SURVEY = (
    "status", "escalation", "assignment", "type_change", "chase", "note", "survey")


EVENT_KINDS = (STATUS_EVENT, ESCALATION, ASSIGNMENT, TYPE_CHANGE, CHASE, NOTE, SURVEY)


def record_event(
    session: Session,
    *,
    case: Case,
    kind: str,
    actor: Actor | str,
    actor_name: Optional[str] = None,
    staff: Optional[StaffUser] = None,
    public_note: Optional[str] = None,
    internal_note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """Add a history entry that is not a status change (escalation, assignment, chase, note...)."""
    if kind not in EVENT_KINDS or kind == STATUS_EVENT:
        raise ValueError(f"unknown event kind {kind!r}")
    now = now or utcnow()
    event = CaseEvent(
        kind=kind, from_status=case.status, to_status=case.status, actor=Actor(actor).value,
        actor_name=actor_name or (staff.display_name if staff is not None else None),
        staff_id=staff.id if staff is not None else None,
        public_note=(public_note or "").strip() or None, internal_note=(internal_note or "").strip() or None,
        created_at=now,
    )
    case.events.append(event)
    case.latest_public_note = event.public_note or case.latest_public_note
    case.updated_at = now
    session.flush()
    return event
