"""Chasing (催办): overdue, not yet overdue, twice a day, closed, someone else's, without a reference."""

from __future__ import annotations

from sqlalchemy import select

from actions.chase import ActionChaseCase
from cases import lifecycle, queries
from cases.clock import utcnow
from cases.models import CaseChase, StaffAlert, StaffUser
from cases.residents import resident_for_sender
from tests.actions.test_status import NEIGHBOUR, T0, file_case, move
from tests.actions.trackers import RESIDENT, responses, run, tracker
from tests.city import CITY


def chase_tracker(reference=None, text=None):
    """The resident asks to chase (a reference entity if given)."""
    entities = [("reference", reference)] if reference else []
    return tracker(text or (f"please chase {reference}" if reference else "it's overdue, hurry up"),
                   "chase_case", *entities)


def file_recent_case(database, sender=RESIDENT) -> str:
    """A case filed just now: not due for days."""
    with database.transaction() as session:
        return lifecycle.open_case(session, resident=resident_for_sender(session, sender), request_type="pothole",
                                 description="hole", address="1 Main St", now=utcnow(), reference_prefix="HY").reference


def chases(database) -> list[tuple[int, int]]:
    with database.transaction() as session:
        return [(c.case_id, c.resident_id) for c in session.scalars(select(CaseChase))]


async def test_an_overdue_case_is_chased_and_staff_are_alerted(deps, backend_db, domain):
    reference = file_case(backend_db)  # filed in March 2026: long overdue
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(reference), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["reference"], message["due_date"]) == (
        "utter_case_chased", reference, "2026-03-09")
    assert len(chases(backend_db)) == 1
    with backend_db.transaction() as session:
        [alert] = session.scalars(select(StaffAlert)).all()
        assert alert.kind == "chase" and reference in alert.text
        case = queries.find_case(session, reference=reference)
        assert [e.kind for e in case.events] == ["status", "chase"]


async def test_a_second_chase_the_same_day_is_refused_politely(deps, actions_db, domain):
    reference = file_case(actions_db)
    await run(ActionChaseCase(deps), chase_tracker(reference), domain)
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(reference), domain)
    assert responses(dispatcher) == ["utter_chase_already_today"]
    assert len(chases(actions_db)) == 1


async def test_a_case_not_yet_due_is_not_chased(deps, actions_db, domain):
    reference = file_recent_case(actions_db)
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(reference), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_chase_not_overdue" and message["due_date"] > utcnow().strftime("%Y-%m-%d")
    assert chases(actions_db) == []


async def test_a_resolved_case_has_nothing_to_chase(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "resolved")
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(reference), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["status"]) == ("utter_chase_closed", "resolved")


async def test_someone_elses_case_looks_exactly_like_an_unknown_one(deps, actions_db, domain):
    theirs = file_case(actions_db, sender=NEIGHBOUR)
    _, foreign = await run(ActionChaseCase(deps), chase_tracker(theirs), domain)
    _, missing = await run(ActionChaseCase(deps), chase_tracker("HY-2026-09999"), domain)
    assert responses(foreign) == ["utter_case_not_found"]
    assert foreign.messages == [{**missing.messages[0], "reference": theirs}]
    assert chases(actions_db) == []


async def test_reference_found_in_chinese_text(deps, actions_db, domain):
    reference = file_case(actions_db)
    _, dispatcher = await run(ActionChaseCase(deps), tracker(f"请催办 {reference.lower()}", "chase_case"), domain)
    assert responses(dispatcher) == ["utter_case_chased"]


async def test_without_a_reference_the_one_overdue_case_is_chased(deps, actions_db, domain):
    overdue = file_case(actions_db)
    file_recent_case(actions_db)
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["reference"]) == ("utter_case_chased", overdue)


async def test_without_a_reference_several_cases_are_offered_as_buttons(deps, actions_db, domain):
    first = file_case(actions_db, minutes=0)
    second = file_case(actions_db, request_type="graffiti", minutes=5)
    move(actions_db, file_case(actions_db, minutes=9), "resolved")  # open, but nobody works on it now
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_which_to_chase"
    assert [b["payload"] for b in message["buttons"]] == [
        f'/chase_case{{"reference":"{second}"}}', f'/chase_case{{"reference":"{first}"}}']
    assert chases(actions_db) == []


async def test_without_open_cases_there_is_nothing_to_chase(deps, actions_db, domain):
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(), domain)
    assert responses(dispatcher) == ["utter_nothing_to_chase"]


async def test_chasing_a_duplicate_chases_the_case_it_was_merged_into(deps, actions_db, domain):
    original = file_case(actions_db, sender=NEIGHBOUR)
    mine = file_case(actions_db)
    with actions_db.transaction() as session:
        staff = StaffUser(username="li", display_name="Li", password_hash="x", role="agent", created_at=T0)
        session.add(staff)
        session.flush()
        lifecycle.mark_duplicate(session, case=queries.find_case(session, reference=mine), original_reference=original,
                               staff=staff, **CITY)
    _, dispatcher = await run(ActionChaseCase(deps), chase_tracker(mine), domain)
    assert responses(dispatcher) == ["utter_case_chased"]
    with actions_db.transaction() as session:
        [chase] = session.scalars(select(CaseChase)).all()
        assert chase.case_id == queries.find_case(session, reference=original).id
