"""Links to a resident's export, for a channel that cannot send them the file (WeChat): whoever opens the link gets
the export, so it is unguessable (256 random bits, only its hash stored), works once, and only for a few minutes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Optional, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from cases.models import ExportLink, Resident


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _sender_hash(resident: Resident) -> str:
    return _hash(f"{resident.channel}:{resident.external_id}")


def issue_link(session: Session, *, resident: Resident, now: datetime, lifetime: timedelta) -> str:
    """A new token for the resident's export, valid for `lifetime`; their earlier links and everyone's expired
    ones are deleted."""
    session.execute(delete(ExportLink).where((ExportLink.resident_id == resident.id) | (ExportLink.expires_at < now))
                    .execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    session.add(ExportLink(token_hash=_hash(token), resident_id=resident.id, sender_hash=_sender_hash(resident),
                           expires_at=now + lifetime))
    session.flush()
    return token


def redeem_link(session: Session, *, token: str, now: datetime) -> Optional[Resident]:
    """The resident whose export the token opens, the token used up by this call; None if it is unknown, used,
    expired, or its resident has been forgotten since."""
    token_hash = _hash(token)
    # One UPDATE claims the link, so of two requests at once only one gets the export.
    claimed = session.execute(update(ExportLink).where(ExportLink.token_hash == token_hash,
                                                       ExportLink.used_at.is_(None), ExportLink.expires_at > now)
                              .values(used_at=now).execution_options(synchronize_session=False))
    if not cast(CursorResult[Any], claimed).rowcount:
        return None
    link = session.get(ExportLink, token_hash)
    resident = session.get(Resident, link.resident_id) if link is not None else None
    if link is None or resident is None or _sender_hash(resident) != link.sender_hash:
        return None
    return resident
