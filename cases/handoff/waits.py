"""Residents waiting too long for a person in the chat inbox are flagged to the city's supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.handoff import handoff
from cases.hours import OfficeHours
from cases.i18n import N_
from cases.models import HandoffRequest
from cases.staff import alerts
from cases.store.db import affected_rows

LONG_WAIT = N_("A resident has waited %(minutes)s minutes for a person in the chat inbox.")


def flag_long_waits(
    session: Session,
    *,
    minutes: float,
    office_hours: Optional[OfficeHours] = None,
    now: Optional[datetime] = None,
) -> list[HandoffRequest]:
    """Flag chats waiting for a person longer than `minutes` to the city's supervisors, once each.

    With office hours given, only time the office was open counts: nobody is paged at night, and a
    chat that waited overnight is flagged `minutes` after opening, not at the stroke of it.
    """
    now = now or utcnow()
    if office_hours is not None and not office_hours.is_open(now):
        return []
    opened = _opened_at(office_hours, now) if office_hours is not None else None
    flagged = []
    for request in handoff.long_waits(session, minutes=minutes, now=now):
        waiting_since = max(request.created_at, opened) if opened is not None else request.created_at
        if now - waiting_since < timedelta(minutes=minutes):
            continue
        # Only the sweep that sets flagged_at alerts, so two schedulers cannot both flag it.
        result = session.execute(
            update(HandoffRequest).where(HandoffRequest.id == request.id, HandoffRequest.flagged_at.is_(None))
            .values(flagged_at=now).execution_options(synchronize_session=False))
        if affected_rows(result) != 1:
            continue
        request.flagged_at = now
        waited = int((now - request.created_at).total_seconds() // 60)
        alerts.alert(session, key=f"handoff_wait:{request.id}", kind="handoff_wait", handoff_id=request.id,
                     role="supervisor", department=None, now=now,
                     message=LONG_WAIT, params={"minutes": waited})
        flagged.append(request)
    return flagged


def _opened_at(office_hours: OfficeHours, now: datetime) -> datetime:
    """When today's office hours began (the office is open now)."""
    local = now.astimezone(ZoneInfo(office_hours.timezone))
    return datetime.combine(local.date(), office_hours.opens, tzinfo=local.tzinfo)
