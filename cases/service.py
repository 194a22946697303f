"""Service functions every adapter calls: open a case, change its status, look cases up."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import outbox, workflow
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.models import Case, CaseEvent, CasePhoto, Resident
from cases.workflow import Actor, Status


class CaseNotFound(LookupError):
    """No case with that reference (or none the asker may see)."""


def make_reference(prefix: str, created_at: datetime, case_id: int) -> str:
    """A resident-friendly reference such as HY-2026-00042."""
    return f"{prefix}-{created_at.year}-{case_id:05d}"


def normalise_reference(text: str) -> str:
    """A reference as typed (`hy-2026-00042 `) in its stored form (`HY-2026-00042`)."""
    return (text or "").strip().strip("#.,;:!?()[]").upper()


def find_reference_in_text(text: Optional[str], prefix: str = "HY") -> Optional[str]:
    """The first case reference written in free text ("any news on hy-2026-00042?"), normalised."""
    match = re.search(rf"\b{re.escape(prefix)}-\d{{4}}-\d{{5}}\b", text or "", re.IGNORECASE)
    return normalise_reference(match.group(0)) if match else None


def resident_may_cancel(case: Case) -> bool:
    """Whether the resident may still cancel this case (the transition table decides)."""
    return workflow.allowed(Status(case.status), Status.CANCELLED, Actor.RESIDENT)


def open_case(
    session: Session,
    *,
    resident: Resident,
    request_type: str,
    description: str,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    address: Optional[str] = None,
    photos: Iterable[str] = (),
    idempotency_key: Optional[str] = None,
    reference_prefix: str = "HY",
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Case:
    """Create a case with its first event; the same idempotency key returns the case already made."""
    if idempotency_key:
        existing = session.scalar(select(Case).where(Case.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    kind = (catalog or load_catalog()).get(request_type)
    description = (description or "").strip()
    if not description:
        raise ValueError("a case needs a description")
    if latitude is None and longitude is None and not (address or "").strip():
        raise ValueError("a case needs a location: coordinates or an address")
    if (latitude is None) != (longitude is None):
        raise ValueError("give both latitude and longitude, or neither")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("coordinates out of range")
    now = now or utcnow()
    case = Case(
        resident=resident,
        request_type=kind.code,
        department=kind.department,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=(address or "").strip() or None,
        status=workflow.INITIAL_STATUS.value,
        idempotency_key=idempotency_key,
        created_at=now,
        due_at=kind.due_at(now),
        updated_at=now,
    )
    case.photos = [CasePhoto(path=path, created_at=now) for path in photos]
    case.events = [
        CaseEvent(
            from_status=None,
            to_status=workflow.INITIAL_STATUS.value,
            actor=Actor.RESIDENT.value,
            actor_name=resident.display_name,
            created_at=now,
        )
    ]
    session.add(case)
    session.flush()
    case.reference = make_reference(reference_prefix, now, case.id)
    session.flush()
    return case


def change_status(
    session: Session,
    *,
    case: Case,
    to_status: Status | str,
    actor: Actor | str,
    actor_name: Optional[str] = None,
    public_note: Optional[str] = None,
    internal_note: Optional[str] = None,
    timezone: Optional[str] = None,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """The one way a status changes: check the move, record the event, queue the resident's push."""
    to_status, actor = Status(to_status), Actor(actor)
    workflow.check(Status(case.status), to_status, actor)
    now = now or utcnow()
    event = CaseEvent(
        from_status=case.status,
        to_status=to_status.value,
        actor=actor.value,
        actor_name=actor_name,
        public_note=(public_note or "").strip() or None,
        internal_note=(internal_note or "").strip() or None,
        created_at=now,
    )
    case.events.append(event)
    case.status = to_status.value
    case.updated_at = now
    session.flush()
    # The resident who made the change was answered in the conversation already.
    if actor is not Actor.RESIDENT:
        outbox.queue_status_change(
            session, case=case, event=event, timezone=timezone, catalog=catalog, now=now
        )
    return event


def find_case(session: Session, *, reference: str) -> Case:
    """The case with this reference; raises CaseNotFound (staff use)."""
    case = session.scalar(select(Case).where(Case.reference == normalise_reference(reference)))
    if case is None:
        raise CaseNotFound(reference)
    return case


def find_case_for_resident(session: Session, *, resident: Resident, reference: str) -> Optional[Case]:
    """The resident's own case with this reference; someone else's looks exactly like a missing one."""
    return session.scalar(
        select(Case).where(
            Case.reference == normalise_reference(reference), Case.resident_id == resident.id
        )
    )


def active_cases_for_resident(session: Session, *, resident: Resident) -> list[Case]:
    """The resident's cases that are not closed, cancelled or rejected, newest first."""
    finals = [s.value for s in workflow.FINAL_STATUSES]
    return list(
        session.scalars(
            select(Case)
            .where(Case.resident_id == resident.id, Case.status.not_in(finals))
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
    )


def list_cases(session: Session, *, status: Optional[str] = None) -> list[Case]:
    """Every case, oldest first, optionally only those in one status."""
    query = select(Case).order_by(Case.id)
    if status:
        query = query.where(Case.status == Status(status).value)
    return list(session.scalars(query))


def last_public_note(case: Case) -> Optional[str]:
    """The latest note staff wrote for the resident, if any."""
    for event in reversed(case.events):
        if event.public_note:
            return event.public_note
    return None


def cancel_by_resident(session: Session, *, resident: Resident, reference: str, now: Optional[datetime] = None) -> Case:
    """Cancel one of the resident's own cases; raises CaseNotFound or TransitionNotAllowed."""
    case = find_case_for_resident(session, resident=resident, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    change_status(
        session, case=case, to_status=Status.CANCELLED, actor=Actor.RESIDENT,
        actor_name=resident.display_name, public_note="Cancelled by the resident.", now=now,
    )
    return case
