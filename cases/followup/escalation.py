"""Late work goes up the chain: overdue cases escalate to the department's, then the city's supervisors.

A case still being worked on (workflow.is_working) reaches level 1 (its department's supervisor) at
its due date and level 2 (the city's supervisors) `escalation_step_hours` later. Each level is taken
exactly once, by a conditional UPDATE on the case's level, so a repeated sweep or a second scheduler
changes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases import events, messages, outbox, queries
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.models import Case
from cases.staff import alerts
from cases.store.db import affected_rows
from cases.workflow import Actor

MAX_LEVEL = 2
LEVEL_NAMES = {1: "the supervisor of {department}", 2: "the city's supervisors"}


def target_level(case: Case, *, now: datetime, step_hours: float) -> int:
    """The level a case should be at now: 0 before its due date, 1 from it, then one more per step."""
    if not queries.is_overdue(case, now):
        return 0
    steps = math.floor((now - case.due_at) / timedelta(hours=step_hours)) if step_hours > 0 else MAX_LEVEL
    return min(MAX_LEVEL, 1 + steps)


def escalate_overdue(
    session: Session,
    *,
    step_hours: float,
    timezone: str,
    catalog: Optional[Catalog] = None,
    quiet_hours: QuietHours,
    now: Optional[datetime] = None,
) -> list[tuple[str, int]]:
    """Escalate every overdue working case to the level its lateness calls for; returns (reference, level) taken."""
    now = now or utcnow()
    catalog = catalog or load_catalog()
    candidates = session.scalars(
        select(Case).where(queries.overdue_clause(now), Case.escalation_level < MAX_LEVEL)
        .order_by(Case.due_at, Case.id))
    taken: list[tuple[str, int]] = []
    for case in list(candidates):
        target = target_level(case, now=now, step_hours=step_hours)
        start = case.escalation_level
        reached = [level for level in range(start + 1, target + 1) if _take_level(session, case, level, now)]
        for level in reached:
            _escalate(session, case, level, tell_resident=level == reached[-1], timezone=timezone,
                      catalog=catalog, quiet_hours=quiet_hours, now=now)
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


def _escalate(session: Session, case: Case, level: int, *, tell_resident: bool, timezone: str,
              catalog: Catalog, quiet_hours: QuietHours, now: datetime) -> None:
    """Record one level: history entry, alert to the next level up and (once) the resident's push."""
    who = LEVEL_NAMES[level].format(department=case.department)
    due = messages.format_date(case.due_at, timezone)
    event = events.record_event(
        session, case=case, kind=events.ESCALATION, actor=Actor.SYSTEM, actor_name="Deadline check",
        internal_note=f"Overdue (due {due}): escalated to level {level}, {who}.", now=now)
    # The due date is in the key: a case re-routed to another type gets a new due date and may escalate anew.
    alerts.alert(
        session, key=f"escalation:{case.id}:{level}:{case.due_at:%Y%m%dT%H%M}", kind="escalation", case=case,
        now=now, **alerts.responsible(case, level),
        text=f"{case.reference} ({case.department}) is overdue: it was due {due}. Escalated to level {level} ({who}).")
    if not tell_resident:  # a sweep that skipped a level tells the resident only where the case is now
        return
    for resident in [case.resident, *queries.followers(session, case)]:
        type_name = catalog.type_name(case.request_type, resident.language)
        text = messages.escalated_text(language=resident.language, reference=case.reference or "",
                                       type_name=type_name, due_at=case.due_at, level=level, timezone=timezone)
        outbox.queue(session, resident=resident, text=text, case=case, event=event, quiet_hours=quiet_hours, now=now)

