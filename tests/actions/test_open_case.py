"""Confirming a report files exactly one case, on every database backend."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from actions.filing import ActionOpenCase
from cases.messages import format_date
from cases.models import Case
from tests.actions.trackers import RESIDENT, run, slots_set, tracker

SLOTS = {"request_type": "pothole", "description": "deep pothole in the cycle lane", "location": "42 Park Lane",
         "latitude": None, "longitude": None, "photo": "telegram/2026/abc.jpg", "confirmed": True}


def confirm(domain, message_id="m-1", **slots):
    """The tracker right after the resident pressed Confirm."""
    return tracker("/affirm", "affirm", slots={**SLOTS, **slots}, message_id=message_id, domain=domain)


async def test_confirm_files_one_case_with_every_answer(deps, backend_db, domain, settings):
    events, dispatcher = await run(ActionOpenCase(deps), confirm(domain), domain)
    with backend_db.transaction() as session:
        [case] = session.scalars(select(Case)).all()
        assert (case.request_type, case.description, case.address) == ("pothole", SLOTS["description"], "42 Park Lane")
        assert (case.latitude, case.longitude) == (None, None)
        assert [photo.path for photo in case.photos] == ["telegram/2026/abc.jpg"]
        assert case.due_at - case.created_at == timedelta(days=7)
        assert f"{case.resident.channel}:{case.resident.external_id}" == RESIDENT
        [message] = dispatcher.messages
        assert message["response"] == "utter_case_opened"
        assert message["reference"] == case.reference and case.reference.startswith("HY-")
        assert message["department"] == "Roads and Highways"
        assert message["due_date"] == format_date(case.due_at, settings.timezone)
    assert not any(slots_set(events).values())  # the filing slots are cleared


async def test_confirming_again_from_the_same_point_files_once(deps, backend_db, domain):
    """The same confirmation again (a double tap), or sent again after its turn failed (a new message id, the same
    conversation at the same point), files one case; a later confirmation files another."""
    _, d1 = await run(ActionOpenCase(deps), confirm(domain, message_id="first"), domain)
    _, d2 = await run(ActionOpenCase(deps), confirm(domain, message_id="sent-again"), domain)
    assert d1.messages[0]["reference"] == d2.messages[0]["reference"]
    with backend_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    later = confirm(domain, message_id="later")
    later.events.append({"event": "action", "name": "action_listen"})  # the conversation has moved on
    await run(ActionOpenCase(deps), later, domain)
    with backend_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 2


async def test_shared_location_is_stored_as_coordinates(deps, actions_db, domain):
    slots = {"location": "51.50000, -0.12000", "latitude": 51.5, "longitude": -0.12, "photo": None}
    await run(ActionOpenCase(deps), confirm(domain, **slots), domain)
    with actions_db.transaction() as session:
        case = session.scalars(select(Case)).one()
        assert (case.latitude, case.longitude, case.address, case.photos) == (51.5, -0.12, None, [])


async def test_the_reply_links_the_cases_public_page_when_the_board_has_an_address(deps, backend_db, domain,
                                                                                  settings):
    _, dispatcher = await run(ActionOpenCase(deps), confirm(domain, message_id="no-board"), domain)
    assert dispatcher.messages[0]["board_link"] == ""
    settings.board_public_url = "https://city.example.org/"
    _, dispatcher = await run(ActionOpenCase(deps), confirm(domain, message_id="board", language="zh",
                                                            description="another hole"), domain)
    [message] = dispatcher.messages
    assert message["board_link"] == f"\nhttps://city.example.org/board/cases/{message['reference']}?lang=zh"
