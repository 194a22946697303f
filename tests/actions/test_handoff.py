"""Handing over to a person: asked for, "not helping", two misunderstood messages; office hours; a clean restart."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from actions import handoff as handoff_actions
from actions.handoff import ActionHandoff
from actions.menus import ActionSuggestRequestTypes
from actions.runtime.deps import Deps
from cases.models import HandoffRequest
from tests.actions.trackers import responses, run, slots_set, tracker, user_event

OPEN = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai: staff at work
CLOSED = datetime(2026, 3, 7, 2, 0, tzinfo=timezone.utc)  # Saturday 10:00: nobody until Monday 09:00


@pytest.fixture
def clock(monkeypatch):
    """Set the actions' clock (the only thing faked here)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(handoff_actions, "utcnow", lambda: moment)

    set_to(OPEN)
    return set_to


def handoffs(database):
    with database.transaction() as session:
        return [
            (h.resident.external_id, h.trigger, h.reason, h.status, [m.text for m in h.messages])
            for h in session.scalars(select(HandoffRequest).order_by(HandoffRequest.id))
        ]


def fallback_turn(text: str, answered_by: str = "action_suggest_request_types") -> tuple:
    """A misunderstood message and the action that answered it, as tracker events."""
    return (
        user_event(text, "nlu_fallback"),
        {"event": "action", "name": answered_by},
        {"event": "action", "name": "action_listen"},
    )


async def test_asking_for_a_person_in_office_hours(deps, actions_db, domain, clock):
    events, dispatcher = await run(
        ActionHandoff(deps), tracker("I want to talk to a real person", "talk_to_human"), domain
    )
    assert responses(dispatcher) == ["utter_handoff"]
    assert handoffs(actions_db) == [
        ("100", "talk_to_human", "I want to talk to a real person", "waiting", ["I want to talk to a real person"])
    ]
    # The conversation starts clean when the person hands back: no form, no report, no open question.
    assert events[0] == {**events[0], "event": "active_loop", "name": None}
    assert {"request_type", "description", "low_confidence_turns", "survey_reference"} <= set(slots_set(events))
    assert set(slots_set(events).values()) == {None}


async def test_outside_office_hours_the_resident_is_told_when_a_person_will_answer(deps, actions_db, domain, clock):
    clock(CLOSED)
    _, dispatcher = await run(ActionHandoff(deps), tracker("you're useless", "not_helping"), domain)
    assert responses(dispatcher) == ["utter_sorry_not_helping", "utter_handoff_after_hours"]
    assert dispatcher.messages[1]["opening"] == "Monday 9 March at 09:00"
    assert handoffs(actions_db) == [("100", "not_helping", "you're useless", "waiting", ["you're useless"])]


async def test_handoff_button_gives_the_earlier_typed_message_as_reason(deps, actions_db, domain, clock):
    history = (user_event("my neighbour's extension blocks my light", "nlu_fallback"),)
    await run(ActionHandoff(deps), tracker("/talk_to_human", "talk_to_human", history=history), domain)
    assert handoffs(actions_db)[0][2] == "my neighbour's extension blocks my light"


async def test_handoff_during_a_report_ends_the_form(deps, actions_db, domain, clock):
    events, dispatcher = await run(
        ActionHandoff(deps),
        tracker("can I speak to someone", "talk_to_human", form="case_form", slots={"request_type": "noise"}),
        domain,
    )
    assert responses(dispatcher) == ["utter_handoff"]
    assert events[0] == {**events[0], "event": "active_loop", "name": None}
    assert slots_set(events)["request_type"] is None
    assert len(handoffs(actions_db)) == 1


async def test_asking_again_keeps_the_place_in_the_queue(deps, actions_db, domain, clock):
    await run(ActionHandoff(deps), tracker("a person please", "talk_to_human"), domain)
    await run(ActionHandoff(deps), tracker("hello? a person please", "talk_to_human"), domain)
    assert len(handoffs(actions_db)) == 1


async def test_first_misunderstood_message_gets_suggestions_and_is_counted(deps, actions_db, domain, clock):
    events, dispatcher = await run(ActionSuggestRequestTypes(deps), tracker("the thingy again", "nlu_fallback"), domain)
    assert responses(dispatcher) == ["utter_suggest_request_types"]
    assert slots_set(events) == {"low_confidence_turns": 1.0}
    assert handoffs(actions_db) == []


async def test_second_misunderstood_message_in_a_row_hands_over(deps, actions_db, domain, clock):
    clock(CLOSED)
    t = tracker(
        "you know, by the bins",
        "nlu_fallback",
        history=fallback_turn("the thingy again"),
        slots={"low_confidence_turns": 1.0},
    )
    events, dispatcher = await run(ActionSuggestRequestTypes(deps), t, domain)
    assert responses(dispatcher) == ["utter_sorry_not_understood", "utter_handoff_after_hours"]
    assert slots_set(events)["low_confidence_turns"] is None
    [(_, trigger, reason, _, _)] = handoffs(actions_db)
    assert (trigger, reason) == ("low_confidence", "the thingy again\nyou know, by the bins")


@pytest.mark.parametrize(
    "history",
    [
        # an understood message in between starts the count again
        (*fallback_turn("the thingy again"), user_event("/help", "help"),
         {"event": "action", "name": "action_show_menu"}),
        # a misunderstood message the filing form took as an answer did not go unanswered
        fallback_turn("the thingy again", answered_by="case_form"),
    ],
    ids=["understood-in-between", "answer-in-a-form"],
)
async def test_only_misunderstood_messages_in_a_row_count(deps, actions_db, domain, clock, history):
    t = tracker("you know, by the bins", "nlu_fallback", history=history, slots={"low_confidence_turns": 1.0})
    events, dispatcher = await run(ActionSuggestRequestTypes(deps), t, domain)
    assert responses(dispatcher) == ["utter_suggest_request_types"]
    assert slots_set(events) == {"low_confidence_turns": 1.0}
    assert handoffs(actions_db) == []


async def test_after_a_handoff_the_count_starts_again(deps, actions_db, domain, clock):
    # The handoff reset the slot; the message before the handoff does not count any more.
    t = tracker(
        "something odd", "nlu_fallback", history=fallback_turn("the thingy again"), slots={"low_confidence_turns": None}
    )
    events, _ = await run(ActionSuggestRequestTypes(deps), t, domain)
    assert slots_set(events) == {"low_confidence_turns": 1.0}


async def test_the_number_of_turns_is_a_setting(actions_db, domain, clock, settings):
    deps = Deps(settings.model_copy(update={"low_confidence_handoff_turns": 3}), actions_db)
    t = tracker("by the bins", "nlu_fallback", history=fallback_turn("the thingy"), slots={"low_confidence_turns": 1.0})
    events, dispatcher = await run(ActionSuggestRequestTypes(deps), t, domain)
    assert responses(dispatcher) == ["utter_suggest_request_types"]
    assert slots_set(events) == {"low_confidence_turns": 2.0}
