"""Weekly and monthly figures on how the city handles requests, for the console, CSV and Telegram.

A period is [start, end) in city days (weeks start on Monday). Definitions, all limited to
Case.department when a department is given, and to the cases of an area's grids when an area is:
- received: cases created in the period;
- resolved: cases whose FIRST move to "resolved" happened in the period (a case resolved, reopened
  and resolved again counts once, in the period of its first resolution);
- on-time %: of those, the share first resolved at or before their due date;
- median first response: over cases received in the period that staff have responded to
  (Case.first_response_at), the hours from creation to that first response;
- median resolution: over cases resolved in the period, the hours from creation to the first resolution;
- reopened: cases moved from resolved back to in_progress in the period;
- escalated: distinct cases with an escalation event in the period;
- chased: chases (催办) made in the period;
- satisfaction: surveys answered in the period (average rating and counts per rating 1-5);
- open by status: cases created before the end of the period and not in a final status, counted by
  their status at the time the report is built (not a snapshot as of the period's end);
- oldest open: up to 10 of those, oldest first, their age and lateness as of the time of the report.
Hours are rounded to 2 decimals, percentages and averages to 1 and 2 decimals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cases import events, queries, workflow
from cases.areas import routing
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.i18n import LANGUAGES, Named
from cases.models import Case, CaseEvent
from cases.reporting import measures
from cases.reporting.areas import AreaLine, area_label, by_area, in_area
from cases.reporting.measures import hours, median_hours
from cases.workflow import Status

PERIODS = ("weekly", "monthly")
OLDEST_OPEN = 10
OPEN_STATUSES = [s.value for s in Status if workflow.is_active(s)]


@dataclass
class OpenCaseLine:
    """One case still open, for the oldest-open list."""

    reference: str
    request_type: str
    type_name: Named  # English as the str; the console shows it in its reader's language
    department: str
    status: str
    created_at: datetime
    due_at: datetime
    days_open: float
    overdue: bool


@dataclass
class Report:
    """The figures of one period (and department, or the whole city; and area, or every area)."""

    period: str
    start: date
    end: date
    department: Optional[str]
    area: Optional[str] = None  # a district, sub-district, community or grid code, or the triage desk
    area_name: Optional[str] = None
    received: int = 0
    resolved: int = 0
    on_time_percent: Optional[float] = None
    median_first_response_hours: Optional[float] = None
    median_resolution_hours: Optional[float] = None
    reopened: int = 0
    escalated: int = 0
    chased: int = 0
    satisfaction_average: Optional[float] = None
    satisfaction_counts: dict[int, int] = field(default_factory=lambda: {n: 0 for n in range(1, 6)})
    open_by_status: dict[str, int] = field(default_factory=dict)
    overdue_open: int = 0  # filed before the period's end and overdue now (queries.is_overdue)
    by_type: list[tuple[Named, int, int]] = field(default_factory=list)  # (type name, received, resolved)
    daily_received: list[tuple[date, int]] = field(default_factory=list)
    oldest_open: list[OpenCaseLine] = field(default_factory=list)
    by_area: list[AreaLine] = field(default_factory=list)  # per district, sub-district, community, grid; triage


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The weekly (Monday to Monday) or monthly period containing `day`, as [start, end)."""
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period == "monthly":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    raise ValueError(f"unknown period {period!r}: use weekly or monthly")


def previous_period(period: str, today: date) -> tuple[date, date]:
    """The last complete period before `today`."""
    start, _ = period_bounds(period, today)
    return period_bounds(period, start - timedelta(days=1))


def case_scope(areas: AreaMap, *, department: Optional[str], area: Optional[str]) -> list[ColumnElement[bool]]:
    """The SQL conditions on Case of a department's and an area's figures (the triage desk: cases in no grid)."""
    return [*([Case.department == department] if department else []), *([in_area(areas, area)] if area else [])]


def build_report(
    session: Session,
    *,
    period: str,
    start: date,
    end: date,
    department: Optional[str] = None,
    timezone: str,
    catalog: Optional[Catalog] = None,
    areas: Optional[AreaMap] = None,
    area: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Report:
    """Compute every figure of the report for [start, end) in city days (see the module docstring)."""
    if end <= start:
        raise ValueError("a report's end must be after its start")
    catalog = catalog or load_catalog()
    now = now or utcnow()
    zone = ZoneInfo(timezone)
    begin, finish = measures.period_utc(start, end, timezone)
    department = (department or "").strip() or None
    areas = areas or routing.router().areas
    in_dept = case_scope(areas, department=department, area=area)
    report = Report(period=period, start=start, end=end, department=department, area=area or None,
                    area_name=area_label(areas, area) if area else None)

    within = measures.Scope(begin=begin, finish=finish, conditions=in_dept)
    received_types = _received(session, report, within, zone)
    resolved_types = _resolved(session, report, within)

    report.reopened = measures.event_cases(session, within, event=measures.REOPEN_EVENT).get(None, 0)
    report.escalated = measures.event_cases(session, within, event=(CaseEvent.kind == events.ESCALATION,)).get(None, 0)
    report.chased = measures.chases(session, within).get(None, 0)
    ratings = measures.ratings(session, within).get(None, Counter())
    report.satisfaction_counts = {n: ratings.get(n, 0) for n in range(1, 6)}
    report.satisfaction_average = measures.satisfaction_average(ratings)

    open_counts = dict(session.execute(select(Case.status, func.count()).where(
        Case.created_at < finish, Case.status.in_(OPEN_STATUSES), *in_dept).group_by(Case.status)).tuples().all())
    report.open_by_status = {status: open_counts.get(status, 0) for status in OPEN_STATUSES}
    report.overdue_open = session.scalar(select(func.count()).select_from(Case).where(
        Case.created_at < finish, queries.overdue_clause(now), *in_dept)) or 0

    codes = [code for code in catalog.codes() if received_types[code] or resolved_types[code]]
    codes += sorted((set(received_types) | set(resolved_types)) - set(catalog.codes()))
    report.by_type = [(_type_name(catalog, code), received_types[code], resolved_types[code]) for code in codes]

    oldest = session.scalars(select(Case).where(Case.created_at < finish, Case.status.in_(OPEN_STATUSES), *in_dept)
                             .order_by(Case.created_at, Case.id).limit(OLDEST_OPEN))
    report.oldest_open = [
        OpenCaseLine(reference=c.reference or str(c.id), request_type=c.request_type,
                     type_name=_type_name(catalog, c.request_type), department=c.department, status=c.status,
                     created_at=c.created_at, due_at=c.due_at, days_open=round(hours(now, c.created_at) / 24, 1),
                     overdue=queries.is_overdue(c, now))
        for c in oldest]
    report.by_area = by_area(session, areas=areas, begin=begin, finish=finish,
                             open_statuses=OPEN_STATUSES, conditions=in_dept)
    return report


def _received(session: Session, report: Report, within: measures.Scope, zone: ZoneInfo) -> Counter[str]:
    """Fill in the figures on cases received in the period; return their count by request type."""
    in_period = [Case.created_at >= within.begin, Case.created_at < within.finish, *within.conditions]
    by_type = Counter(dict(session.execute(
        select(Case.request_type, func.count()).where(*in_period).group_by(Case.request_type)).tuples().all()))
    report.received = sum(by_type.values())
    # The median and the city day of each case need the times themselves, not a count.
    times = [(created, responded) for _, created, responded in measures.received_times(session, within)]
    report.median_first_response_hours = median_hours(
        [hours(responded, created) for created, responded in times if responded is not None])
    per_day = Counter(created.astimezone(zone).date() for created, _ in times)
    report.daily_received = [(report.start + timedelta(days=n), per_day.get(report.start + timedelta(days=n), 0))
                             for n in range((report.end - report.start).days)]
    return by_type


def _resolved(session: Session, report: Report, within: measures.Scope) -> Counter[str]:
    """Fill in the figures on cases first resolved in the period; return their count by request type."""
    resolved = measures.first_resolutions(session, within)
    report.resolved = len(resolved)
    report.on_time_percent = measures.percent(sum(at <= due for *_, due, at in resolved), len(resolved))
    report.median_resolution_hours = median_hours([hours(at, created) for _, _, created, _, at in resolved])
    return Counter(request_type for _, request_type, *_ in resolved)


def _type_name(catalog: Catalog, code: str) -> Named:
    """A request type's name, English as the str, in each staff language for the console (a removed type: its
    code)."""
    if code not in catalog:
        return Named(code)
    kind = catalog.get(code)
    return Named(kind.name, {language: kind.name_in(language) for language in LANGUAGES})
