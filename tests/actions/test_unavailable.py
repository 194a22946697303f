"""With the case database down, every action apologises, raises nothing and keeps the resident's answers."""

from __future__ import annotations

import pytest

from actions import deps
from actions.filing import ActionOpenCase
from actions.handoff import ActionHandoff
from actions.status import ActionCancelRequest, ActionCheckStatus
from cases.config import get_settings
from tests.actions.trackers import run, slots_set, tracker

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"
REPORT = {"request_type": "pothole", "description": "deep hole", "location": "42 Park Lane", "confirmed": True}


@pytest.fixture
def database_down(settings, monkeypatch):
    """The settings point at a PostgreSQL server nobody listens on."""
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    get_settings.cache_clear()
    deps.reset()
    yield
    deps.reset()
    get_settings.cache_clear()


@pytest.mark.parametrize("action, t", [
    (ActionCheckStatus(), tracker("status of HY-2026-00042", "check_status", ("reference", "HY-2026-00042"))),
    (ActionCheckStatus(), tracker("my requests", "check_status")),
    (ActionCancelRequest(), tracker("cancel HY-2026-00042", "cancel_request", ("reference", "HY-2026-00042"))),
    (ActionCancelRequest(), tracker("cancel my request", "cancel_request")),
    (ActionHandoff(), tracker("a person please", "talk_to_human")),
], ids=["status", "list", "cancel", "cancel-list", "handoff"])
async def test_apology_and_no_exception(database_down, domain, action, t):
    events, dispatcher = await run(action, t, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    assert events == []


async def test_confirm_goes_back_to_the_summary_with_every_answer(database_down, domain):
    events, dispatcher = await run(ActionOpenCase(), tracker("/affirm", "affirm", slots=REPORT), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    # Only the confirmation is undone; the form comes back and shows the summary again.
    assert slots_set(events) == {"confirmed": None}
    assert {"event": "active_loop", "name": "case_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]


async def test_handoff_during_a_report_keeps_the_answers(database_down, domain):
    events, _ = await run(ActionHandoff(), tracker("a person please", "talk_to_human", form="case_form",
                                                    slots=REPORT), domain)
    assert slots_set(events) == {"requested_slot": None}


async def test_next_call_connects_once_the_database_is_back(database_down, domain, settings, monkeypatch):
    await run(ActionCheckStatus(), tracker("my requests", "check_status"), domain)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    _, dispatcher = await run(ActionCheckStatus(), tracker("my requests", "check_status"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_no_open_requests"]
