"""Everything we hold about one resident, as one readable JSON document (their right of access)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import Base, Case, CaseChase, HandoffRequest, Notification, Resident, Survey


def _plain(value: Any) -> Any:
    """A column value as JSON: dates as ISO text."""
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _case(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference, "type": case.request_type, "department": case.department,
        "status": case.status, "description": case.description, "address": case.address,
        "latitude": case.latitude, "longitude": case.longitude, "answers": case.answers or {},
        "public_on_board": case.publication == "approved", "filed_at": _plain(case.created_at),
        "due_at": _plain(case.due_at), "resolved_at": _plain(case.resolved_at),
        "history": [{"at": _plain(e.created_at), "kind": e.kind, "from": e.from_status, "to": e.to_status,
                     "by": e.actor, "note": e.public_note} for e in case.events],
    }


def _followed(session: Session, resident: Resident) -> list[str]:
    """References of the cases the resident follows, if this deployment has followers (cases/models/following.py)."""
    table = Base.metadata.tables.get("case_followers")
    if table is None:
        return []
    rows = session.execute(select(Case.reference).join(table, table.c.case_id == Case.id)
                           .where(table.c.resident_id == resident.id).order_by(Case.id))
    return [reference for reference in rows.scalars() if reference]


def export_resident(session: Session, *, resident: Resident, now: datetime,
                    conversation: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """The resident's record, cases (with history and answers), photos, live chats, messages sent to them,
    ratings, reminders and followed cases; `conversation` is what Rasa keeps of their chat (conversation.py)."""
    cases = list(session.scalars(select(Case).where(Case.resident_id == resident.id).order_by(Case.id)))
    reference = {case.id: case.reference for case in cases}
    handoffs = list(session.scalars(select(HandoffRequest).where(HandoffRequest.resident_id == resident.id)
                                    .order_by(HandoffRequest.id)))
    surveys = session.scalars(select(Survey).where(Survey.resident_id == resident.id).order_by(Survey.id))
    chases = session.scalars(select(CaseChase).where(CaseChase.resident_id == resident.id).order_by(CaseChase.id))
    sent = session.scalars(select(Notification).where(Notification.resident_id == resident.id)
                           .order_by(Notification.id))
    photos = [{"file": photo.path.rsplit("/", 1)[-1], "case": case.reference, "at": _plain(photo.created_at),
               "public_on_board": photo.public} for case in cases for photo in case.photos]
    photos += [{"file": m.photo_path.rsplit("/", 1)[-1], "case": None, "at": _plain(m.created_at),
                "public_on_board": False} for h in handoffs for m in h.messages if m.photo_path]
    return {
        "exported_at": _plain(now),
        "resident": {"channel": resident.channel, "id": resident.external_id, "name": resident.display_name,
                     "language": resident.language, "first_contact": _plain(resident.created_at),
                     "notice_version": resident.notice_version, "notice_shown_at": _plain(resident.notice_shown_at),
                     "consented_at": _plain(resident.consented_at)},
        "cases": [_case(case) for case in cases],
        "photos": photos,
        "live_chats": [{"started_at": _plain(h.created_at), "ended_at": _plain(h.ended_at), "reason": h.reason,
                        "case": reference.get(h.case_id) if h.case_id else None,
                        "messages": [{"at": _plain(m.created_at), "from": m.direction, "text": m.text,
                                      "latitude": m.latitude, "longitude": m.longitude,
                                      "photo": m.photo_path.rsplit("/", 1)[-1] if m.photo_path else None}
                                     for m in h.messages]} for h in handoffs],
        "messages_to_you": [{"at": _plain(n.created_at), "text": n.text, "status": n.status,
                             "case": reference.get(n.case_id) if n.case_id else None} for n in sent],
        "ratings": [{"case": reference.get(s.case_id), "rating": s.rating, "comment": s.comment,
                     "status": s.status, "answered_at": _plain(s.answered_at)} for s in surveys],
        "reminders_sent": [{"case": reference.get(c.case_id), "at": _plain(c.created_at)} for c in chases],
        "followed_cases": _followed(session, resident),
        "conversation": conversation or [],
    }


def export_json(document: dict[str, Any]) -> bytes:
    """The export as UTF-8 JSON, indented and with Chinese kept readable."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_filename(now: datetime) -> str:
    """The file name residents see."""
    return f"my-data-{now:%Y-%m-%d}.json"
