"""Status of one case, the list of open ones, and cancelling: own, someone else's, unknown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from actions.status import ActionCancelRequest, ActionCheckStatus
from cases import lifecycle, queries
from cases.models import Case
from cases.residents import resident_for_sender
from cases.workflow import Actor
from tests.actions.trackers import RESIDENT, responses, run, tracker
from tests.city import CITY

NEIGHBOUR = "web:neighbour-session"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def file_case(database, sender=RESIDENT, request_type="pothole", minutes=0) -> str:
    """File a case for `sender` directly through the service; its reference."""
    with database.transaction() as session:
        case = lifecycle.open_case(
            session,
            resident=resident_for_sender(session, sender),
            request_type=request_type,
            description="something broken",
            address="1 Main St",
            now=T0 + timedelta(minutes=minutes),
            reference_prefix="HY",
        )
        return case.reference


def move(database, reference, status, note=None):
    """Staff move a case to another status."""
    with database.transaction() as session:
        lifecycle.change_status(
            session,
            case=queries.find_case(session, reference=reference),
            to_status=status,
            actor=Actor.STAFF,
            public_note=note,
            **CITY,
        )


def status(database, reference):
    with database.transaction() as session:
        return queries.find_case(session, reference=reference).status


async def test_status_of_own_case_has_status_due_date_type_and_last_note(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "in_progress", note="A crew is booked for Thursday.")
    _, dispatcher = await run(
        ActionCheckStatus(deps),
        tracker(f"status of {reference}", "check_status", ("reference", reference.lower())),
        domain,
    )
    first, note = dispatcher.messages
    assert first["response"] == "utter_case_status_open"
    assert (first["reference"], first["status"], first["type_name"], first["due_date"]) == (
        reference,
        "in progress",
        "Pothole or damaged road",
        "2026-03-09",
    )
    assert (note["response"], note["note"]) == ("utter_case_note", "A crew is booked for Thursday.")


async def test_reference_found_in_the_text_without_the_entity(deps, actions_db, domain):
    reference = file_case(actions_db)
    _, dispatcher = await run(
        ActionCheckStatus(deps), tracker(f"any news on {reference.lower()}?", "check_status"), domain
    )
    assert dispatcher.messages[0]["reference"] == reference


async def test_someone_elses_case_looks_exactly_like_an_unknown_one(deps, actions_db, domain):
    theirs = file_case(actions_db, sender=NEIGHBOUR)
    unknown = "HY-2026-09999"
    _, foreign = await run(ActionCheckStatus(deps), tracker(theirs, "check_status", ("reference", theirs)), domain)
    _, missing = await run(ActionCheckStatus(deps), tracker(unknown, "check_status", ("reference", unknown)), domain)
    assert foreign.messages == [{**missing.messages[0], "reference": theirs}]
    assert responses(foreign) == ["utter_case_not_found"]


async def test_open_cases_newest_first(deps, actions_db, domain):
    older = file_case(actions_db, request_type="noise", minutes=0)
    newer = file_case(actions_db, request_type="tree", minutes=5)
    closed = file_case(actions_db, minutes=10)
    move(actions_db, closed, "rejected")
    file_case(actions_db, sender=NEIGHBOUR)
    _, dispatcher = await run(ActionCheckStatus(deps), tracker("my requests", "check_status"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_active_cases"
    lines = message["cases"].splitlines()
    assert [line.split(" · ")[0] for line in lines] == [newer, older]
    assert lines[0] == f"{newer} · Trees and hedges · submitted · 2026-03-09"


async def test_no_open_cases(deps, actions_db, domain):
    _, dispatcher = await run(ActionCheckStatus(deps), tracker("my requests", "check_status"), domain)
    assert responses(dispatcher) == ["utter_no_open_requests"]


async def test_cancel_own_case(deps, actions_db, domain):
    reference = file_case(actions_db)
    _, dispatcher = await run(
        ActionCancelRequest(deps), tracker("/cancel_request", "cancel_request", ("reference", reference)), domain
    )
    assert dispatcher.messages[0]["response"] == "utter_case_cancelled"
    assert status(actions_db, reference) == "cancelled"


async def test_cancel_someone_elses_case_is_refused_like_an_unknown_one(deps, actions_db, domain):
    theirs = file_case(actions_db, sender=NEIGHBOUR)
    unknown = "HY-2026-09999"
    _, foreign = await run(
        ActionCancelRequest(deps), tracker(f"cancel {theirs}", "cancel_request", ("reference", theirs)), domain
    )
    _, missing = await run(
        ActionCancelRequest(deps), tracker(f"cancel {unknown}", "cancel_request", ("reference", unknown)), domain
    )
    assert responses(foreign) == ["utter_case_not_found"]
    assert foreign.messages == [{**missing.messages[0], "reference": theirs}]
    assert status(actions_db, theirs) == "submitted"


async def test_cancel_a_resolved_case_is_refused_politely(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "resolved")
    _, dispatcher = await run(
        ActionCancelRequest(deps), tracker(f"cancel {reference}", "cancel_request", ("reference", reference)), domain
    )
    [message] = dispatcher.messages
    assert (message["response"], message["status"]) == ("utter_cannot_cancel", "resolved")
    assert status(actions_db, reference) == "resolved"


async def test_cancel_without_reference_offers_cancellable_cases(deps, actions_db, domain):
    first = file_case(actions_db, minutes=0)
    second = file_case(actions_db, request_type="graffiti", minutes=5)
    move(actions_db, file_case(actions_db, minutes=9), "resolved")  # open but no longer cancellable
    _, dispatcher = await run(ActionCancelRequest(deps), tracker("cancel my request", "cancel_request"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_which_to_cancel"
    assert [b["payload"] for b in message["buttons"]] == [
        f'/cancel_request{{"reference":"{second}"}}',
        f'/cancel_request{{"reference":"{first}"}}',
    ]
    assert message["buttons"][0]["title"] == f"{second} · Graffiti and vandalism"


async def test_nothing_to_cancel(deps, actions_db, domain):
    _, dispatcher = await run(ActionCancelRequest(deps), tracker("cancel my request", "cancel_request"), domain)
    assert responses(dispatcher) == ["utter_nothing_to_cancel"]
    with actions_db.transaction() as session:
        assert session.query(Case).count() == 0


async def test_a_scheduled_case_gives_the_date_of_the_work(deps, actions_db, domain):
    from datetime import date

    reference = file_case(actions_db)
    with actions_db.transaction() as session:
        lifecycle.change_status(
            session,
            case=queries.find_case(session, reference=reference),
            to_status="scheduled",
            actor=Actor.STAFF,
            scheduled_for=date(2026, 3, 12),
            **CITY,
        )
    _, dispatcher = await run(
        ActionCheckStatus(deps), tracker(reference, "check_status", ("reference", reference)), domain
    )
    [message] = dispatcher.messages
    assert (message["response"], message["status"], message["scheduled_date"]) == (
        "utter_case_status_scheduled",
        "scheduled",
        "2026-03-12",
    )


async def test_a_duplicate_answers_with_the_case_it_was_merged_into(deps, actions_db, domain):
    from cases.models import StaffUser

    original = file_case(actions_db, sender=NEIGHBOUR, request_type="streetlight")
    mine = file_case(actions_db, minutes=3)
    with actions_db.transaction() as session:
        staff = StaffUser(username="li", display_name="Li", password_hash="x", role="agent", created_at=T0)
        session.add(staff)
        session.flush()
        lifecycle.mark_duplicate(
            session, case=queries.find_case(session, reference=mine), original_reference=original, staff=staff, **CITY
        )
        lifecycle.change_status(
            session,
            case=queries.find_case(session, reference=original),
            to_status="in_progress",
            actor=Actor.STAFF,
            staff=staff,
            public_note="Electrician booked.",
            **CITY,
        )
    _, dispatcher = await run(ActionCheckStatus(deps), tracker(mine, "check_status", ("reference", mine)), domain)
    first, note = dispatcher.messages
    assert (first["response"], first["reference"], first["other"], first["status"], first["type_name"]) == (
        "utter_case_status_duplicate",
        mine,
        original,
        "in progress",
        "Street light problem",
    )
    assert note["note"] == "Electrician booked."
