"""A new session keeps settings-like slots but not a half-filed report."""

from __future__ import annotations

from actions.session import ActionSessionStart
from tests.actions.trackers import run, slots_set, tracker


async def test_session_start_drops_the_report_being_filed(domain):
    t = tracker("/session_start", "session_start", slots={"description": "half done", "requested_slot": "location"})
    t.slots["language"] = "zh"  # a slot another feature may add
    events, dispatcher = await run(ActionSessionStart(), t, domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert slots_set(events) == {"language": "zh"}
    assert events[-1]["name"] == "action_listen"
    assert dispatcher.messages == []
