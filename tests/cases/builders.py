"""Small helpers that build residents, staff and cases on a real database for the domain tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select

from cases import lifecycle, queries
from cases.models import Case, Notification, StaffAlert, StaffUser
from cases.residents import get_or_create_resident

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
TZ = "Asia/Shanghai"


def resident(session, external_id: str = "100", *, channel: str = "telegram", language: str = "en",
             name: str = "Ana"):
    """A resident on a channel (the same one on a second call)."""
    return get_or_create_resident(session, channel=channel, external_id=external_id, display_name=name,
                                  language=language)


def staff(session, username: str, *, role: str = "agent", department: Optional[str] = None,
          chat_id: Optional[str] = None, active: bool = True) -> StaffUser:
    """A staff account (no real password: these tests never log in)."""
    user = StaffUser(username=username, display_name=username.title(), password_hash="-", role=role,
                     department=department, telegram_chat_id=chat_id, active=active, created_at=T0)
    session.add(user)
    session.flush()
    return user


def open_case(session, who=None, *, request_type: str = "pothole", now: datetime = T0, address: str = "1 Park Lane"
              ) -> Case:
    """A case filed by `who` (the default resident) at `now`."""
    return lifecycle.open_case(session, resident=who or resident(session), request_type=request_type,
                             description="a problem", address=address, now=now, reference_prefix="HY")


def case(session, reference: str) -> Case:
    """The case with this reference."""
    return queries.find_case(session, reference=reference)


def notifications(session, *, resident_external_id: Optional[str] = None) -> list[Notification]:
    """Outbox rows, oldest first (optionally only one chat's)."""
    query = select(Notification).order_by(Notification.id)
    if resident_external_id is not None:
        query = query.where(Notification.chat_id == resident_external_id)
    return list(session.scalars(query))


def staff_alerts(session) -> list[StaffAlert]:
    """Every staff alert, oldest first."""
    return list(session.scalars(select(StaffAlert).order_by(StaffAlert.id)))
