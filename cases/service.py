"""Service functions every adapter calls: open a case, change its status, look cases up."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import messages, outbox, workflow
from cases.catalog import Catalog, load_catalog
from cases.cleaning import clean_text
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.models import Case, CaseChase, CaseEvent, CasePhoto, Resident, StaffAlert, StaffUser
from cases.workflow import Actor, Status

# CaseEvent.kind values: a status change, or something else that happened to the case.
STATUS_EVENT, ESCALATION, ASSIGNMENT, TYPE_CHANGE, CHASE, NOTE, SURVEY = (
    "status", "escalation", "assignment", "type_change", "chase", "note", "survey")
EVENT_KINDS = (STATUS_EVENT, ESCALATION, ASSIGNMENT, TYPE_CHANGE, CHASE, NOTE, SURVEY)


class CaseNotFound(LookupError):
    """No case with that reference (or none the asker may see)."""


def make_reference(prefix: str, created_at: datetime, case_id: int) -> str:
    """A resident-friendly reference such as HY-2026-00042."""
    return f"{prefix}-{created_at.year}-{case_id:05d}"


def normalise_reference(text: str) -> str:
    """A reference as typed (`hy-2026-00042 `) in its stored form (`HY-2026-00042`)."""
    return (text or "").strip().strip("#.,;:!?()[]").upper()


# How residents point at a case without its full reference: "#42", "No. 42", "第42号", "42号工单".
SHORT_REFERENCES = re.compile(
    r"#\s?(\d{1,7})(?!\d)|\bno\.\s?(\d{1,7})(?!\d)|第\s?(\d{1,7})\s?[号件]|(\d{1,7})\s?号(?:工单|诉求|单|件|案件|投诉)",
    re.IGNORECASE)


def find_reference_in_text(text: Optional[str], prefix: str) -> Optional[str]:
    """The first case reference in free text, normalised: "HY-2026-00042" as such (also glued to Chinese,
    "查一下HY-2026-00042的进度"), a case number ("#42", "第42号") as "#42"."""
    text = text or ""
    match = re.search(rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{4}}-\d{{5}}(?![0-9])", text, re.IGNORECASE)
    if match:
        return normalise_reference(match.group(0))
    short = SHORT_REFERENCES.search(text)
    if short:
        return f"#{int(next(group for group in short.groups() if group))}"
    return None


def _case_number(reference: str) -> Optional[int]:
    """42 for a short reference ("#42"), else None."""
    match = re.fullmatch(r"\s*#\s?(\d{1,7})\s*", reference or "")
    return int(match.group(1)) if match else None


def resident_may_cancel(case: Case) -> bool:
    """Whether the resident may still cancel this case (the transition table decides)."""
    return workflow.allowed(Status(case.status), Status.CANCELLED, Actor.RESIDENT)


def open_case(
    session: Session,
    *,
    resident: Resident,
    request_type: str,
    description: str,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    address: Optional[str] = None,
    photos: Iterable[str] = (),
    idempotency_key: Optional[str] = None,
    reference_prefix: str,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Case:
    """Create a case with its first event; the same idempotency key returns the case already made."""
    if idempotency_key:
        existing = session.scalar(select(Case).where(Case.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    kind = (catalog or load_catalog()).get(request_type)
    # Whatever called us, text that cannot be stored (lone surrogates) or hides things (control characters) goes.
    description = clean_text(description).strip()
    address = clean_text(address)
    if not description:
        raise ValueError("a case needs a description")
    if latitude is None and longitude is None and not (address or "").strip():
        raise ValueError("a case needs a location: coordinates or an address")
    if (latitude is None) != (longitude is None):
        raise ValueError("give both latitude and longitude, or neither")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("coordinates out of range")
    now = now or utcnow()
    case = Case(
        resident=resident,
        request_type=kind.code,
        department=kind.department,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=(address or "").strip() or None,
        status=workflow.INITIAL_STATUS.value,
        idempotency_key=idempotency_key,
        created_at=now,
        due_at=kind.due_at(now),
        updated_at=now,
    )
    case.photos = [CasePhoto(path=path, created_at=now) for path in photos]
    case.events = [
        CaseEvent(
            from_status=None,
            to_status=workflow.INITIAL_STATUS.value,
            actor=Actor.RESIDENT.value,
            actor_name=resident.display_name,
            created_at=now,
        )
    ]
    session.add(case)
    session.flush()
    case.reference = make_reference(reference_prefix, now, case.id)
    session.flush()
    return case


class ScheduleDateRequired(ValueError):
    """A move to "scheduled" without the date the work is booked for."""


class InvalidDuplicate(ValueError):
    """A case marked as a duplicate of itself, of an unknown case, or of a case that is itself a duplicate."""


def change_status(
    session: Session,
    *,
    case: Case,
    to_status: Status | str,
    actor: Actor | str,
    actor_name: Optional[str] = None,
    staff: Optional[StaffUser] = None,
    public_note: Optional[str] = None,
    internal_note: Optional[str] = None,
    scheduled_for: Optional[date] = None,
    duplicate_of: Optional[Case] = None,
    timezone: str,
    quiet_hours: QuietHours,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """The one way a status changes: check the move, record the event, queue the pushes.

    The case's resident is told unless they made the change themselves (the conversation answered
    them already), and so is every resident whose case was merged into this one as a duplicate.
    """
    to_status, actor = Status(to_status), Actor(actor)
    workflow.check(Status(case.status), to_status, actor)
    if to_status is Status.SCHEDULED and scheduled_for is None:
        raise ScheduleDateRequired("a scheduled case needs the date the work is booked for")
    if to_status is Status.DUPLICATE:
        if duplicate_of is None or duplicate_of.id == case.id or duplicate_of.duplicate_of_id is not None:
            raise InvalidDuplicate("a duplicate needs another case that is not itself a duplicate")
    now = now or utcnow()
    if staff is not None:
        actor_name = actor_name or staff.display_name
    event = CaseEvent(
        kind=STATUS_EVENT,
        from_status=case.status,
        to_status=to_status.value,
        actor=actor.value,
        actor_name=actor_name,
        staff_id=staff.id if staff is not None else None,
        public_note=(public_note or "").strip() or None,
        internal_note=(internal_note or "").strip() or None,
        created_at=now,
    )
    case.events.append(event)
    case.status = to_status.value
    case.updated_at = now
    if to_status is Status.SCHEDULED:
        case.scheduled_for = scheduled_for
    if to_status is Status.DUPLICATE:
        case.duplicate_of_id = duplicate_of.id
        case.duplicate_of = duplicate_of
    if to_status is Status.RESOLVED:
        case.resolved_at = now
    if actor is Actor.STAFF and case.first_response_at is None:
        case.first_response_at = now
    session.flush()
    if actor is not Actor.RESIDENT:
        outbox.queue_status_change(session, case=case, event=event, timezone=timezone, quiet_hours=quiet_hours,
                                   catalog=catalog, now=now)
    for follower in followers(session, case):
        outbox.queue_status_change(session, case=case, event=event, resident=follower, timezone=timezone,
                                   quiet_hours=quiet_hours, catalog=catalog, now=now)
    return event


def is_overdue(case: Case, now: datetime) -> bool:
    """Past its due date while the city still works on it (the one definition of "overdue")."""
    return workflow.is_working(Status(case.status)) and case.due_at <= now


def overdue_clause(now: datetime):
    """`is_overdue` as a query condition on Case."""
    return and_(Case.status.in_([s.value for s in workflow.WORKING_STATUSES]), Case.due_at <= now)


def followers(session: Session, case: Case) -> list[Resident]:
    """Residents whose cases were merged into this one, other than its own resident."""
    return list(session.scalars(
        select(Resident).join(Case, Case.resident_id == Resident.id)
        .where(Case.duplicate_of_id == case.id, Resident.id != case.resident_id)
        .distinct().order_by(Resident.id)))


def followed_case(case: Case) -> Case:
    """The case a resident follows for this one: the one it was merged into, or itself."""
    return case.duplicate_of if case.duplicate_of is not None else case


def record_event(
    session: Session,
    *,
    case: Case,
    kind: str,
    actor: Actor | str,
    actor_name: Optional[str] = None,
    staff: Optional[StaffUser] = None,
    public_note: Optional[str] = None,
    internal_note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """Add a history entry that is not a status change (escalation, assignment, chase, note...)."""
    if kind not in EVENT_KINDS or kind == STATUS_EVENT:
        raise ValueError(f"unknown event kind {kind!r}")
    now = now or utcnow()
    event = CaseEvent(
        kind=kind, from_status=case.status, to_status=case.status, actor=Actor(actor).value,
        actor_name=actor_name or (staff.display_name if staff is not None else None),
        staff_id=staff.id if staff is not None else None,
        public_note=(public_note or "").strip() or None, internal_note=(internal_note or "").strip() or None,
        created_at=now,
    )
    case.events.append(event)
    case.updated_at = now
    session.flush()
    return event


def assign(
    session: Session,
    *,
    case: Case,
    staff: StaffUser,
    department: Optional[str] = None,
    assignee: Optional[StaffUser] = None,
    internal_note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """Give a case to a department and/or a staff member (None: the department's agents); staff only, not pushed."""
    department = (department or "").strip() or case.department
    if assignee is not None and not assignee.active:
        raise ValueError("that staff account is disabled")
    before = f"{case.department} / {case.assignee.display_name if case.assignee else '-'}"
    case.department = department
    case.assignee_id = assignee.id if assignee is not None else None
    case.assignee = assignee
    after = f"{department} / {assignee.display_name if assignee else '-'}"
    note = f"Assigned: {before} -> {after}" + (f". {internal_note.strip()}" if (internal_note or "").strip() else "")
    if case.first_response_at is None:
        case.first_response_at = now or utcnow()
    return record_event(session, case=case, kind=ASSIGNMENT, actor=Actor.STAFF, staff=staff,
                        internal_note=note, now=now)


def change_request_type(
    session: Session,
    *,
    case: Case,
    request_type: str,
    staff: StaffUser,
    internal_note: Optional[str] = None,
    timezone: str,
    quiet_hours: QuietHours,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """Re-route a case to another request type: its department and due date follow, the resident is told."""
    catalog = catalog or load_catalog()
    kind = catalog.get(request_type)
    if kind.code == case.request_type:
        raise ValueError("the case already has that request type")
    now = now or utcnow()
    old = catalog.get(case.request_type).name if case.request_type in catalog else case.request_type
    case.request_type, case.department = kind.code, kind.department
    case.assignee_id, case.assignee = None, None
    case.due_at = kind.due_at(case.created_at)
    case.escalation_level, case.escalated_at = 0, None
    if case.first_response_at is None:
        case.first_response_at = now
    note = f"Request type: {old} -> {kind.name}" + (
        f". {internal_note.strip()}" if (internal_note or "").strip() else "")
    event = record_event(session, case=case, kind=TYPE_CHANGE, actor=Actor.STAFF, staff=staff,
                         internal_note=note, now=now)
    for resident in [case.resident, *followers(session, case)]:
        text = messages.type_changed_text(language=resident.language, reference=case.reference or "",
                                          type_name=kind.name_in(resident.language),
                                          department=kind.department_in(resident.language),
                                          due_at=case.due_at, timezone=timezone)
        outbox.queue(session, resident=resident, text=text, case=case, event=event, quiet_hours=quiet_hours,
                     now=now)
    return event


def mark_duplicate(
    session: Session,
    *,
    case: Case,
    original_reference: str,
    staff: StaffUser,
    public_note: Optional[str] = None,
    internal_note: Optional[str] = None,
    timezone: str,
    quiet_hours: QuietHours,
    now: Optional[datetime] = None,
) -> CaseEvent:
    """Merge a case into another: it becomes "duplicate" and its resident follows the other case."""
    try:
        original = find_case(session, reference=original_reference)
    except CaseNotFound:
        raise InvalidDuplicate(f"no case {original_reference}") from None
    if original.duplicate_of_id is not None:
        original = original.duplicate_of  # follow the chain to the case that is worked
    event = change_status(session, case=case, to_status=Status.DUPLICATE, actor=Actor.STAFF, staff=staff,
                          public_note=public_note, internal_note=internal_note, duplicate_of=original,
                          timezone=timezone, quiet_hours=quiet_hours, now=now)
    # Cases merged into this one now follow the original too.
    for merged in session.scalars(select(Case).where(Case.duplicate_of_id == case.id)):
        merged.duplicate_of_id, merged.duplicate_of = original.id, original
    session.flush()
    return event


class CannotChase(Exception):
    """A chase (催办) that is not possible: `reason` is not_overdue, already_today or closed."""

    def __init__(self, reason: str, case: Case):
        super().__init__(reason)
        self.reason, self.case = reason, case


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day in the city's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def chase_case(
    session: Session,
    *,
    resident: Resident,
    reference: str,
    timezone: str,
    now: Optional[datetime] = None,
) -> CaseChase:
    """A resident chases (催办) their overdue case: once per case and city day, logged and sent to staff.

    Raises CaseNotFound (not theirs / none), or CannotChase(not_overdue | already_today | closed).
    """
    case = find_case_for_resident(session, resident=resident, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    now = now or utcnow()
    worked = followed_case(case)
    if not workflow.is_working(Status(worked.status)):
        raise CannotChase("closed", case)
    if not is_overdue(worked, now):
        raise CannotChase("not_overdue", case)
    day = local_day(now, timezone)
    if session.scalar(select(CaseChase).where(CaseChase.case_id == worked.id, CaseChase.local_day == day)):
        raise CannotChase("already_today", case)
    chase = CaseChase(case_id=worked.id, resident_id=resident.id, local_day=day, created_at=now)
    try:
        with session.begin_nested():
            session.add(chase)
            session.flush()
    except IntegrityError:
        raise CannotChase("already_today", case) from None
    record_event(session, case=worked, kind=CHASE, actor=Actor.RESIDENT, actor_name=resident.display_name,
                 internal_note=f"Chased by the resident ({case.reference}).", now=now)
    alert(session, key=f"chase:{worked.id}:{day.isoformat()}", kind="chase", case=worked,
          text=f"{worked.reference} was chased by the resident: it was due {worked.due_at:%Y-%m-%d}.", now=now,
          **responsible(worked))
    return chase


def responsible(case: Case, level: Optional[int] = None) -> dict:
    """Who answers for a case at an escalation level (its own by default), as addressees for `alert`.

    0: the assignee, or the department's agents; 1: the department's supervisors; 2: the city's supervisors.
    """
    level = case.escalation_level if level is None else level
    if level <= 0:
        if case.assignee is not None:
            return {"staff": case.assignee}
        return {"role": "agent", "department": case.department}
    if level == 1:
        return {"role": "supervisor", "department": case.department}
    return {"role": "supervisor", "department": None}


def chaseable_cases(session: Session, *, resident: Resident, now: Optional[datetime] = None) -> tuple[list[Case], list[Case]]:
    """The resident's cases still being worked on (newest first), and those of them that are overdue."""
    now = now or utcnow()
    working = [case for case in active_cases_for_resident(session, resident=resident)
               if workflow.is_working(Status(followed_case(case).status))]
    return working, [case for case in working if is_overdue(followed_case(case), now)]


def alert(
    session: Session,
    *,
    key: str,
    kind: str,
    text: str,
    case: Optional[Case] = None,
    handoff_id: Optional[int] = None,
    staff: Optional[StaffUser] = None,
    role: Optional[str] = None,
    department: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Optional[StaffAlert]:
    """Record an alert for staff once per key (None if it exists): one person, or a role (in a department)."""
    if session.scalar(select(StaffAlert.id).where(StaffAlert.key == key)) is not None:
        return None
    row = StaffAlert(key=key, kind=kind, text=text, case_id=case.id if case is not None else None,
                     handoff_id=handoff_id, staff_id=staff.id if staff is not None else None,
                     role=None if staff is not None else (role or "supervisor"),
                     department=department, created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def find_case(session: Session, *, reference: str) -> Case:
    """The case with this reference; raises CaseNotFound (staff use)."""
    case = session.scalar(select(Case).where(Case.reference == normalise_reference(reference)))
    if case is None:
        raise CaseNotFound(reference)
    return case


def find_case_for_resident(session: Session, *, resident: Resident, reference: str) -> Optional[Case]:
    """The resident's own case with this reference or case number ("#42"); someone else's looks exactly
    like a missing one."""
    number = _case_number(reference)
    matches = Case.id == number if number is not None else Case.reference == normalise_reference(reference)
    return session.scalar(select(Case).where(matches, Case.resident_id == resident.id))


def active_cases_for_resident(session: Session, *, resident: Resident) -> list[Case]:
    """The resident's cases that are not closed, cancelled or rejected, newest first."""
    finals = [s.value for s in workflow.FINAL_STATUSES]
    return list(
        session.scalars(
            select(Case)
            .where(Case.resident_id == resident.id, Case.status.not_in(finals))
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
    )


def list_cases(session: Session, *, status: Optional[str] = None) -> list[Case]:
    """Every case, oldest first, optionally only those in one status."""
    query = select(Case).order_by(Case.id)
    if status:
        query = query.where(Case.status == Status(status).value)
    return list(session.scalars(query))


def last_public_note(case: Case) -> Optional[str]:
    """The latest note staff wrote for the resident, if any."""
    for event in reversed(case.events):
        if event.public_note:
            return event.public_note
    return None


def cancel_by_resident(session: Session, *, resident: Resident, reference: str, timezone: str,
                       quiet_hours: QuietHours, now: Optional[datetime] = None) -> Case:
    """Cancel one of the resident's own cases (residents following it are told); raises CaseNotFound or
    TransitionNotAllowed."""
    case = find_case_for_resident(session, resident=resident, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    change_status(
        session, case=case, to_status=Status.CANCELLED, actor=Actor.RESIDENT,
        actor_name=resident.display_name, public_note="Cancelled by the resident.", timezone=timezone,
        quiet_hours=quiet_hours, now=now,
    )
    return case
