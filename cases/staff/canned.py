"""Canned replies: ready-made public notes for a request type and status (None: any)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.i18n import N_
from cases.models import CannedReply, StaffUser
from cases.residents import SUPPORTED_LANGUAGES
from cases.workflow import Status


class CannedError(ValueError):
    """A canned reply we refuse (unknown type or status, empty text)."""


def _checked(request_type: Optional[str], status: Optional[str], language: str, title: str, body: str,
             catalog: Optional[Catalog]) -> tuple[Optional[str], Optional[str], str, str, str]:
    request_type, status = (request_type or "").strip() or None, (status or "").strip() or None
    title, body = (title or "").strip(), (body or "").strip()
    if request_type is not None and request_type not in (catalog or load_catalog()):
        raise CannedError(N_("unknown request type %(code)s", code=request_type))
    if status is not None and status not in {s.value for s in Status}:
        raise CannedError(N_("unknown status %(code)s", code=status))
    if language not in SUPPORTED_LANGUAGES:
        raise CannedError(N_("language must be one of %(languages)s", languages=", ".join(SUPPORTED_LANGUAGES)))
    if not title or len(title) > 200:
        raise CannedError(N_("a canned reply needs a title (at most 200 characters)"))
    if not body or len(body) > 3500:
        raise CannedError(N_("a canned reply needs a text (at most 3,500 characters)"))
    return request_type, status, language, title, body


def create_canned(
    session: Session,
    *,
    title: str,
    body: str,
    request_type: Optional[str] = None,
    status: Optional[str] = None,
    language: str = "en",
    staff: Optional[StaffUser] = None,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> CannedReply:
    """Add a canned reply; raises CannedError for bad data."""
    request_type, status, language, title, body = _checked(request_type, status, language, title, body, catalog)
    row = CannedReply(request_type=request_type, status=status, language=language, title=title, body=body,
                      updated_by_id=staff.id if staff is not None else None, updated_at=now or utcnow())
    session.add(row)
    session.flush()
    return row


def update_canned(
    session: Session,
    *,
    reply: CannedReply,
    title: str,
    body: str,
    request_type: Optional[str] = None,
    status: Optional[str] = None,
    language: str = "en",
    staff: Optional[StaffUser] = None,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> CannedReply:
    """Change a canned reply; raises CannedError for bad data (nothing is changed then)."""
    values = _checked(request_type, status, language, title, body, catalog)
    reply.request_type, reply.status, reply.language, reply.title, reply.body = values
    reply.updated_by_id = staff.id if staff is not None else None
    reply.updated_at = now or utcnow()
    session.flush()
    return reply


def delete_canned(session: Session, *, reply: CannedReply) -> None:
    """Remove a canned reply."""
    session.delete(reply)
    session.flush()


def get_canned(session: Session, reply_id: int) -> Optional[CannedReply]:
    """The canned reply with this id, if any."""
    return session.get(CannedReply, reply_id)


def list_canned(session: Session) -> list[CannedReply]:
    """Every canned reply, grouped by type (any first), status and language."""
    return list(session.scalars(select(CannedReply).order_by(
        CannedReply.request_type.is_not(None), CannedReply.request_type, CannedReply.status.is_not(None),
        CannedReply.status, CannedReply.language, CannedReply.title, CannedReply.id)))


def _specificity(reply: CannedReply) -> int:
    return (2 if reply.request_type is not None else 0) + (1 if reply.status is not None else 0)


def suggestions(session: Session, request_type: Optional[str], status: Optional[str], language: str = "en"
                ) -> list[CannedReply]:
    """Replies that fit a case's type and a status in a language, most specific first.

    With status None, replies for every status are returned (the console filters as the status is picked).
    """
    query = select(CannedReply).where(
        CannedReply.language == language,
        or_(CannedReply.request_type.is_(None), CannedReply.request_type == request_type))
    if status is not None:
        query = query.where(or_(CannedReply.status.is_(None), CannedReply.status == status))
    rows = list(session.scalars(query.order_by(CannedReply.title, CannedReply.id)))
    return sorted(rows, key=lambda r: -_specificity(r))  # stable: titles stay in order within a level
