"""A case's life: opened, moved through the statuses (the one `change_status`), assigned, re-typed, merged,
cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import messages, outbox, workflow
from cases.areas import routing
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.events import ASSIGNMENT, STATUS_EVENT, TYPE_CHANGE, record_event
from cases.guards.cleaning import clean_text
from cases.hours import QuietHours
from cases.i18n import N_
from cases.models import Case, CaseEvent, CasePhoto, Resident, StaffUser
from cases.queries import CaseNotFound, find_case, find_case_for_resident, followers
from cases.questions import check_answers
from cases.references import make_reference
from cases.workflow import Actor, Status


def resident_may_cancel(case: Case) -> bool:
    """Whether the resident may still cancel this case (the transition table decides)."""
    return workflow.allowed(Status(case.status), Status.CANCELLED, Actor.RESIDENT)


def _check_location(latitude: Optional[float], longitude: Optional[float], address: Optional[str]) -> None:
    """Refuse a case without a usable location: both coordinates in range, or an address."""
    if latitude is None and longitude is None and not (address or "").strip():
        raise ValueError(N_("a case needs a location: coordinates or an address"))
    if (latitude is None) != (longitude is None):
        raise ValueError(N_("give both latitude and longitude, or neither"))
    if latitude is not None and longitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(N_("coordinates out of range"))


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
    answers: Optional[Mapping[str, object]] = None,
    answers_required: bool = True,
    internal_note: Optional[str] = None,
    publish_allowed: bool = True,
    idempotency_key: Optional[str] = None,
    reference_prefix: str,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Case:
    """Create a case with its first event; the same idempotency key returns the case already made.

    `answers` answer the type's questions (InvalidAnswers names those missing or wrong; the required ones may
    be missing when not `answers_required`). `internal_note` goes on its first event, for staff only. `publish_allowed`
    false: the resident said no to publishing their description and photos (cases/publication.py).
    """
    if idempotency_key:
        existing = session.scalar(select(Case).where(Case.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    kind = (catalog or load_catalog()).get(request_type)
    # Whatever called us, text that cannot be stored (lone surrogates) or hides things (control characters) goes.
    description = clean_text(description).strip()
    address = clean_text(address)
    if not description:
        raise ValueError(N_("a case needs a description"))
    _check_location(latitude, longitude, address)
    checked_answers = check_answers(
        kind.questions, {code: clean_text(v) if isinstance(v, str) else v for code, v in (answers or {}).items()},
        require=answers_required)
    now = now or utcnow()
    case = Case(
        resident=resident,
        request_type=kind.code,
        department=kind.department,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=(address or "").strip() or None,
        grid_code=routing.router().grid_for(latitude=latitude, longitude=longitude, address=address),
        status=workflow.INITIAL_STATUS.value,
        answers=checked_answers,
        publish_allowed=publish_allowed,
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
            internal_note=(internal_note or "").strip() or None,
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


def _check_move(case: Case, to_status: Status, actor: Actor, *, scheduled_for: Optional[date],
                duplicate_of: Optional[Case]) -> None:
    """Refuse a move the workflow does not allow, or one that lacks what its new status needs."""
    workflow.check(Status(case.status), to_status, actor)
    if to_status is Status.SCHEDULED and scheduled_for is None:
        raise ScheduleDateRequired(N_("a scheduled case needs the date the work is booked for"))
    if to_status is Status.DUPLICATE and (
        duplicate_of is None or duplicate_of.id == case.id or duplicate_of.duplicate_of_id is not None
    ):
        raise InvalidDuplicate(N_("a duplicate needs another case that is not itself a duplicate"))


def _move(case: Case, to_status: Status, actor: Actor, *, scheduled_for: Optional[date],
          duplicate_of: Optional[Case], now: datetime) -> None:
    """Set the case's status and the fields that go with it (checked by _check_move)."""
    case.status = to_status.value
    case.updated_at = now
    if to_status is Status.SCHEDULED:
        case.scheduled_for = scheduled_for
    if to_status is Status.DUPLICATE:
        assert duplicate_of is not None  # refused by _check_move otherwise
        case.duplicate_of_id = duplicate_of.id
        case.duplicate_of = duplicate_of
    if to_status is Status.RESOLVED:
        case.resolved_at = now
    if actor is Actor.STAFF and case.first_response_at is None:
        case.first_response_at = now


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
    _check_move(case, to_status, actor, scheduled_for=scheduled_for, duplicate_of=duplicate_of)
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
    case.latest_public_note = event.public_note or case.latest_public_note
    _move(case, to_status, actor, scheduled_for=scheduled_for, duplicate_of=duplicate_of, now=now)
    session.flush()
    if actor is not Actor.RESIDENT:
        outbox.queue_status_change(session, case=case, event=event, timezone=timezone, quiet_hours=quiet_hours,
                                   catalog=catalog, now=now)
    for follower in followers(session, case):
        outbox.queue_status_change(session, case=case, event=event, resident=follower, timezone=timezone,
                                   quiet_hours=quiet_hours, catalog=catalog, now=now)
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
        raise ValueError(N_("that staff account is disabled"))
    before = f"{case.department} / {case.assignee.display_name if case.assignee else '-'}"
    case.department = department
    case.assignee_id = assignee.id if assignee is not None else None
    case.assignee = assignee
    after = f"{department} / {assignee.display_name if assignee else '-'}"
    extra = (internal_note or "").strip()
    note = f"Assigned: {before} -> {after}" + (f". {extra}" if extra else "")
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
        raise ValueError(N_("the case already has that request type"))
    now = now or utcnow()
    old = catalog.get(case.request_type).name if case.request_type in catalog else case.request_type
    case.request_type, case.department = kind.code, kind.department
    case.assignee_id, case.assignee = None, None
    case.due_at = kind.due_at(case.created_at)
    case.escalation_level, case.escalated_at = 0, None
    if case.first_response_at is None:
        case.first_response_at = now
    extra = (internal_note or "").strip()
    note = f"Request type: {old} -> {kind.name}" + (f". {extra}" if extra else "")
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
        raise InvalidDuplicate(N_("no case %(reference)s", reference=original_reference)) from None
    if original.duplicate_of is not None:
        original = original.duplicate_of  # follow the chain to the case that is worked
    event = change_status(session, case=case, to_status=Status.DUPLICATE, actor=Actor.STAFF, staff=staff,
                          public_note=public_note, internal_note=internal_note, duplicate_of=original,
                          timezone=timezone, quiet_hours=quiet_hours, now=now)
    # Cases merged into this one now follow the original too.
    for merged in session.scalars(select(Case).where(Case.duplicate_of_id == case.id)):
        merged.duplicate_of_id, merged.duplicate_of = original.id, original
    session.flush()
    return event


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
