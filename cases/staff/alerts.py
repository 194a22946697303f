"""Staff alerts: recording one for those responsible, who it is for, what each has to read, what goes to Telegram.

An alert names one person (staff_id), or a role in a department, or a role in an area (area_code: a grid,
community, sub-district or district, cases/areas), or a role city-wide (neither). The console and Telegram
use the same rule, so both show an alert to the same people:
- a person: that person;
- a role in a department: the active staff with that role and that department;
- a role in an area: the active staff with that role who answer for that area (a grid's worker is an agent,
  a community's, sub-district's or district's people are supervisors);
- a role city-wide: the active staff with that role, no department and no area (city supervisors, admins).
Read state is one per alert: once one addressee has read it, it is read for all of them.
The Telegram copies are outbox rows queued with the alert, in its transaction (see `alert`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, TypedDict

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import outbox
from cases.areas import ladder, routing
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.models import Case, StaffAlert, StaffUser
from cases.store.db import affected_rows

# Stands for the console's public address in an alert's Telegram copy; the sender puts the address in.
CONSOLE = "{console}"


class AlertNotFound(LookupError):
    """No alert with that id addressed to this staff member."""


class Addressees(TypedDict, total=False):
    """Who an alert goes to, as keyword arguments of `alert`: one staff member, or a role (in a department or
    an area)."""

    staff: StaffUser
    role: str
    department: Optional[str]
    area: Optional[str]


def responsible(case: Case, level: Optional[int] = None, *, catalog: Optional[Catalog] = None,
                areas: Optional[AreaMap] = None) -> Addressees:
    """Who answers for a case at a rung of its ladder (its own by default), as addressees for `alert`.

    The ladders are in cases/areas/ladder.py; a case in no grid keeps 0: the assignee, or the department's
    agents; 1: the department's supervisors; 2: the city's supervisors.
    """
    level = case.escalation_level if level is None else level
    areas = areas or routing.router().areas
    rungs = (ladder.NO_GRID_LADDER if case.grid_code is None
             else ladder.ladder_for(case, catalog=catalog or load_catalog(), areas=areas))
    rung = rungs[min(max(level, 0), len(rungs) - 1)]
    if rung in ("grid", "department") and case.assignee is not None:
        return {"staff": case.assignee}
    if rung == "department":
        return {"role": "agent", "department": case.department}
    if rung == "department_supervisor":
        return {"role": "supervisor", "department": case.department}
    if rung == "city":
        return {"role": "supervisor", "department": None}
    return {"role": "agent" if rung == "grid" else "supervisor", "area": ladder.area_at(case, rung, areas)}


def alert(
    session: Session,
    *,
    key: str,
    kind: str,
    text: str,
    case: Optional[Case] = None,
    handoff_id: Optional[int] = None,
    staff: Optional[StaffUser] = None,
    role: Optional[str] = None,
    department: Optional[str] = None,
    area: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Optional[StaffAlert]:
    """Record an alert for staff once per key (None if it exists): one person, or a role (in a department).

    Each addressee with a Telegram chat id gets a copy through the outbox, queued in this transaction.
    """
    if session.scalar(select(StaffAlert.id).where(StaffAlert.key == key)) is not None:
        return None
    row = StaffAlert(key=key, kind=kind, text=text, case_id=case.id if case is not None else None,
                     handoff_id=handoff_id, staff_id=staff.id if staff is not None else None,
                     role=None if staff is not None else (role or "supervisor"),
                     department=department, area_code=None if staff is not None else area,
                     created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    text = telegram_text(row, case_reference=case.reference if case is not None else None)
    for member in {s.telegram_chat_id: s for s in addressees(session, row) if s.telegram_chat_id}.values():
        outbox.queue_for_staff(session, staff=member, text=text, kind=outbox.STAFF_ALERT, now=row.created_at)
    return row


def telegram_text(alert: StaffAlert, *, case_reference: Optional[str]) -> str:
    """The alert's Telegram text: its text and the console page to act on it (address left as CONSOLE)."""
    if alert.case_id is not None:
        return f"{alert.text}\n{CONSOLE}/cases/{case_reference}"
    if alert.handoff_id is not None:
        return f"{alert.text}\n{CONSOLE}/inbox/{alert.handoff_id}"
    return f"{alert.text}\n{CONSOLE}/alerts"


def with_console(text: str, console_url: str) -> str:
    """An outbox text with the console's public address put in for CONSOLE."""
    return text.replace(CONSOLE, console_url.rstrip("/"))


def _for(staff: StaffUser) -> ColumnElement[bool]:
    """The SQL condition: alerts addressed to `staff`."""
    by_role = and_(StaffAlert.staff_id.is_(None), StaffAlert.role == staff.role,
                   StaffAlert.department.is_(None) if staff.department is None
                   else StaffAlert.department == staff.department,
                   StaffAlert.area_code.is_(None) if staff.area_code is None
                   else StaffAlert.area_code == staff.area_code)
    return or_(StaffAlert.staff_id == staff.id, by_role)


def alerts_for(session: Session, staff: StaffUser, *, unread_only: bool = False, limit: int = 100) -> list[StaffAlert]:
    """The alerts addressed to this staff member, newest first."""
    query = select(StaffAlert).where(_for(staff))
    if unread_only:
        query = query.where(StaffAlert.read_at.is_(None))
    return list(session.scalars(query.order_by(StaffAlert.id.desc()).limit(limit)))


def unread_count(session: Session, staff: StaffUser) -> int:
    """How many of this staff member's alerts nobody has read yet."""
    return session.scalar(select(func.count()).select_from(StaffAlert)
                          .where(_for(staff), StaffAlert.read_at.is_(None))) or 0


def mark_read(session: Session, *, staff: StaffUser, alert_id: int, now: Optional[datetime] = None) -> StaffAlert:
    """Mark one of this staff member's alerts read (reading it again changes nothing); raises AlertNotFound."""
    alert = session.scalar(select(StaffAlert).where(StaffAlert.id == alert_id, _for(staff)))
    if alert is None:
        raise AlertNotFound(alert_id)
    if alert.read_at is None:
        alert.read_at = now or utcnow()
        session.flush()
    return alert


def mark_all_read(session: Session, *, staff: StaffUser, now: Optional[datetime] = None) -> int:
    """Mark every unread alert of this staff member read; returns how many."""
    result = session.execute(update(StaffAlert).where(_for(staff), StaffAlert.read_at.is_(None))
                             .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return affected_rows(result)


def addressees(session: Session, alert: StaffAlert) -> list[StaffUser]:
    """The active staff members this alert is for."""
    query = select(StaffUser).where(StaffUser.active.is_(True))
    if alert.staff_id is not None:
        query = query.where(StaffUser.id == alert.staff_id)
    else:
        query = query.where(StaffUser.role == alert.role,
                            StaffUser.department.is_(None) if alert.department is None
                            else StaffUser.department == alert.department,
                            StaffUser.area_code.is_(None) if alert.area_code is None
                            else StaffUser.area_code == alert.area_code)
    return list(session.scalars(query.order_by(StaffUser.id)))
