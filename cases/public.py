"""What anyone may read about a case (Open311 reads, later the public board): never who filed it.

A public request carries the reference, type, department, status, the latest public note, dates and the
place. Not the resident (name, channel, chat or account ids), not the description or photos (until staff
approve them for publication), not internal notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Optional

from sqlalchemy import Row, Select, and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.models import Case, CasePhoto
from cases.publication import APPROVED, public_description
from cases.workflow import WORKING_STATUSES

OPEN, CLOSED = "open", "closed"
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: the most recent 90 days unless dates are given
MAX_WINDOW = timedelta(days=90)
MAX_ROWS = 1000
_WORKING = frozenset(s.value for s in WORKING_STATUSES)
# The description as published, or NULL: approved by staff and not refused by the resident.
_APPROVED = and_(Case.publication == APPROVED, Case.publish_allowed.is_(True))
_PUBLISHED = sql_case((_APPROVED, Case.public_description), else_=None)
# The first photo staff approved, of an approved case (Open311's media_url); NULL when none.
_FIRST_PHOTO = sql_case((_APPROVED, select(func.min(CasePhoto.id)).where(
    CasePhoto.case_id == Case.id, CasePhoto.public.is_(True)).correlate(Case).scalar_subquery()), else_=None)


class BadSearch(ValueError):
    """A search we refuse (a date range too long or backwards), in words for the client."""


class PublicRequest(NamedTuple):
    """One case as the public sees it (a named tuple: a thousand are built per read, cheaply)."""

    reference: str
    service_code: str
    service_name: str
    agency: str
    status: str  # open or closed
    status_notes: Optional[str]
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime
    address: Optional[str]
    latitude: Optional[float]
    longitude: Optional[float]
    description: Optional[str] = None  # only as staff approved it for publication
    photo_id: Optional[int] = None  # the first photo approved for publication


def public_status(status: str) -> str:
    """open while someone still has to act on it, closed once resolved, closed, merged, cancelled or rejected."""
    return OPEN if status in _WORKING else CLOSED


def search_requests(
    session: Session,
    *,
    references: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    start: Optional[datetime] = None,
    end: Optional[datetime] = None,
    statuses: Sequence[str] = (),
    limit: int = MAX_ROWS,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> list[PublicRequest]:
    """Public requests, newest first: those with these references (every other filter then ignored), or
    those filed between `start` and `end` (the last 90 days by default, at most 90 days) of these types
    and public statuses."""
    query = _PUBLIC_ROWS
    if references:
        query = query.where(Case.reference.in_([r.strip().upper() for r in references]))
    else:
        end = end or (start + DEFAULT_WINDOW if start else now or utcnow())
        start = start or end - DEFAULT_WINDOW
        if start > end:
            raise BadSearch("start_date is after end_date")
        if end - start > MAX_WINDOW:
            raise BadSearch("start_date and end_date may not span more than 90 days")
        query = query.where(Case.created_at >= start, Case.created_at <= end)
        if service_codes:
            query = query.where(Case.request_type.in_(list(service_codes)))
        wanted = set(statuses)
        query = _in_public_status(query, next(iter(wanted)) if len(wanted) == 1 else None)
    rows = session.execute(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)).all()
    return _public_requests(rows, catalog)


# Columns, not Case objects: building a thousand ORM objects cost more than the query.
_PUBLIC_ROWS = select(Case.reference, Case.request_type, Case.department, Case.status, Case.created_at,
                      Case.updated_at, Case.due_at, Case.address, Case.latitude, Case.longitude,
                      Case.latest_public_note, _PUBLISHED, _FIRST_PHOTO).where(Case.reference.is_not(None))


def _in_public_status(query: Select[Any], status: Optional[str]) -> Select[Any]:
    """`query` kept to open or closed cases (None: both)."""
    if status == OPEN:
        return query.where(Case.status.in_(sorted(_WORKING)))
    if status == CLOSED:
        return query.where(Case.status.not_in(sorted(_WORKING)))
    return query


def _public_requests(rows: Sequence[Row[Any]], catalog: Optional[Catalog]) -> list[PublicRequest]:
    """Rows of _PUBLIC_ROWS as public requests, the type named from the catalog."""
    names = {kind.code: kind.name for kind in (catalog or load_catalog()).types}
    return [PublicRequest(reference, code, names.get(code, code), department, public_status(status),
                          note, created, updated, due, address, latitude, longitude, published, photo)
            for (reference, code, department, status, created, updated, due, address, latitude,
                 longitude, note, published, photo) in rows]


class PublicNote(NamedTuple):
    """One public step of a case's history: when, the status it reached, what staff told the public."""

    at: datetime
    status: str
    note: Optional[str]


class PublicCase(NamedTuple):
    """A case's public page: its public facts, its public history, and what staff approved for publication."""

    request: PublicRequest
    status_detail: str  # the workflow status (submitted, in_progress...), finer than open/closed
    history: list[PublicNote]
    description: Optional[str]
    photo_ids: list[int]


def recent_requests(session: Session, *, limit: int = 50, offset: int = 0, status: Optional[str] = None,
                    catalog: Optional[Catalog] = None) -> tuple[list[PublicRequest], list[str]]:
    """A page of cases for the board, newest first, of any age, with each one's workflow status."""
    rows = session.execute(_in_public_status(_PUBLIC_ROWS, status)
                           .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset)).all()
    return _public_requests(rows, catalog), [row.status for row in rows]


def public_case(session: Session, *, reference: str, catalog: Optional[Catalog] = None) -> Optional[PublicCase]:
    """A case's public page by its reference, or None."""
    found = search_requests(session, references=[reference], catalog=catalog)
    if not found:
        return None
    case = session.scalar(select(Case).where(Case.reference == found[0].reference))
    assert case is not None
    history = [PublicNote(e.created_at, e.to_status, e.public_note) for e in case.events
               if e.kind == "status" or e.public_note]
    description = public_description(case)
    photos = [p.id for p in case.photos if p.public] if description is not None else []
    return PublicCase(found[0], case.status, history, description, photos)
