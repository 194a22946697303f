"""Placing a case in a grid by hand: the triage desk gives a case in no grid its grid, or corrects a wrong one.

The case starts its new ladder at the first rung (cases/areas/ladder.py; the escalation sweep climbs it again if
the case is overdue), whoever answers at that rung is alerted, and an assignee who answers for another area is
let go. The resident is not told: which grid works their case is the city's inside business.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from cases import workflow
from cases.areas import routing
from cases.areas.areas import LEVEL_NAMES, Area, AreaMap
from cases.catalog import Catalog
from cases.clock import utcnow
from cases.events import ASSIGNMENT, record_event
from cases.i18n import LANGUAGES, N_, Named
from cases.models import Case, CaseEvent, StaffUser
from cases.reporting.areas import TRIAGE, area_label
from cases.staff import alerts, wording
from cases.staff.accounts import own_area

PLACED = "placed"  # the alert's kind
PLACED_TEXT = N_("Case %(reference)s was placed in grid %(grid)s (%(code)s) by %(staff)s.")


class PlacementRefused(ValueError):
    """A code that is no grid, a closed case, the grid the case is already in, or a grid outside the placer's area."""


def place_in_grid(
    session: Session,
    *,
    case: Case,
    grid_code: str,
    staff: StaffUser,
    internal_note: Optional[str] = "",
    now: Optional[datetime] = None,
    catalog: Optional[Catalog] = None,
    areas: Optional[AreaMap] = None,
) -> CaseEvent:
    """Put a case in a grid (see the module docstring): an internal history entry, an alert; raises PlacementRefused."""
    areas = areas or routing.router().areas
    grid = _checked_grid(case, (grid_code or "").strip(), staff, areas)
    now = now or utcnow()
    note = _note(case, grid, areas, internal_note)
    if _assignee_elsewhere(case, grid.code, areas):
        case.assignee_id, case.assignee = None, None
    case.grid_code = grid.code
    case.escalation_level, case.escalated_at = 0, None
    if case.first_response_at is None:
        case.first_response_at = now
    event = record_event(session, case=case, kind=ASSIGNMENT, actor=workflow.Actor.STAFF, staff=staff,
                         internal_note=note, now=now)
    alerts.alert(session, key=f"{PLACED}:{case.id}:{grid.code}:{event.id}", kind=PLACED, case=case, now=now,
                 **alerts.responsible(case, 0, catalog=catalog, areas=areas), message=PLACED_TEXT,
                 params={"reference": case.reference, "grid": wording.names(grid.name_in), "code": grid.code,
                         "staff": staff.username})
    return event


def _checked_grid(case: Case, code: str, staff: StaffUser, areas: AreaMap) -> Area:
    """The grid `code` names, if this staff member may place this case there; else PlacementRefused."""
    grid = areas.get(code)
    if grid is None:
        raise PlacementRefused(N_("there is no grid %(code)s", code=code or N_("(none chosen)")))
    if grid.level != "grid":
        raise PlacementRefused(N_("there is no grid %(code)s (it is a %(level)s)", code=code,
                                  level=Named(LEVEL_NAMES[grid.level]["en"], LEVEL_NAMES[grid.level])))
    if not workflow.is_active(workflow.Status(case.status)):
        raise PlacementRefused(N_("case %(reference)s is closed: a closed case stays where it is",
                                  reference=case.reference))
    if case.grid_code == grid.code:
        raise PlacementRefused(N_("the case is already in grid %(grid)s", grid=_named(grid)))
    scope = own_area(staff, areas)
    if scope is not None and scope not in areas.lineage(grid.code):
        area = areas.get(scope)
        raise PlacementRefused(N_("you may place cases only in the grids of %(area)s, and %(code)s is not one of them",
                                  area=_named(area) if area else Named(area_label(areas, scope)), code=grid.code))
    return grid


def _named(area: Area) -> Named:
    """An area as staff read it in a refusal, "Jing'an Temple (D01-S01)", in each language."""
    return Named(f"{area.name} ({area.code})", {language: f"{area.name_in(language)} ({area.code})"
                                                for language in LANGUAGES})


def _assignee_elsewhere(case: Case, grid_code: str, areas: AreaMap) -> bool:
    """Whether the case's assignee is an area's person whose area does not hold this grid (they would keep a case
    they cannot reach); department staff assigned by name keep it wherever it goes."""
    scope = own_area(case.assignee, areas) if case.assignee is not None else None
    return scope is not None and scope not in areas.lineage(grid_code)


def _note(case: Case, grid: Area, areas: AreaMap, extra: Optional[str]) -> str:
    """The history entry's internal note: from where to where, what was reset or let go, and the staff's note."""
    parts = [f"Placed in grid: {area_label(areas, case.grid_code or TRIAGE)} -> {grid.name} ({grid.code})"]
    if case.escalation_level:
        parts.append(f"escalation level {case.escalation_level} reset to 0")
    if case.assignee is not None and _assignee_elsewhere(case, grid.code, areas):
        parts.append(f"{case.assignee.display_name} answers for another area and no longer has it")
    if (extra or "").strip():
        parts.append((extra or "").strip())
    return ". ".join(parts)
