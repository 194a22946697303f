"""Late work goes up the chain: an overdue case climbs its ladder (cases/areas/ladder.py) one rung per step.

A case still being worked on (workflow.is_working) reaches rung 1 at its due date and one rung more each
`escalation_step_hours` later, up to its ladder's top (the city): a grid-first case from the grid worker
through community, sub-district and district; a department-first one from the department through its
supervisor and the district; one without a grid from the department through its supervisor. Each rung is
taken exactly once, by a conditional UPDATE on the case's level, so a repeated sweep or a second scheduler
changes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases import events, messages, outbox, queries
from cases.areas import ladder, routing
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.i18n import N_
from cases.models import Case
from cases.staff import alerts, wording
from cases.store.db import affected_rows
from cases.workflow import Actor

OVERDUE = N_("%(reference)s (%(type)s, %(department)s) is overdue: it was due %(due)s. "
             "Escalated to level %(level)s (%(who)s).")


def target_level(case: Case, *, now: datetime, step_hours: float, top: int = 2) -> int:
    """The level a case should be at now: 0 before its due date, 1 from it, then one more per step, up to `top`."""
    if not queries.is_overdue(case, now):
        return 0
    steps = math.floor((now - case.due_at) / timedelta(hours=step_hours)) if step_hours > 0 else top
    return min(top, 1 + steps)


def escalate_overdue(
    session: Session,
    *,
    step_hours: float,
    timezone: str,
    catalog: Optional[Catalog] = None,
    areas: Optional[AreaMap] = None,
    quiet_hours: QuietHours,
    now: Optional[datetime] = None,
) -> list[tuple[str, int]]:
    """Escalate every overdue working case to the level its lateness calls for; returns (reference, level) taken."""
    now = now or utcnow()
    catalog = catalog or load_catalog()
    areas = areas or routing.router().areas
    candidates = session.scalars(
        select(Case).where(queries.overdue_clause(now), Case.escalation_level < ladder.top(catalog))
        .order_by(Case.due_at, Case.id))
    taken: list[tuple[str, int]] = []
    for case in list(candidates):
        rungs = ladder.ladder_for(case, catalog=catalog, areas=areas)
        target = target_level(case, now=now, step_hours=step_hours, top=len(rungs) - 1)
        start = case.escalation_level
        reached = [level for level in range(start + 1, target + 1) if _take_level(session, case, level, now)]
        for level in reached:
            _escalate(session, case, level, rungs[level], tell_resident=level == reached[-1], timezone=timezone,
                      catalog=catalog, areas=areas, quiet_hours=quiet_hours, now=now)
            taken.append((case.reference or str(case.id), level))
    return taken


def _take_level(session: Session, case: Case, level: int, now: datetime) -> bool:
    """Move the case from level-1 to level, unless another sweep got there first."""
    result = session.execute(
        update(Case).where(Case.id == case.id, Case.escalation_level == level - 1)
        .values(escalation_level=level, escalated_at=now)
        .execution_options(synchronize_session=False))
    if affected_rows(result) != 1:
        session.refresh(case)
        return False
    case.escalation_level, case.escalated_at = level, now
    return True


def _escalate(session: Session, case: Case, level: int, rung: str, *, tell_resident: bool, timezone: str,
              catalog: Catalog, areas: AreaMap, quiet_hours: QuietHours, now: datetime) -> None:
    """Record one level: history entry, alert to the rung's people and (once) the resident's push."""
    who = ladder.describe(case, rung, areas)
    due = messages.format_date(case.due_at, timezone)
    event = events.record_event(
        session, case=case, kind=events.ESCALATION, actor=Actor.SYSTEM, actor_name="Deadline check",
        internal_note=f"Overdue (due {due}): escalated to level {level}, {who}.", now=now)
    # The due date is in the key: a case re-routed to another type gets a new due date and may escalate anew;
    # so is the grid: a case placed in a grid climbs that grid's ladder, whose rungs are other people.
    grid = f":{case.grid_code}" if case.grid_code else ""
    department = wording.department(catalog, case.department, case.request_type)
    area = areas.get(ladder.area_at(case, rung, areas))
    alerts.alert(
        session, key=f"escalation:{case.id}:{level}:{case.due_at:%Y%m%dT%H%M}{grid}", kind="escalation", case=case,
        now=now, **alerts.responsible(case, level, catalog=catalog, areas=areas), message=OVERDUE, params={
            "reference": case.reference, "type": wording.request_type(catalog, case.request_type),
            "department": department, "due": wording.day(case.due_at.astimezone(ZoneInfo(timezone)).date()),
            "level": level, "who": wording.phrase(
                ladder.RUNG_NAMES[rung], department=department,
                area=wording.names(lambda language: f"{area.name_in(language)} ({area.code})") if area else "")})
    if not tell_resident:  # a sweep that skipped a level tells the resident only where the case is now
        return
    for resident in [case.resident, *queries.followers(session, case)]:
        type_name = catalog.type_name(case.request_type, resident.language)
        text = messages.escalated_text(language=resident.language, reference=case.reference or "",
                                       type_name=type_name, due_at=case.due_at, level=rung, timezone=timezone)
        outbox.queue(session, resident=resident, text=text, case=case, event=event, quiet_hours=quiet_hours, now=now)
