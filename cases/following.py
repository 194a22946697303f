"""Following a case someone else reported: its pushes reach the follower too (cases.queries.followers)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import workflow
from cases.models import Case, CaseFollower, Resident
from cases.references import normalise_reference
from cases.workflow import Status


class NotFollowable(ValueError):
    """The case is no longer worked on (closed, cancelled, resolved...): there is nothing left to follow."""


def follow_case(session: Session, *, case: Case, resident: Resident, now: datetime) -> Optional[CaseFollower]:
    """Make `resident` follow `case` (again: nothing changes); None for the case's own resident, who gets its
    pushes anyway. Raises NotFollowable unless the city still works on it."""
    if case.resident_id == resident.id:
        return None
    existing = _following(session, case=case, resident=resident)
    if existing is not None:
        return existing
    if not workflow.is_working(Status(case.status)):
        raise NotFollowable(case.reference)
    follower = CaseFollower(case_id=case.id, resident_id=resident.id, created_at=now)
    try:
        with session.begin_nested():  # the same follow pressed twice at once: the unique pair keeps one
            session.add(follower)
    except IntegrityError:
        found = _following(session, case=case, resident=resident)
        assert found is not None
        return found
    return follower


def unfollow(session: Session, *, case: Case, resident: Resident) -> bool:
    """Stop `resident` following `case`; whether they did."""
    existing = _following(session, case=case, resident=resident)
    if existing is None:
        return False
    session.delete(existing)
    session.flush()
    return True


def is_following(session: Session, *, case: Case, resident: Resident) -> bool:
    """Whether `resident` follows `case`."""
    return _following(session, case=case, resident=resident) is not None


def follower_count(session: Session, *, case: Case) -> int:
    """How many residents follow `case`."""
    return session.scalar(select(func.count()).select_from(CaseFollower).where(CaseFollower.case_id == case.id)) or 0


def follower_counts(session: Session, *, case_ids: list[int]) -> dict[int, int]:
    """{case id: how many residents follow it} for these cases (those nobody follows left out)."""
    if not case_ids:
        return {}
    rows = session.execute(select(CaseFollower.case_id, func.count()).where(CaseFollower.case_id.in_(case_ids))
                           .group_by(CaseFollower.case_id))
    return {case_id: count for case_id, count in rows}


def followed_cases(session: Session, *, resident: Resident) -> list[Case]:
    """The cases `resident` follows that are not closed, cancelled or rejected, newest first."""
    finals = [s.value for s in workflow.FINAL_STATUSES]
    return list(session.scalars(
        select(Case).join(CaseFollower, CaseFollower.case_id == Case.id)
        .where(CaseFollower.resident_id == resident.id, Case.status.not_in(finals))
        .order_by(Case.created_at.desc(), Case.id.desc())))


def followed_case_by_reference(session: Session, *, resident: Resident, reference: str) -> Optional[Case]:
    """The case with this reference if `resident` follows it (else None, as for a reference that does not exist)."""
    return session.scalar(
        select(Case).join(CaseFollower, CaseFollower.case_id == Case.id)
        .where(CaseFollower.resident_id == resident.id, Case.reference == normalise_reference(reference)))


def _following(session: Session, *, case: Case, resident: Resident) -> Optional[CaseFollower]:
    return session.scalar(select(CaseFollower).where(CaseFollower.case_id == case.id,
                                                     CaseFollower.resident_id == resident.id))
