"""When weekly and monthly reports are due, for which departments, to whom, and that each goes once.

A ReportRun row is inserted before the report is pushed and marked pushed after, so a run is pushed
by one scheduler only; one left unpushed (a crash in between) is taken again after `retry_minutes`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import workflow
from cases.clock import utcnow
from cases.hours import DAYS
from cases.models import Case, ReportRun, StaffUser
from cases.reporting.figures import previous_period

RETRY_MINUTES = 15.0


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


def report_recipients(session: Session, department: Optional[str]) -> list[StaffUser]:
    """Who gets the report on Telegram: the department's supervisors, or city supervisors and admins."""
    query = select(StaffUser).where(StaffUser.active.is_(True), StaffUser.telegram_chat_id.is_not(None))
    if department:
        query = query.where(StaffUser.role == "supervisor", StaffUser.department == department)
    else:
        query = query.where(or_(StaffUser.role == "admin",
                                (StaffUser.role == "supervisor") & StaffUser.department.is_(None)))
    return list(session.scalars(query.order_by(StaffUser.id)))


def claim_run(
    session: Session,
    *,
    period: str,
    start: date,
    department: str,
    retry_minutes: float = RETRY_MINUTES,
    now: Optional[datetime] = None,
) -> Optional[ReportRun]:
    """The run to push now (new, or unpushed and abandoned), or None if it is pushed or being pushed.

    An abandoned run's created_at is moved to the new attempt, so only one scheduler retries it.
    """
    now = now or utcnow()
    run = ReportRun(period=period, period_start=start, department=department, created_at=now)
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
        return run
    except IntegrityError:
        pass
    run = session.scalar(select(ReportRun).where(ReportRun.period == period, ReportRun.period_start == start,
                                                 ReportRun.department == department))
    if run is None or run.pushed_at is not None or run.created_at > now - timedelta(minutes=retry_minutes):
        return None
    taken = session.execute(update(ReportRun).where(ReportRun.id == run.id, ReportRun.pushed_at.is_(None),
                                                    ReportRun.created_at == run.created_at)
                            .values(created_at=now).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None
    session.refresh(run)
    return run


def mark_pushed(session: Session, *, run_id: int, now: Optional[datetime] = None) -> None:
    """Record that the run's report went out."""
    session.execute(update(ReportRun).where(ReportRun.id == run_id).values(pushed_at=now or utcnow())
                    .execution_options(synchronize_session=False))


def report_link(base_url: str, *, period: str, start: date, department: Optional[str], csv: bool = False) -> str:
    """The console address of a report (or its CSV)."""
    query = urlencode({"period": period, "start": start.isoformat(), "department": department or ""})
    return f"{base_url.rstrip('/')}/reports{'.csv' if csv else ''}?{query}"
