"""The people of each area: a grid's worker (an agent) and the supervisors of a community, sub-district or
district. One area per person, kept on the account (staff_users.area_code)."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.areas.areas import AreaMap
from cases.models import StaffUser


class AreaAssignmentError(ValueError):
    """An unknown area, or a person whose role or department cannot answer for it."""


def set_area(session: Session, *, staff: StaffUser, area_code: Optional[str], areas: AreaMap) -> StaffUser:
    """Make `staff` answer for this area (None: for none); grids take agents, the levels above supervisors."""
    code = (area_code or "").strip() or None
    if code is not None:
        area = areas.get(code)
        if area is None:
            raise AreaAssignmentError(f"there is no area {code}")
        wanted = "agent" if area.level == "grid" else "supervisor"
        if staff.role != wanted:
            raise AreaAssignmentError(f"a {area.level} takes a{'n' if wanted == 'agent' else ''} {wanted}, "
                                      f"and {staff.username} is a{'n' if staff.role in ('agent', 'admin') else ''} "
                                      f"{staff.role}")
        if staff.department is not None:  # someone answers either for a department or for an area
            raise AreaAssignmentError(f"{staff.username} works for {staff.department}; remove the department first")
    staff.area_code = code
    session.flush()
    return staff


def people_of(session: Session, area_code: str) -> list[StaffUser]:
    """The active staff who answer for this area."""
    return list(session.scalars(select(StaffUser).where(StaffUser.area_code == area_code,
                                                        StaffUser.active.is_(True)).order_by(StaffUser.id)))
