"""The responsiveness record (双向评价): how each official, department or grid answered residents in a period.

A period is the reports' [start, end) in city days. Each row is a group of cases:
- by staff: the cases that official handled, i.e. on which they recorded a status change (a console move under
  their name, CaseEvent.staff_id) in the period; a case two officials moved counts for both;
- by department: the cases of that department (Case.department, as in the department's report);
- by grid: the cases in that grid, summed up into its community, sub-district and district; cases in no grid
  are the triage desk's.
Within the group, the figures keep the report's definitions (cases/reporting/figures.py, through measures.py),
so a department's row says what its report says:
- handled: distinct cases with a status change made by staff in the period;
- received: the group's cases filed in the period (so a grid whose cases nobody answered still shows);
- median first response: over the group's cases received in the period and responded to, the hours from
  creation to Case.first_response_at;
- on time: of the group's cases first resolved in the period, the share resolved at or before their due date;
- reopen rate: of those same cases, the share moved from resolved back to in progress ("not fixed") since,
  as of `now`;
- chases: chases (催办) made in the period on the group's cases;
- satisfaction: surveys answered in the period on the group's cases (average rating and count).
A department's or an area's people read only their scope's cases (the same conditions as their report), and
by grid only the areas inside their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import events
from cases.areas import routing
from cases.areas.areas import LEVELS, AreaMap
from cases.clock import utcnow
from cases.models import Case, CaseEvent, StaffUser
from cases.reporting import measures
from cases.reporting.areas import TRIAGE
from cases.reporting.figures import PERIODS, case_scope
from cases.reporting.measures import Grouping
from cases.workflow import Actor

BY = ("staff", "department", "grid")
# A status change staff made: what "handled" counts.
STAFF_MOVE = (CaseEvent.kind == events.STATUS_EVENT, CaseEvent.actor == Actor.STAFF.value)


@dataclass(frozen=True)
class Row:
    """One official's, department's or area's figures for the period."""

    level: str  # staff, department, or an area's level (grid, community, subdistrict, district; triage)
    key: str  # the staff member's id, the department's name, the area's code
    name: str  # the official's display name, the department's name, the area's name
    handled: int
    received: int
    median_first_response_hours: Optional[float]
    resolved: int
    on_time_percent: Optional[float]
    reopened: int
    reopen_rate_percent: Optional[float]
    chased: int
    satisfaction_average: Optional[float]
    satisfaction_answers: int


@dataclass
class _Tally:
    """What a row is computed from; tallies of grids add up into their community's and upwards."""

    handled: int = 0
    received: int = 0
    response_hours: list[float] = field(default_factory=list)
    on_time: list[bool] = field(default_factory=list)
    reopened: int = 0
    chased: int = 0
    ratings: Counter[int] = field(default_factory=Counter)

    def add(self, other: _Tally) -> None:
        """Count another tally's cases in this one."""
        self.handled += other.handled
        self.received += other.received
        self.response_hours += other.response_hours
        self.on_time += other.on_time
        self.reopened += other.reopened
        self.chased += other.chased
        self.ratings += other.ratings

    def row(self, level: str, key: str, name: str) -> Row:
        """The figures."""
        return Row(level=level, key=key, name=name, handled=self.handled, received=self.received,
                   median_first_response_hours=measures.median_hours(self.response_hours),
                   resolved=len(self.on_time), on_time_percent=measures.percent(sum(self.on_time), len(self.on_time)),
                   reopened=self.reopened, reopen_rate_percent=measures.percent(self.reopened, len(self.on_time)),
                   chased=self.chased, satisfaction_average=measures.satisfaction_average(self.ratings),
                   satisfaction_answers=sum(self.ratings.values()))


def _grouping(by: str, begin: datetime, finish: datetime) -> Grouping:
    """The key each case is counted under; by staff, each official who moved it in the period."""
    if by == "department":
        return Grouping(Case.department)
    if by == "grid":
        return Grouping(Case.grid_code)
    handled = (select(CaseEvent.case_id, CaseEvent.staff_id).distinct()
               .where(*STAFF_MOVE, CaseEvent.staff_id.is_not(None),
                      CaseEvent.created_at >= begin, CaseEvent.created_at < finish).subquery())
    return Grouping(handled.c.staff_id, (handled, handled.c.case_id == Case.id))


def _tallies(session: Session, scope: measures.Scope, now: datetime) -> dict[Any, _Tally]:
    """Each group's tally, from the report's own queries."""
    tallies: dict[Any, _Tally] = {}

    def tally(key: Any) -> _Tally:
        return tallies.setdefault(key, _Tally())

    for key, n in measures.event_cases(session, scope, event=STAFF_MOVE).items():
        tally(key).handled = n
    for key, created, responded in measures.received_times(session, scope):
        tally(key).received += 1
        if responded is not None:
            tally(key).response_hours.append(measures.hours(responded, created))
    for key, _, _, due, at in measures.first_resolutions(session, scope):
        tally(key).on_time.append(at <= due)
    for key, n in measures.reopened_after_resolution(session, scope, until=now).items():
        tally(key).reopened = n
    for key, n in measures.chases(session, scope).items():
        tally(key).chased = n
    for key, counts in measures.ratings(session, scope).items():
        tally(key).ratings = counts
    return tallies


def responsiveness(
    session: Session,
    *,
    period: str,
    start: date,
    end: date,
    timezone: str,
    by: str,
    area: Optional[str] = None,
    department: Optional[str] = None,
    areas: Optional[AreaMap] = None,
    now: Optional[datetime] = None,
) -> list[Row]:
    """The record of [start, end) in city days, a row per official, department or area (see the module docstring):
    staff and departments by cases handled, most first; areas from the districts down, triage last."""
    if period not in PERIODS or by not in BY or end <= start:
        raise ValueError(f"a record is {' or '.join(PERIODS)}, by {', '.join(BY)}, and ends after it starts")
    areas = areas or routing.router().areas
    begin, finish = measures.period_utc(start, end, timezone)
    scope = measures.Scope(begin=begin, finish=finish, group=_grouping(by, begin, finish),
                           conditions=case_scope(areas, department=(department or "").strip() or None, area=area))
    tallies = _tallies(session, scope, now or utcnow())
    if by == "grid":
        return _area_rows(tallies, areas, area)
    names = {} if by == "department" else dict(session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(list(tallies)))).tuples().all())
    rows = [tally.row(by, str(key), names.get(key, str(key))) for key, tally in tallies.items()]
    return sorted(rows, key=lambda row: (-row.handled, row.name.casefold(), row.key))


def _area_rows(tallies: dict[Any, _Tally], areas: AreaMap, asked: Optional[str]) -> list[Row]:
    """Grids' tallies summed into every level above them, without the levels above the area asked for."""
    totals: dict[str, _Tally] = {}
    for grid, tally in tallies.items():
        # A grid no longer in the areas file counts only for itself.
        for code in (areas.lineage(grid) if grid else []) or [grid or TRIAGE]:
            if not asked or asked == TRIAGE or asked in areas.lineage(code):
                totals.setdefault(code, _Tally()).add(tally)
    order = {level: n for n, level in enumerate(reversed(LEVELS))}
    rows = [tally.row(area.level if area else ("triage" if code == TRIAGE else "grid"), code,
                      area.name if area else ("the triage desk" if code == TRIAGE else code))
            for code, tally in totals.items() for area in [areas.get(code)]]
    return sorted(rows, key=lambda row: (order.get(row.level, len(order)), -row.handled, row.key))
