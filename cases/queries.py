"""Looking cases up: by reference, a resident's own, overdue ones, and who follows a case besides its resident."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from cases import workflow
from cases.models import Case, CaseFollower, Resident
from cases.references import case_number, normalise_reference
from cases.workflow import Status


class CaseNotFound(LookupError):
    """No case with that reference (or none the asker may see)."""


def find_case(session: Session, *, reference: str) -> Case:
    """The case with this reference; raises CaseNotFound (staff use)."""
    case = session.scalar(select(Case).where(Case.reference == normalise_reference(reference)))
    if case is None:
        raise CaseNotFound(reference)
    return case


def find_case_for_resident(session: Session, *, resident: Resident, reference: str) -> Optional[Case]:
    """The resident's own case with this reference or case number ("#42"); someone else's looks exactly
    like a missing one."""
    number = case_number(reference)
    matches = Case.id == number if number is not None else Case.reference == normalise_reference(reference)
    return session.scalar(select(Case).where(matches, Case.resident_id == resident.id))


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


def reference_of(case: Case) -> str:
    """A stored case's reference (the column is empty only between a new case's insert and its numbering)."""
    assert case.reference is not None, f"case #{case.id} has no reference yet"
    return case.reference


def is_overdue(case: Case, now: datetime) -> bool:
    """Past its due date while the city still works on it (the one definition of "overdue")."""
    return workflow.is_working(Status(case.status)) and case.due_at <= now


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """`is_overdue` as a query condition on Case."""
    return and_(Case.status.in_([s.value for s in workflow.WORKING_STATUSES]), Case.due_at <= now)


def followers(session: Session, case: Case) -> list[Resident]:
    """Residents whose cases were merged into this one, or who chose to follow it (cases/following.py), each
    once and other than its own resident."""
    merged = select(Case.resident_id).where(Case.duplicate_of_id == case.id)
    following = select(CaseFollower.resident_id).where(CaseFollower.case_id == case.id)
    return list(session.scalars(
        select(Resident).where(Resident.id.in_(merged.union(following)), Resident.id != case.resident_id)
        .order_by(Resident.id)))


def followed_case(case: Case) -> Case:
    """The case a resident follows for this one: the one it was merged into, or itself."""
    return case.duplicate_of if case.duplicate_of is not None else case
