"""The people of each area: a grid's worker (an agent) and the supervisors of a community, sub-district or
district. One area per person, kept on the account (staff_users.area_code)."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.areas.areas import LEVEL_NAMES, AreaMap
from cases.i18n import N_, Named, Text
from cases.models import StaffUser

# A role with its article, as a refusal names it.
A_ROLE: dict[str, Text] = {"agent": N_("an agent"), "supervisor": N_("a supervisor"), "admin": N_("an admin")}


class AreaAssignmentError(ValueError):
    """An unknown area, or a person whose role or department cannot answer for it."""


def set_area(session: Session, *, staff: StaffUser, area_code: Optional[str], areas: AreaMap) -> StaffUser:
    """Make `staff` answer for this area (None: for none); grids take agents, the levels above supervisors."""
    code = (area_code or "").strip() or None
    if code is not None:
        area = areas.get(code)
        if area is None:
            raise AreaAssignmentError(N_("there is no area %(code)s", code=code))
        wanted = "agent" if area.level == "grid" else "supervisor"
        if staff.role != wanted:
            raise AreaAssignmentError(N_("a %(level)s takes %(wanted)s, and %(username)s is %(role)s",
                                         level=Named(area.level, LEVEL_NAMES.get(area.level, {})),
                                         wanted=A_ROLE[wanted], username=staff.username,
                                         role=A_ROLE.get(staff.role, Named(staff.role))))
        if staff.department is not None:  # someone answers either for a department or for an area
            raise AreaAssignmentError(N_("%(username)s works for %(department)s; remove the department first",
                                         username=staff.username, department=staff.department))
    staff.area_code = code
    session.flush()
    return staff


def people_of(session: Session, area_code: str) -> list[StaffUser]:
    """The active staff who answer for this area."""
    return list(session.scalars(select(StaffUser).where(StaffUser.area_code == area_code,
                                                        StaffUser.active.is_(True)).order_by(StaffUser.id)))
