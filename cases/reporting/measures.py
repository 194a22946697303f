"""The report's figures as queries counted per group: the definitions figures.py and responsiveness.py share.

Each query takes a Scope: the period [begin, finish) in UTC, conditions on Case (a department, an area's grids)
and a Grouping. Without one, the whole scope is one group whose key is None; with one, each count carries its
group's key (a department, a grid code, the id of the staff member who handled the case). The definitions are
in figures.py's docstring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from statistics import median
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, FromClause, Row, Select, Subquery, exists, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from cases import events
from cases.models import Case, CaseChase, CaseEvent, Survey
from cases.workflow import Status

Conditions = list[ColumnElement[bool]]
# A case's reopening after "not fixed": the resident (or staff) moved it from resolved back to in progress.
REOPEN_EVENT = (CaseEvent.kind == events.STATUS_EVENT, CaseEvent.from_status == Status.RESOLVED.value,
                CaseEvent.to_status == Status.IN_PROGRESS.value)


@dataclass(frozen=True)
class Grouping:
    """What figures are counted by: a key per case, and the join (if any) that brings it to the case."""

    key: ColumnElement[Any] | QueryableAttribute[Any]
    join: Optional[tuple[FromClause, ColumnElement[bool]]] = None


@dataclass(frozen=True)
class Scope:
    """The cases figures count: a period [begin, finish) in UTC, conditions on Case, and how to group them."""

    begin: datetime
    finish: datetime
    conditions: Conditions
    group: Optional[Grouping] = None


def period_utc(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """A period of city days [start, end) as UTC moments."""
    zone = ZoneInfo(timezone)
    begin, finish = (datetime.combine(day, time(0), tzinfo=zone).astimezone(dt_timezone.utc) for day in (start, end))
    return begin, finish


def hours(later: datetime, earlier: datetime) -> float:
    """The hours between two moments."""
    return (later - earlier).total_seconds() / 3600


def median_hours(values: list[float]) -> Optional[float]:
    """The median, rounded to 2 decimals; None without values."""
    return round(median(values), 2) if values else None


def percent(part: int, whole: int) -> Optional[float]:
    """A share in percent, rounded to 1 decimal; None of nothing."""
    return round(100 * part / whole, 1) if whole else None


def satisfaction_average(counts: Counter[int]) -> Optional[float]:
    """The average of ratings counted per rating, rounded to 2 decimals; None without answers."""
    total = sum(counts.values())
    return round(sum(r * n for r, n in counts.items()) / total, 2) if total else None


def aware(moment: datetime) -> datetime:
    """A moment the database handed back, in UTC (an aggregate may come back naive: it is UTC, as stored)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt_timezone.utc)


def _keyed(scope: Scope, *columns: Any) -> Select[Any]:
    return select(*([scope.group.key] if scope.group else []), *columns)


def _joined(query: Select[Any], scope: Scope) -> Select[Any]:
    """The query joined to what brings the group's key (if anything), and limited to the scope's cases."""
    if scope.group is not None and scope.group.join is not None:
        query = query.join(*scope.group.join)
    return query.where(*scope.conditions)


def _split(row: Row[Any], scope: Scope) -> tuple[Any, tuple[Any, ...]]:
    """A result row as (its group's key, the rest)."""
    return (row[0], tuple(row[1:])) if scope.group is not None else (None, tuple(row))


def _counts(session: Session, query: Select[Any], scope: Scope) -> dict[Any, int]:
    """A count query's result per group."""
    if scope.group is not None:
        query = query.group_by(scope.group.key)
    return {key: rest[0] for key, rest in (_split(row, scope) for row in session.execute(query))}


def event_cases(session: Session, scope: Scope, *, event: tuple[ColumnElement[bool], ...]) -> dict[Any, int]:
    """Distinct cases with a history entry matching `event` in the period, per group."""
    query = _keyed(scope, func.count(func.distinct(CaseEvent.case_id))).select_from(CaseEvent).join(Case)
    return _counts(session, _joined(query, scope).where(
        CaseEvent.created_at >= scope.begin, CaseEvent.created_at < scope.finish, *event), scope)


def received_times(session: Session, scope: Scope) -> list[tuple[Any, datetime, Optional[datetime]]]:
    """(key, created, first response or None) of each case received in the period."""
    query = _joined(_keyed(scope, Case.created_at, Case.first_response_at).select_from(Case), scope)
    rows = session.execute(query.where(Case.created_at >= scope.begin, Case.created_at < scope.finish))
    return [(key, rest[0], rest[1]) for key, rest in (_split(row, scope) for row in rows)]


def first_resolved() -> Subquery:
    """Each case's first move to resolved: (case_id, at)."""
    return (select(CaseEvent.case_id, func.min(CaseEvent.created_at).label("at"))
            .where(CaseEvent.kind == events.STATUS_EVENT, CaseEvent.to_status == Status.RESOLVED.value)
            .group_by(CaseEvent.case_id).subquery())


def first_resolutions(session: Session, scope: Scope) -> list[tuple[Any, str, datetime, datetime, datetime]]:
    """(key, request type, created, due, first resolved) of each case first resolved in the period."""
    first = first_resolved()
    query = _keyed(scope, Case.request_type, Case.created_at, Case.due_at, first.c.at).select_from(Case) \
        .join(first, first.c.case_id == Case.id)
    rows = session.execute(_joined(query, scope).where(first.c.at >= scope.begin, first.c.at < scope.finish))
    return [(key, rest[0], rest[1], rest[2], aware(rest[3])) for key, rest in (_split(row, scope) for row in rows)]


def reopened_after_resolution(session: Session, scope: Scope, *, until: datetime) -> dict[Any, int]:
    """Of the cases first resolved in the period, how many were reopened (REOPEN_EVENT) before `until`, per group."""
    first = first_resolved()
    reopened = exists().where(CaseEvent.case_id == Case.id, CaseEvent.created_at < until, *REOPEN_EVENT)
    query = _keyed(scope, func.count()).select_from(Case).join(first, first.c.case_id == Case.id)
    return _counts(session, _joined(query, scope).where(
        first.c.at >= scope.begin, first.c.at < scope.finish, reopened), scope)


def chases(session: Session, scope: Scope) -> dict[Any, int]:
    """Chases (催办) made in the period, per group."""
    query = _joined(_keyed(scope, func.count()).select_from(CaseChase).join(Case), scope)
    return _counts(session, query.where(CaseChase.created_at >= scope.begin, CaseChase.created_at < scope.finish),
                   scope)


def ratings(session: Session, scope: Scope) -> dict[Any, Counter[int]]:
    """The ratings of the surveys answered in the period, counted per rating, per group."""
    query = _joined(_keyed(scope, Survey.rating, func.count()).select_from(Survey).join(Case), scope).where(
        Survey.answered_at >= scope.begin, Survey.answered_at < scope.finish, Survey.rating.is_not(None))
    query = query.group_by(*([scope.group.key] if scope.group else []), Survey.rating)
    counts: dict[Any, Counter[int]] = {}
    for key, (rating, n) in (_split(row, scope) for row in session.execute(query)):
        counts.setdefault(key, Counter())[rating] += n
    return counts
