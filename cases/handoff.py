"""Requests from residents to talk to a person."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.models import HandoffRequest, Resident

WAITING = "waiting"


def request_handoff(
    session: Session, *, resident: Resident, reason: Optional[str] = None, now: Optional[datetime] = None
) -> HandoffRequest:
    """Put the resident in the queue for a person; asking again while waiting keeps their place."""
    waiting = session.scalar(
        select(HandoffRequest).where(
            HandoffRequest.resident_id == resident.id, HandoffRequest.status == WAITING
        )
    )
    if waiting is not None:
        return waiting
    request = HandoffRequest(resident=resident, reason=reason, status=WAITING, created_at=now or utcnow())
    session.add(request)
    session.flush()
    return request


def waiting_handoffs(session: Session) -> list[HandoffRequest]:
    """Residents waiting for a person, longest waiting first."""
    return list(
        session.scalars(
            select(HandoffRequest).where(HandoffRequest.status == WAITING).order_by(HandoffRequest.created_at)
        )
    )
