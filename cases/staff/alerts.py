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
An alert is kept as a message and its parameters (cases/staff/wording.py), so each reader reads it in their own
language (`text_in`); `text` holds the English one. The Telegram and WeChat copies are outbox rows queued with
the alert, in its transaction (see `alert`), worded again by the sender in the reader's language of the moment
(`copy_for_sending`: an account without a language reads the city's default, which the sender knows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Optional, TypedDict

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import i18n, outbox
from cases.areas import ladder, routing
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.i18n import N_
from cases.models import Case, Notification, StaffAlert, StaffUser
from cases.staff import wording
from cases.store.db import affected_rows

# Stands for the console's public address in an alert's Telegram copy; the sender puts the address in.
CONSOLE = "{console}"
# What each kind of alert is about, for a list of alerts and for WeChat's template message.
KIND_NAMES = {"escalation": N_("Overdue, escalated"), "chase": N_("Chased by the resident"),
              "reopened": N_("Reopened: not fixed"), "placed": N_("Placed in a grid"),
              "handoff_wait": N_("Waiting for a person")}


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
    message: Optional[str] = None,
    params: Optional[Mapping[str, Any]] = None,
    text: Optional[str] = None,
    case: Optional[Case] = None,
    handoff_id: Optional[int] = None,
    staff: Optional[StaffUser] = None,
    role: Optional[str] = None,
    department: Optional[str] = None,
    area: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Optional[StaffAlert]:
    """Record an alert for staff once per key (None if it exists): one person, or a role (in a department).

    What it says is `message` (marked with N_) with `params` (cases/staff/wording.py), read in each reader's
    language; or a `text` that stays as it is, in every language. Each addressee's Telegram chat and WeChat
    OpenID gets a copy through the outbox, queued in this transaction.
    """
    if (message is None) == (text is None):
        raise TypeError("an alert says either a message (with its params) or a text")
    if session.scalar(select(StaffAlert.id).where(StaffAlert.key == key)) is not None:
        return None
    english = text if message is None else wording.render(message, params or {}, i18n.SOURCE_LANGUAGE)
    row = StaffAlert(key=key, kind=kind, text=english, message=message,
                     params=wording.dumps(params) if message is not None and params else None,
                     case_id=case.id if case is not None else None,
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
    reference = case.reference if case is not None else None
    queued: set[tuple[str, str]] = set()  # two accounts on one chat: one copy
    for member in addressees(session, row):
        chats = [chat for chat in outbox.staff_chats(member) if chat not in queued]
        queued.update(chats)
        if chats:
            outbox.queue_for_staff(session, staff=member, chats=chats, kind=outbox.STAFF_ALERT, alert_id=row.id,
                                   text=copy_text(row, case_reference=reference,
                                                  language=member.language or i18n.SOURCE_LANGUAGE),
                                   now=row.created_at)
    return row


def text_in(alert: StaffAlert, language: str) -> str:
    """What the alert says in `language` (the console's list, each reader's copy).

    An alert from before alerts had languages reads as its text; so does one whose text was rewritten since
    (a forgotten resident's alerts say only that), as its message would tell what was taken out.
    """
    if alert.message is None:
        return alert.text
    params = wording.loads(alert.params)
    if wording.render(alert.message, params, i18n.SOURCE_LANGUAGE) != alert.text:
        return alert.text
    return wording.render(alert.message, params, language)


def kind_label(kind: str, language: str) -> str:
    """What a kind of alert is about, in `language` (an unknown kind as it is)."""
    return i18n.translate(language, KIND_NAMES[kind]) if kind in KIND_NAMES else kind.replace("_", " ")


def copy_text(alert: StaffAlert, *, case_reference: Optional[str], language: str = i18n.SOURCE_LANGUAGE) -> str:
    """The alert's copy for a chat: its text in `language` and the console page to act on it (address left as
    CONSOLE)."""
    return f"{text_in(alert, language)}\n{console_path(alert, case_reference=case_reference)}"


def console_path(alert: StaffAlert, *, case_reference: Optional[str]) -> str:
    """The console page to act on an alert (address left as CONSOLE): its case, its chat, or the alerts."""
    if alert.case_id is not None:
        return f"{CONSOLE}/cases/{case_reference}"
    if alert.handoff_id is not None:
        return f"{CONSOLE}/inbox/{alert.handoff_id}"
    return f"{CONSOLE}/alerts"


def copy_for_sending(session: Session, row: Notification, *, default_language: str) -> str:
    """What an outbox row says when sent: an alert's copy worded in its reader's language of the moment (their
    own, else `default_language`), kept on the row as what was sent; any other row as queued."""
    alert = session.get(StaffAlert, row.alert_id) if row.alert_id is not None else None
    member = session.get(StaffUser, row.staff_id) if row.staff_id is not None else None
    if alert is None or member is None:
        return row.text
    case = session.get(Case, alert.case_id) if alert.case_id is not None else None
    text = copy_text(alert, case_reference=case.reference if case is not None else None,
                     language=i18n.language_for(member.language, None, default_language))
    row.text = text[:4096] if row.channel == outbox.TELEGRAM else text
    return row.text


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
