"""A report's figures by area: cases received in the period, and still open at its end, per grid and per
community, sub-district and district (their grids' sums), and those in no grid (the triage desk's)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cases.areas.areas import LEVELS, AreaMap
from cases.models import Case

TRIAGE = "triage"  # the area filter's value for cases in no grid (the triage desk places them)


def area_label(areas: AreaMap, code: str) -> str:
    """An area as staff read it: "Jing'an Temple (D01-S01)", or the triage desk."""
    area = areas.get(code)
    return "the triage desk" if code == TRIAGE else f"{area.name} ({area.code})" if area else code


def in_area(areas: AreaMap, code: str) -> ColumnElement[bool]:
    """The SQL condition: cases in this area's grids (TRIAGE: in no grid)."""
    return Case.grid_code.is_(None) if code == TRIAGE else Case.grid_code.in_(areas.grids_under(code))


@dataclass(frozen=True)
class AreaLine:
    """One area's figures."""

    level: str  # grid, community, subdistrict, district, or "triage" (no grid)
    code: str
    name: str
    received: int
    open: int


def by_area(session: Session, *, areas: AreaMap, begin: datetime, finish: datetime, open_statuses: list[str],
            conditions: list[ColumnElement[bool]]) -> list[AreaLine]:
    """The figures of every area with any case, districts first then down to grids, triage last."""
    received = Counter(dict(session.execute(
        select(Case.grid_code, func.count()).where(Case.created_at >= begin, Case.created_at < finish, *conditions)
        .group_by(Case.grid_code)).tuples().all()))
    still_open = Counter(dict(session.execute(
        select(Case.grid_code, func.count()).where(Case.created_at < finish, Case.status.in_(open_statuses),
                                                   *conditions).group_by(Case.grid_code)).tuples().all()))
    totals: dict[str, list[int]] = {}
    for grid in set(received) | set(still_open):
        # A grid no longer in the areas file counts only for itself.
        for code in (areas.lineage(grid) if grid else []) or [grid or TRIAGE]:
            line = totals.setdefault(code, [0, 0])
            line[0] += received[grid]
            line[1] += still_open[grid]
    order = {level: n for n, level in enumerate(reversed(LEVELS))}
    lines = [AreaLine(level=area.level if area else ("triage" if code == TRIAGE else "grid"), code=code,
                      name=area.name if area else ("triage desk" if code == TRIAGE else code),
                      received=counts[0], open=counts[1])
             for code, counts in totals.items() for area in [areas.get(code)]]
    return sorted(lines, key=lambda line: (order.get(line.level, len(order)), line.code))
