"""A resident chases (催办) an overdue case: once per case and city day, logged, and sent to the people responsible."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import workflow
from cases.catalog import load_catalog
from cases.clock import utcnow
from cases.events import CHASE, record_event
from cases.i18n import N_
from cases.models import Case, CaseChase, Resident
from cases.queries import CaseNotFound, active_cases_for_resident, find_case_for_resident, followed_case, is_overdue
from cases.staff import wording
from cases.staff.alerts import alert, responsible
from cases.workflow import Actor, Status

CHASED = N_("%(reference)s (%(type)s) was chased by the resident: it was due %(due)s and is still %(status)s.")


class CannotChase(Exception):
    """A chase (催办) that is not possible: `reason` is not_overdue, already_today or closed."""

    def __init__(self, reason: str, case: Case):
        super().__init__(reason)
        self.reason, self.case = reason, case


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day in the city's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def chase_case(
    session: Session,
    *,
    resident: Resident,
    reference: str,
    timezone: str,
    now: Optional[datetime] = None,
) -> CaseChase:
    """A resident chases (催办) their overdue case: once per case and city day, logged and sent to staff.

    Raises CaseNotFound (not theirs / none), or CannotChase(not_overdue | already_today | closed).
    """
    case = find_case_for_resident(session, resident=resident, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    now = now or utcnow()
    worked = followed_case(case)
    if not workflow.is_working(Status(worked.status)):
        raise CannotChase("closed", case)
    if not is_overdue(worked, now):
        raise CannotChase("not_overdue", case)
    day = local_day(now, timezone)
    if session.scalar(select(CaseChase).where(CaseChase.case_id == worked.id, CaseChase.local_day == day)):
        raise CannotChase("already_today", case)
    chase = CaseChase(case_id=worked.id, resident_id=resident.id, local_day=day, created_at=now)
    try:
        with session.begin_nested():
            session.add(chase)
            session.flush()
    except IntegrityError:
        raise CannotChase("already_today", case) from None
    record_event(session, case=worked, kind=CHASE, actor=Actor.RESIDENT, actor_name=resident.display_name,
                 internal_note=f"Chased by the resident ({case.reference}).", now=now)
    alert(session, key=f"chase:{worked.id}:{day.isoformat()}", kind="chase", case=worked, now=now,
          message=CHASED, params={"reference": worked.reference,
                                  "type": wording.request_type(load_catalog(), worked.request_type),
                                  "due": wording.day(local_day(worked.due_at, timezone)),
                                  "status": wording.status(worked.status)},
          **responsible(worked))
    return chase


def chaseable_cases(
    session: Session, *, resident: Resident, now: Optional[datetime] = None
) -> tuple[list[Case], list[Case]]:
    """The resident's cases still being worked on (newest first), and those of them that are overdue."""
    now = now or utcnow()
    working = [case for case in active_cases_for_resident(session, resident=resident)
               if workflow.is_working(Status(followed_case(case).status))]
    return working, [case for case in working if is_overdue(followed_case(case), now)]
