"""The ladder an overdue case climbs, one rung per escalation step, and who answers at each rung.

- a grid-first type (catalog `first_handler: grid`) with a grid: grid worker, community, sub-district,
  district, city;
- a department-first type with a grid: department, department supervisor, the grid's district, city (the
  district oversees every department's work in its territory before the city steps in);
- a case without a grid (the triage desk places it), whatever its type: department, department supervisor,
  city — Huiyin's ladder before grids existed.
A type's `ladder` in the catalog replaces the first two (the rungs in their order, starting with its
first handler: `ladder: [grid, subdistrict, city]` skips the community and the district).
Rung 0 is whoever works the case first; `Case.escalation_level` is the index of the rung it is on.
"""

from __future__ import annotations

from typing import Optional

from cases.areas.areas import AreaMap
from cases.catalog import Catalog
from cases.i18n import N_, SOURCE_LANGUAGE
from cases.models import Case
from cases.staff import wording

GRID_LADDER = ("grid", "community", "subdistrict", "district", "city")
DEPARTMENT_LADDER = ("department", "department_supervisor", "district", "city")
NO_GRID_LADDER = ("department", "department_supervisor", "city")

# For staff: internal notes, alerts and the case page ("escalated to level 2, the community's supervisors").
RUNG_NAMES = {"grid": N_("the grid worker of %(area)s"), "department": N_("the agents of %(department)s"),
              "department_supervisor": N_("the supervisor of %(department)s"),
              "community": N_("the supervisors of %(area)s"), "subdistrict": N_("the supervisors of %(area)s"),
              "district": N_("the supervisors of %(area)s"), "city": N_("the city's supervisors")}


def ladder_for(case: Case, *, catalog: Catalog, areas: AreaMap) -> tuple[str, ...]:
    """The rungs this case climbs (see the module docstring)."""
    if case.grid_code is None or areas.get(case.grid_code) is None:
        return NO_GRID_LADDER
    kind = catalog.get(case.request_type) if case.request_type in catalog else None
    if kind is not None and kind.ladder:
        return kind.ladder
    return GRID_LADDER if kind is not None and kind.first_handler == "grid" else DEPARTMENT_LADDER


def top(catalog: Catalog) -> int:
    """The highest rung any case can reach: escalation looks no further than cases below it."""
    ladders = [GRID_LADDER, DEPARTMENT_LADDER, NO_GRID_LADDER, *(kind.ladder for kind in catalog.types)]
    return max(len(rungs) for rungs in ladders) - 1


def area_at(case: Case, rung: str, areas: AreaMap) -> Optional[str]:
    """The code of the area answering at this rung (None for department rungs and the city)."""
    if case.grid_code is None or rung not in ("grid", "community", "subdistrict", "district"):
        return None
    return areas.ancestor(case.grid_code, rung)


def describe(case: Case, rung: str, areas: AreaMap, *, language: str = SOURCE_LANGUAGE,
             catalog: Optional[Catalog] = None) -> str:
    """The rung for staff in `language`, naming the area or department (in the catalog's words, given one)."""
    area = areas.get(area_at(case, rung, areas))
    department = wording.department(catalog, case.department, case.request_type) if catalog else case.department
    return wording.render(RUNG_NAMES[rung], {
        "department": department,
        "area": wording.names(lambda name_language: f"{area.name_in(name_language)} ({area.code})") if area else ""},
        language)
