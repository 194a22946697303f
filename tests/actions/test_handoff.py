"""Asking for a person is recorded, in or out of a report."""

from __future__ import annotations

from sqlalchemy import select

from actions.handoff import ActionHandoff
from cases.models import HandoffRequest
from tests.actions.trackers import responses, run, slots_set, tracker, user_event


def handoffs(database):
    with database.transaction() as session:
        return [(h.resident.external_id, h.reason, h.status) for h in session.scalars(select(HandoffRequest))]


async def test_handoff_is_recorded_with_what_the_resident_typed(actions_db, domain):
    events, dispatcher = await run(ActionHandoff(), tracker("I want to talk to a real person", "talk_to_human"), domain)
    assert events == [] and responses(dispatcher) == ["utter_handoff"]
    assert handoffs(actions_db) == [("100", "I want to talk to a real person", "waiting")]


async def test_handoff_button_gives_the_earlier_typed_message_as_reason(actions_db, domain):
    history = (user_event("my neighbour's extension blocks my light", "nlu_fallback"),)
    await run(ActionHandoff(), tracker("/talk_to_human", "talk_to_human", history=history), domain)
    assert handoffs(actions_db) == [("100", "my neighbour's extension blocks my light", "waiting")]


async def test_handoff_during_a_report_ends_the_form(actions_db, domain):
    events, dispatcher = await run(ActionHandoff(), tracker("can I speak to someone", "talk_to_human", form="case_form",
                                                             slots={"request_type": "noise"}), domain)
    assert responses(dispatcher) == ["utter_handoff"]
    assert events[0] == {**events[0], "event": "active_loop", "name": None}
    assert slots_set(events)["request_type"] is None
    assert len(handoffs(actions_db)) == 1
