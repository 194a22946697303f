"""Satisfaction after "resolved": the question goes out once per resolution, the answer closes or reopens.

A rating of 3-5 confirms the fix (closed_fixed); 1-2 says it is not fixed, so the case goes back to
in_progress with its original due date and staff are alerted. Unanswered after `survey_expiry_days`,
the case closes as fixed with a note saying nobody answered.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import Enum
from typing import Optional, TypedDict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from cases import events, lifecycle, outbox, queries
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.i18n import N_
from cases.messages import in_language
from cases.models import Case, CaseEvent, Resident, Survey
from cases.queries import CaseNotFound
from cases.residents import MESSAGING_CHANNELS
from cases.staff import alerts, wording
from cases.store.db import affected_rows
from cases.workflow import Actor, Status


class SurveyStatus(str, Enum):
    """Where a satisfaction question stands (stored as its value in Survey.status)."""

    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"


# The old names, kept for one release.
SENT, ANSWERED, EXPIRED = SurveyStatus.SENT, SurveyStatus.ANSWERED, SurveyStatus.EXPIRED
MAX_COMMENT = 2000
REOPENED_NOTE = "Reopened: the resident says it is not fixed"
REOPENED = N_("%(reference)s (%(type)s) was reopened: the resident rated it %(rating)s/5 and says it is not fixed.")
EXPIRED_NOTE = "Closed without an answer to the satisfaction question."

class _Texts(TypedDict):
    question: str
    buttons: tuple[str, ...]


TEXTS: dict[str, _Texts] = {
    "en": {
        "question": "Your request {reference} ({type_name}) was marked as resolved. Is the problem fixed? "
                    "Please rate the result from 1 to 5 (1 = not fixed, 5 = very satisfied).",
        "buttons": ("1 ★ Not fixed", "2 ★★ Poor", "3 ★★★ OK", "4 ★★★★ Good", "5 ★★★★★ Excellent"),
    },
    "zh": {
        "question": "您的诉求 {reference}（{type_name}）已标记为「已解决」。问题解决了吗？"
                    "请为办理结果打分（1 = 未解决，5 = 非常满意）。",
        "buttons": ("1 ★ 未解决", "2 ★★ 不满意", "3 ★★★ 基本满意", "4 ★★★★ 满意", "5 ★★★★★ 非常满意"),
    },
}

__all__ = [
    "CaseNotFound",
    "SurveyNotOpen",
    "add_comment",
    "expire_surveys",
    "rating_payload",
    "record_rating",
    "send_due_surveys",
    "survey_buttons",
]


class SurveyNotOpen(Exception):
    """No survey on that case waits for this answer (never sent, already answered, expired or superseded)."""


def rating_payload(reference: str, rating: int) -> str:
    """The button payload Rasa reads as intent rate_case with entities reference and rating."""
    return "/rate_case" + json.dumps({"reference": reference, "rating": str(rating)}, separators=(",", ":"))


def survey_buttons(reference: str, language: Optional[str]) -> list[list[dict[str, str]]]:
    """Five buttons, one per row, in the resident's language."""
    titles = in_language(TEXTS, language)["buttons"]
    return [[{"title": title, "payload": rating_payload(reference, n)}] for n, title in enumerate(titles, 1)]


def survey_text(*, reference: str, type_name: str, language: Optional[str]) -> str:
    """The satisfaction question in the resident's language."""
    return in_language(TEXTS, language)["question"].format(reference=reference, type_name=type_name)


def _latest_resolved_events(session: Session) -> Subquery:
    """A subquery: each case's latest move to resolved (case_id, event_id)."""
    return (select(CaseEvent.case_id, func.max(CaseEvent.id).label("event_id"))
            .where(CaseEvent.kind == events.STATUS_EVENT, CaseEvent.to_status == Status.RESOLVED.value)
            .group_by(CaseEvent.case_id).subquery())


def send_due_surveys(
    session: Session,
    *,
    delay_hours: float,
    timezone: Optional[str] = None,
    catalog: Optional[Catalog] = None,
    quiet_hours: QuietHours,
    now: Optional[datetime] = None,
) -> list[Survey]:
    """Ask the resident of every case resolved more than `delay_hours` ago, once per resolution."""
    now = now or utcnow()
    catalog = catalog or load_catalog()
    latest = _latest_resolved_events(session)
    rows = session.execute(
        select(Case, CaseEvent).join(latest, latest.c.case_id == Case.id)
        .join(CaseEvent, CaseEvent.id == latest.c.event_id)
        .outerjoin(Survey, Survey.resolved_event_id == CaseEvent.id)
        .where(Case.status == Status.RESOLVED.value, Survey.id.is_(None),
               # Reporters through Open311 are asked by their own system, not by us.
               Case.resident.has(Resident.channel.in_(MESSAGING_CHANNELS)),
               CaseEvent.created_at <= now - timedelta(hours=delay_hours))
        .order_by(CaseEvent.id)).all()
    sent = []
    for case, resolved in rows:
        survey = Survey(case_id=case.id, resident_id=case.resident_id, resolved_event_id=resolved.id,
                        status=SurveyStatus.SENT.value, sent_at=now)
        try:  # another scheduler may be asking the same question right now: the unique key decides
            with session.begin_nested():
                session.add(survey)
                session.flush()
        except IntegrityError:
            continue
        # An earlier resolution's question is moot once the case was resolved again.
        session.execute(update(Survey)
                        .where(Survey.case_id == case.id, Survey.status == SurveyStatus.SENT.value,
                               Survey.id != survey.id)
                        .values(status=SurveyStatus.EXPIRED.value).execution_options(synchronize_session=False))
        event = events.record_event(session, case=case, kind=events.SURVEY, actor=Actor.SYSTEM,
                                     internal_note="Satisfaction question sent to the resident.", now=now)
        resident = case.resident
        type_name = catalog.type_name(case.request_type, resident.language)
        outbox.queue(session, resident=resident, case=case, event=event, quiet_hours=quiet_hours, now=now,
                     text=survey_text(reference=case.reference or "", type_name=type_name, language=resident.language),
                     buttons=survey_buttons(case.reference or "", resident.language))
        sent.append(survey)
    return sent


def _resident_case(session: Session, resident: Resident, reference: str) -> Case:
    """The resident's case with this reference, or CaseNotFound."""
    case = queries.find_case_for_resident(session, resident=resident, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    return case


def _open_survey(session: Session, case: Case) -> Survey:
    """The survey of the case's current resolution still waiting for an answer, or SurveyNotOpen."""
    survey = session.scalar(select(Survey).where(Survey.case_id == case.id, Survey.status == SurveyStatus.SENT.value)
                            .order_by(Survey.id.desc()))
    if survey is None or case.status != Status.RESOLVED.value:
        raise SurveyNotOpen(case.reference)
    return survey


def record_rating(
    session: Session,
    *,
    resident: Resident,
    reference: str,
    rating: int,
    timezone: str,
    quiet_hours: QuietHours,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Survey:
    """Record the resident's 1-5 answer: 3-5 closes the case as fixed, 1-2 reopens it and alerts staff.

    Raises ValueError (not 1..5), CaseNotFound (unknown or someone else's) or SurveyNotOpen.
    """
    try:
        rating = int(str(rating).strip())
    except ValueError:
        raise ValueError("a rating is a whole number from 1 to 5") from None
    if not 1 <= rating <= 5:
        raise ValueError("a rating is a whole number from 1 to 5")
    case = _resident_case(session, resident, reference)
    survey = _open_survey(session, case)
    now = now or utcnow()
    # Only the answer that moves the survey from "sent" counts, even if two arrive together.
    won = affected_rows(session.execute(update(Survey)
                                        .where(Survey.id == survey.id, Survey.status == SurveyStatus.SENT.value)
                                        .values(status=SurveyStatus.ANSWERED.value, rating=rating, answered_at=now)
                                        .execution_options(synchronize_session=False)))
    if won != 1:
        raise SurveyNotOpen(case.reference)
    session.refresh(survey)
    events.record_event(session, case=case, kind=events.SURVEY, actor=Actor.RESIDENT,
                         actor_name=resident.display_name, internal_note=f"Satisfaction rating: {rating}/5.", now=now)
    if rating >= 3:
        lifecycle.change_status(session, case=case, to_status=Status.CLOSED_FIXED, actor=Actor.RESIDENT,
                              actor_name=resident.display_name, timezone=timezone, quiet_hours=quiet_hours,
                              catalog=catalog, now=now)
        return survey
    lifecycle.change_status(session, case=case, to_status=Status.IN_PROGRESS, actor=Actor.RESIDENT,
                          actor_name=resident.display_name, public_note=REOPENED_NOTE, timezone=timezone,
                          quiet_hours=quiet_hours, catalog=catalog, now=now)
    alerts.alert(session, key=f"reopened:{case.id}:{survey.id}", kind="reopened", case=case,
                  now=now, **alerts.responsible(case, 0),  # the people working it: the assignee or the agents
                  message=REOPENED, params={"reference": case.reference, "rating": rating,
                                            "type": wording.request_type(catalog or load_catalog(), case.request_type)})
    return survey


def add_comment(
    session: Session,
    *,
    resident: Resident,
    reference: str,
    comment: str,
    now: Optional[datetime] = None,
) -> Survey:
    """Add the resident's words to their latest answered survey of that case (kept in the case's history).

    Raises ValueError (empty or too long), CaseNotFound or SurveyNotOpen (no answered survey).
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValueError("the comment is empty")
    if len(comment) > MAX_COMMENT:
        raise ValueError(f"a comment is at most {MAX_COMMENT:,} characters")
    case = _resident_case(session, resident, reference)
    survey = session.scalar(select(Survey)
                            .where(Survey.case_id == case.id, Survey.status == SurveyStatus.ANSWERED.value)
                            .order_by(Survey.id.desc()))
    if survey is None:
        raise SurveyNotOpen(case.reference)
    survey.comment = f"{survey.comment}\n{comment}" if survey.comment else comment
    events.record_event(session, case=case, kind=events.SURVEY, actor=Actor.RESIDENT,
                         actor_name=resident.display_name, internal_note=f"Resident's comment: {comment}", now=now)
    return survey


def expire_surveys(
    session: Session,
    *,
    expiry_days: float,
    timezone: str,
    quiet_hours: QuietHours,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> list[Survey]:
    """Expire questions unanswered for `expiry_days`; a case still resolved by that resolution closes as fixed."""
    now = now or utcnow()
    stale = list(session.scalars(select(Survey).where(Survey.status == SurveyStatus.SENT.value,
                                                      Survey.sent_at <= now - timedelta(days=expiry_days))
                                 .order_by(Survey.id)))
    expired = []
    for survey in stale:
        won = affected_rows(session.execute(update(Survey)
                                            .where(Survey.id == survey.id, Survey.status == SurveyStatus.SENT.value)
                                            .values(status=SurveyStatus.EXPIRED.value)
                                            .execution_options(synchronize_session=False)))
        if won != 1:
            continue
        session.refresh(survey)
        case = survey.case
        latest = session.scalar(select(func.max(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == events.STATUS_EVENT))
        if case.status == Status.RESOLVED.value and latest == survey.resolved_event_id:
            lifecycle.change_status(session, case=case, to_status=Status.CLOSED_FIXED, actor=Actor.SYSTEM,
                                  actor_name="Satisfaction check", public_note=EXPIRED_NOTE, timezone=timezone,
                                  quiet_hours=quiet_hours, catalog=catalog, now=now)
        expired.append(survey)
    return expired
