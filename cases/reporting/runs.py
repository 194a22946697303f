"""When weekly and monthly reports are due, for which departments and areas, to whom, and that each goes once.

A run is the city's (department and area ""), a department's, or an area's (a community, sub-district or
district whose supervisors are on Telegram or WeChat): each gets the report of its own cases.

A ReportRun row is inserted in the transaction that queues the report's summaries in the outbox (each recipient's
Telegram chat and WeChat OpenID, in their language), so a run is queued by one scheduler only, and its messages
are delivered like every other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import i18n, outbox, workflow
from cases.areas.areas import AreaMap
from cases.clock import utcnow
from cases.hours import DAYS
from cases.models import Case, ReportRun, StaffUser
from cases.reporting.figures import previous_period


def due_periods(*, now: datetime, timezone: str, report_weekday: str, report_hour: int) -> list[tuple[str, date, date]]:
    """The last complete week and month whose report time (weekday / the 1st, at report_hour, city time) has come."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    weekday = DAYS.index(report_weekday.strip().lower()[:3])
    due = []
    for period in ("weekly", "monthly"):
        start, end = previous_period(period, local.date())
        send_day = end + timedelta(days=weekday) if period == "weekly" else end
        if local >= datetime.combine(send_day, time(report_hour), tzinfo=zone):
            due.append((period, start, end))
    return due


def report_departments(session: Session, *, start: date, end: date, timezone: str) -> list[str]:
    """Departments with cases received in the period or still open at its end."""
    zone = ZoneInfo(timezone)
    begin = datetime.combine(start, time(0), tzinfo=zone)
    finish = datetime.combine(end, time(0), tzinfo=zone)
    finals = [s.value for s in workflow.FINAL_STATUSES]
    return list(session.scalars(
        select(Case.department).where(Case.created_at < finish,
                                      or_(Case.created_at >= begin, Case.status.not_in(finals)))
        .distinct().order_by(Case.department)))


def report_areas(session: Session, areas: AreaMap) -> list[str]:
    """The areas whose supervisors get their area's report: those with an active supervisor on Telegram or WeChat."""
    codes = session.scalars(select(StaffUser.area_code).where(
        StaffUser.active.is_(True), StaffUser.role == "supervisor", StaffUser.area_code.is_not(None),
        _reachable()).distinct())
    return sorted(code for code in codes if code and areas.get(code) is not None)


def _reachable() -> ColumnElement[bool]:
    """The SQL condition: a staff member messages reach (a Telegram chat, a WeChat OpenID)."""
    return or_(StaffUser.telegram_chat_id.is_not(None), StaffUser.wechat_openid.is_not(None))


def report_recipients(session: Session, department: Optional[str], area: Optional[str] = None) -> list[StaffUser]:
    """Who gets the report on Telegram or WeChat: the area's supervisors, the department's, or city supervisors and
    admins."""
    query = select(StaffUser).where(StaffUser.active.is_(True), _reachable())
    if area:
        query = query.where(StaffUser.role == "supervisor", StaffUser.area_code == area)
    elif department:
        query = query.where(StaffUser.role == "supervisor", StaffUser.department == department)
    else:
        # An area's supervisors have no department either, but the city's figures are not theirs to get.
        query = query.where(or_(StaffUser.role == "admin",
                                (StaffUser.role == "supervisor") & StaffUser.department.is_(None)
                                & StaffUser.area_code.is_(None)))
    return list(session.scalars(query.order_by(StaffUser.id)))


def claim_run(session: Session, *, period: str, start: date, department: str, area: str = "",
              now: Optional[datetime] = None) -> Optional[ReportRun]:
    """The new run to produce now, or None if this period and department (or area) has one already."""
    run = ReportRun(period=period, period_start=start, department=department, area_code=area,
                    created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    return run


def queue_report(session: Session, *, run: ReportRun, text: str | Callable[[str], str],
                 default_language: str = i18n.SOURCE_LANGUAGE) -> int:
    """Queue the report's summary to each of its recipients' chats, with the run; how many messages.

    `text` is the summary, or a function giving it in a language: each recipient reads theirs (their account's
    language, else `default_language`).
    """
    summaries: dict[str, str] = {}
    queued: set[tuple[str, str]] = set()  # two accounts on one chat: one message
    for member in report_recipients(session, run.department, run.area_code or None):
        chats = [chat for chat in outbox.staff_chats(member) if chat not in queued]
        queued.update(chats)
        language = i18n.language_for(member.language, None, default_language)
        if language not in summaries:
            summaries[language] = text(language) if callable(text) else text
        outbox.queue_for_staff(session, staff=member, text=summaries[language], kind=outbox.REPORT, chats=chats,
                               now=run.created_at)
    return len(queued)


def report_link(base_url: str, *, period: str, start: date, department: Optional[str], area: str = "",
                csv: bool = False) -> str:
    """The console address of a report (or its CSV)."""
    fields = {"period": period, "start": start.isoformat(), "department": department or ""}
    query = urlencode({**fields, "area": area} if area else fields)
    return f"{base_url.rstrip('/')}/reports{'.csv' if csv else ''}?{query}"
