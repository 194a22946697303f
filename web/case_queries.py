"""The case list's filters, search, sort, pagination and per-status counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cases.areas.areas import AreaMap
from cases.catalog import Catalog
from cases.guards.cleaning import clean_text
from cases.models import Case
from cases.queries import overdue_clause
from cases.reporting.areas import TRIAGE, in_area
from cases.workflow import Status
from web.core import whole_number

PAGE_SIZE = 25
MAX_PAGE = 999_999  # an offset far past any list, still small enough for every database
SORTS = {"due": "due date", "newest": "newest first"}


@dataclass(frozen=True)
class CaseFilters:
    """What the case list shows; unknown values from the query string are ignored, not errors."""

    status: str = ""
    request_type: str = ""
    department: str = ""
    area: str = ""  # a grid, community, sub-district or district code, or TRIAGE
    overdue: bool = False
    mine: bool = False
    q: str = ""
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str], catalog: Catalog, departments: list[str],
                   areas: Optional[AreaMap] = None) -> CaseFilters:
        """Filters read from a query string, keeping only values that mean something."""
        area = params.get("area", "")
        status = params.get("status", "")
        request_type = params.get("request_type", "")
        department = params.get("department", "")
        page = params.get("page", "1")
        sort = params.get("sort", "")
        return cls(
            status=status if status in {s.value for s in Status} else "",
            request_type=request_type if request_type in catalog else "",
            department=department if department in departments else "",
            area=area if area == TRIAGE or (areas is not None and areas.get(area) is not None) else "",
            overdue=params.get("overdue") in ("1", "on", "true"),
            mine=params.get("mine") in ("1", "on", "true"),
            q=clean_text(params.get("q") or "").strip()[:200],
            sort=sort if sort in SORTS else "due",
            page=max(1, min(whole_number(page, default=1), MAX_PAGE)),
        )

    def query(self, **changes) -> dict:
        """The query-string parameters for these filters with some changed (for links that keep them)."""
        values = asdict(replace(self, **changes))
        values["overdue"] = "1" if values["overdue"] else ""
        values["mine"] = "1" if values["mine"] else ""
        if values["page"] == 1:
            values["page"] = ""
        if values["sort"] == "due":
            values["sort"] = ""
        return {key: value for key, value in values.items() if value not in ("", None, False)}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(filters: CaseFilters, *, staff_id: int, now: datetime, with_status: bool = True,
                areas: Optional[AreaMap] = None, scope: Optional[str] = None) -> list:
    conditions = []
    # `scope`: the area the staff member answers for; they list only its cases (department staff: None, all).
    for code in (scope, filters.area):
        if code and areas is not None:
            conditions.append(in_area(areas, code))
    if with_status and filters.status:
        conditions.append(Case.status == filters.status)
    if filters.request_type:
        conditions.append(Case.request_type == filters.request_type)
    if filters.department:
        conditions.append(Case.department == filters.department)
    if filters.overdue:
        conditions.append(overdue_clause(now))
    if filters.mine:
        conditions.append(Case.assignee_id == staff_id)
    if filters.q:
        # ilike is ILIKE on PostgreSQL and lower() LIKE lower() on SQLite: the same answers on both.
        pattern = _like(filters.q)
        conditions.append(or_(Case.reference.ilike(pattern, escape="\\"),
                              Case.description.ilike(pattern, escape="\\"),
                              Case.address.ilike(pattern, escape="\\")))
    return conditions


def search_cases(session: Session, filters: CaseFilters, *, staff_id: int, now: datetime,
                 areas: Optional[AreaMap] = None, scope: Optional[str] = None) -> tuple[list[Case], int]:
    """One page of the cases matching the filters (within `scope`, an area), and how many match in all."""
    conditions = _conditions(filters, staff_id=staff_id, now=now, areas=areas, scope=scope)
    total = session.scalar(select(func.count(Case.id)).where(*conditions)) or 0
    order = ((Case.due_at, Case.id) if filters.sort == "due" else (Case.created_at.desc(), Case.id.desc()))
    rows = list(session.scalars(select(Case).where(*conditions).order_by(*order)
                                .offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return rows, total


def status_counts(session: Session, filters: CaseFilters, *, staff_id: int, now: datetime,
                  areas: Optional[AreaMap] = None, scope: Optional[str] = None) -> dict[str, int]:
    """How many cases match the other filters, per status (every status listed, zeros included)."""
    conditions = _conditions(filters, staff_id=staff_id, now=now, with_status=False, areas=areas, scope=scope)
    found = dict(session.execute(select(Case.status, func.count(Case.id)).where(*conditions)
                                 .group_by(Case.status)).tuples().all())
    return {s.value: int(found.get(s.value, 0)) for s in Status}


def page_count(total: int) -> int:
    """How many pages `total` rows fill (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


def resident_case_count(session: Session, resident_id: int) -> int:
    """How many cases a resident has filed."""
    return session.scalar(select(func.count(Case.id)).where(Case.resident_id == resident_id)) or 0


def merged_into(session: Session, case: Case) -> list[Case]:
    """The cases marked as duplicates of this one."""
    return list(session.scalars(select(Case).where(Case.duplicate_of_id == case.id).order_by(Case.id)))


def optional_int(value: Optional[str]) -> Optional[int]:
    """A whole number from a form field that an id column can hold, else None."""
    return whole_number((value or "").strip())


def area_options(areas: AreaMap) -> list[tuple[str, str]]:
    """The area filter's choices, (code, label), each district followed by what is inside it."""
    options: list[tuple[str, str]] = []

    def add(code: str, depth: int) -> None:
        area = areas.areas[code]
        options.append((code, f"{'· ' * depth}{area.name} / {area.name_in('zh')} ({code})"))
        for child in sorted(a.code for a in areas.areas.values() if a.parent == code):
            add(child, depth + 1)

    for district in areas.at_level("district"):
        add(district.code, 0)
    return options


def area_path(areas: AreaMap, grid_code: Optional[str]) -> str:
    """A grid and what holds it, for staff: "Grid 6 (D01-S01-C02-G06), Community 2, Jing'an Temple, Jing'an"."""
    codes = areas.lineage(grid_code) if grid_code else []
    if not codes:
        return "triage desk (in no grid)"
    return ", ".join([f"{areas.areas[codes[0]].name} ({codes[0]})", *(areas.areas[c].name for c in codes[1:])])


def grid_options(areas: AreaMap, scope: Optional[str] = None) -> list[tuple[str, str]]:
    """The grids a case may be placed in (only those inside `scope`, an area, when given), (code, label) by code,
    labelled from the top down: "Jing'an › Jing'an Temple › Jing'an Temple Community 2 › Grid 6 (D01-S01-C02-G06)"."""
    codes = areas.grids_under(scope) if scope else list(areas.polygons)
    return [(code, " › ".join(areas.areas[c].name for c in reversed(areas.lineage(code))) + f" ({code})")
            for code in sorted(codes)]
