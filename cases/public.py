"""What anyone may read about a case (Open311 reads, later the public board): never who filed it.

A public request carries the reference, type, department, status, the latest public note, dates and the
place. Not the resident (name, channel, chat or account ids), not the description or photos (until staff
approve them for publication), not internal notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.models import Case, CaseEvent
from cases.workflow import WORKING_STATUSES

OPEN, CLOSED = "open", "closed"
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: the most recent 90 days unless dates are given
MAX_WINDOW = timedelta(days=90)
MAX_ROWS = 1000
_WORKING = sorted(s.value for s in WORKING_STATUSES)


class BadSearch(ValueError):
    """A search we refuse (a date range too long or backwards), in words for the client."""


@dataclass(frozen=True)
class PublicRequest:
    """One case as the public sees it."""

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
    query = select(Case).where(Case.reference.is_not(None))
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
        if wanted == {OPEN}:
            query = query.where(Case.status.in_(_WORKING))
        elif wanted == {CLOSED}:
            query = query.where(Case.status.not_in(_WORKING))
    cases = list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))
    notes = latest_public_notes(session, [c.id for c in cases])
    catalog = catalog or load_catalog()
    return [_public(case, notes.get(case.id), catalog) for case in cases]


def latest_public_notes(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """{case id: its latest public note} for the cases that have one."""
    if not case_ids:
        return {}
    latest = (select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(case_ids),
                                                    CaseEvent.public_note.is_not(None))
              .group_by(CaseEvent.case_id))
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.public_note).where(CaseEvent.id.in_(latest)))
    return {case_id: note for case_id, note in rows if note}


def _public(case: Case, note: Optional[str], catalog: Catalog) -> PublicRequest:
    assert case.reference is not None  # searched for cases with one
    return PublicRequest(
        reference=case.reference, service_code=case.request_type,
        service_name=catalog.type_name(case.request_type), agency=case.department,
        status=public_status(case.status), status_notes=note, requested_at=case.created_at,
        updated_at=case.updated_at, expected_at=case.due_at, address=case.address,
        latitude=case.latitude, longitude=case.longitude)
