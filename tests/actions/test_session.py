"""A new session keeps settings-like slots but not a half-filed report, and speaks the stored language."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from actions.session import ActionSessionStart
from cases.residents import get_or_create_resident
from tests.actions.trackers import run, slots_set, tracker


async def test_session_start_drops_the_report_being_filed(deps, actions_db, domain):
    t = tracker("/session_start", "session_start", slots={"description": "half done", "requested_slot": "location"})
    events, dispatcher = await run(ActionSessionStart(deps), t, domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert slots_set(events) == {"language": "en"}  # a resident first seen now: English by default
    assert events[-1]["name"] == "action_listen"
    assert dispatcher.messages == []


async def test_language_comes_from_the_resident_stored_by_the_channel(deps, actions_db, domain):
    with actions_db.transaction() as session:  # the bot stores Telegram's language_code before calling Rasa
        get_or_create_resident(session, channel="telegram", external_id="100", language="zh-hans")
    events, _ = await run(ActionSessionStart(deps), tracker("/session_start", "session_start"), domain)
    assert slots_set(events) == {"language": "zh"}


async def test_the_database_wins_over_a_carried_over_slot(deps, actions_db, domain):
    with actions_db.transaction() as session:
        get_or_create_resident(session, channel="telegram", external_id="100", language="en")
    events, _ = await run(
        ActionSessionStart(deps), tracker("/session_start", "session_start", slots={"language": "zh"}), domain
    )
    assert slots_set(events) == {"language": "en"}


async def test_database_down_keeps_the_carried_over_language(deps, domain, monkeypatch):
    def broken():
        raise OperationalError("connect", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(deps, "database", broken)
    events, _ = await run(
        ActionSessionStart(deps), tracker("/session_start", "session_start", slots={"language": "zh"}), domain
    )
    assert slots_set(events) == {"language": "zh"}
    assert events[-1]["name"] == "action_listen"


async def test_a_conversation_that_is_no_resident_starts_in_english(deps, actions_db, domain):
    events, _ = await run(
        ActionSessionStart(deps), tracker("/session_start", "session_start", sender="default"), domain
    )
    assert slots_set(events) == {}
