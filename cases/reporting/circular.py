"""The supervision circular (通报): a period's report and responsiveness record, gathered for print.

Every figure comes from the report's and the record's own builders (figures.build_report, responsiveness), run
once with the same `now`, so the circular says what the console's pages say. What the circular adds is a reading:
in each column of the record the best and the worst row (when they differ, among rows resting on MIN_BASE cases or
more), and the officials and departments it names for the highest and the lowest share resolved on time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from sqlalchemy.orm import Session

from cases.areas import routing
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.reporting.figures import Report, build_report
from cases.reporting.responsiveness import Row, responsiveness

# The record's columns a circular ranks, and whether more is better.
RANKED = {"median_first_response_hours": False, "on_time_percent": True, "reopen_rate_percent": False,
          "chased": False, "satisfaction_average": True}
# How many cases (or answers) a figure must rest on before a circular marks or names it: one case resolved late
# is not a record, and a circular names people in front of their peers.
MIN_BASE = 2
# What each ranked figure rests on.
BASE = {"median_first_response_hours": "received", "on_time_percent": "resolved", "reopen_rate_percent": "resolved",
        "chased": "handled", "satisfaction_average": "satisfaction_answers"}


@dataclass(frozen=True)
class Standouts:
    """The rows named for the highest and the lowest share resolved on time (none when all are equal)."""

    best: list[Row]
    worst: list[Row]


@dataclass
class Circular:
    """What a circular prints: the report, the record by department, area and official, and how they rank."""

    report: Report
    departments: list[Row]
    areas: list[Row]  # the level just below the circular's scope (districts for the city), and the triage desk
    officials: list[Row]
    catalog: Catalog
    area_map: AreaMap
    issued: datetime
    marks: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (level, key, column) -> best / worst

    def mark(self, row: Row, column: str) -> str:
        """The mark of one cell of the record: "best", "worst" or ""."""
        return self.marks.get((row.level, row.key, column), "")


def build_circular(
    session: Session,
    *,
    period: str,
    start: date,
    end: date,
    timezone: str,
    department: Optional[str] = None,
    area: Optional[str] = None,
    catalog: Optional[Catalog] = None,
    areas: Optional[AreaMap] = None,
    now: Optional[datetime] = None,
) -> Circular:
    """The circular of [start, end) in city days for the city, a department or an area."""
    catalog, areas, now = catalog or load_catalog(), areas or routing.router().areas, now or utcnow()
    report = build_report(session, period=period, start=start, end=end, department=department, timezone=timezone,
                          catalog=catalog, areas=areas, area=area, now=now)

    def record(by: str) -> list[Row]:
        return responsiveness(session, period=period, start=start, end=end, timezone=timezone, by=by,
                              department=report.department, area=report.area, areas=areas, now=now)

    circular = Circular(report=report, departments=record("department"), areas=_below(record("grid"), area),
                        officials=record("staff"), catalog=catalog, area_map=areas, issued=now)
    for rows in (circular.departments, circular.areas, circular.officials):
        for column, more_is_better in RANKED.items():
            best, worst = extremes(rows, column, more_is_better)
            circular.marks.update({(row.level, row.key, column): "best" for row in best})
            circular.marks.update({(row.level, row.key, column): "worst" for row in worst})
    return circular


def _below(rows: list[Row], asked: Optional[str]) -> list[Row]:
    """The area rows one level below the scope (the asked area itself when it has nothing below), triage too."""
    inside = [row for row in rows if row.key != asked and row.level != "triage"]
    level = inside[0].level if inside else None
    return [row for row in rows if row.level == level or row.level == "triage"] or rows


def extremes(rows: list[Row], column: str, more_is_better: bool) -> tuple[list[Row], list[Row]]:
    """The rows with the best and with the worst value of a column, among those resting on at least MIN_BASE
    cases; none when fewer than two differ."""
    valued = [row for row in rows if getattr(row, column) is not None and getattr(row, BASE[column]) >= MIN_BASE]
    values = {getattr(row, column) for row in valued}
    if len(values) < 2:
        return [], []
    high, low = max(values), min(values)
    best, worst = (high, low) if more_is_better else (low, high)
    return ([row for row in valued if getattr(row, column) == best],
            [row for row in valued if getattr(row, column) == worst])


def standouts(rows: list[Row]) -> Standouts:
    """Who a circular names: the highest share resolved on time, and the lowest, which must improve."""
    best, worst = extremes(rows, "on_time_percent", True)
    return Standouts(best=best, worst=worst)
