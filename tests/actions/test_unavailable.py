"""With the case database down, every action apologises, raises nothing and keeps the resident's answers."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from actions.filing import ActionOpenCase
from actions.handoff import ActionHandoff
from actions.runtime.deps import Deps
from actions.status import ActionCancelRequest, ActionCheckStatus
from actions.survey import ActionRateCase
from huiyin import bootstrap
from tests.actions.trackers import run, slots_set, tracker

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"
REPORT = {"request_type": "pothole", "description": "deep hole", "location": "42 Park Lane", "confirmed": True}


@pytest.fixture
def database_down(settings):
    """The actions' settings point at a PostgreSQL server nobody listens on."""
    down = Deps(settings.model_copy(update={"database_url": UNREACHABLE}))
    yield down
    down.close()


@pytest.mark.parametrize("action, t", [
    (ActionCheckStatus, tracker("status of HY-2026-00042", "check_status", ("reference", "HY-2026-00042"))),
    (ActionCheckStatus, tracker("my requests", "check_status")),
    (ActionCancelRequest, tracker("cancel HY-2026-00042", "cancel_request", ("reference", "HY-2026-00042"))),
    (ActionCancelRequest, tracker("cancel my request", "cancel_request")),
    (ActionHandoff, tracker("a person please", "talk_to_human")),
], ids=["status", "list", "cancel", "cancel-list", "handoff"])
async def test_apology_and_no_exception(database_down, domain, action, t, caplog):
    events, dispatcher = await run(action(database_down), t, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    assert events == []
    # An outage, not a bug: one warning without a trace.
    logged = [r for r in caplog.records if r.name == "actions.runtime.errors"]
    assert [(r.levelname, r.exc_info) for r in logged] == [("WARNING", None)]


async def test_confirm_goes_back_to_the_summary_with_every_answer(database_down, domain):
    events, dispatcher = await run(ActionOpenCase(database_down), tracker("/affirm", "affirm", slots=REPORT), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    # Only the confirmation is undone; the form comes back and shows the summary again.
    assert slots_set(events) == {"confirmed": None}
    assert {"event": "active_loop", "name": "case_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]


async def test_handoff_during_a_report_keeps_the_answers(database_down, domain):
    events, _ = await run(ActionHandoff(database_down), tracker("a person please", "talk_to_human", form="case_form",
                                                    slots=REPORT), domain)
    assert slots_set(events) == {"requested_slot": None}


async def test_next_call_connects_once_the_database_is_back(deps, domain, monkeypatch):
    # The action server's database is down when the first call comes, and back for the next one.
    connect, attempts = bootstrap.database, []

    def down_once(settings):
        attempts.append(settings)
        if len(attempts) == 1:
            raise OperationalError("connect", {}, ConnectionRefusedError("database down"))
        return connect(settings)

    monkeypatch.setattr(bootstrap, "database", down_once)
    _, dispatcher = await run(ActionCheckStatus(deps), tracker("my requests", "check_status"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    _, dispatcher = await run(ActionCheckStatus(deps), tracker("my requests", "check_status"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_no_open_requests"]


@pytest.mark.action_bug
async def test_a_bug_gets_the_apology_and_is_logged_as_an_error_with_its_trace(deps, domain, monkeypatch, caplog):
    def bug():
        raise AttributeError("'NoneType' object has no attribute 'transaction'")

    monkeypatch.setattr(deps, "database", bug)
    events, dispatcher = await run(ActionOpenCase(deps), tracker("/affirm", "affirm", slots=REPORT), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    assert slots_set(events) == {"confirmed": None}  # the resident keeps the report, bug or not
    [logged] = [r for r in caplog.records if r.name == "actions.runtime.errors"]
    assert logged.levelname == "ERROR" and logged.exc_info[0] is AttributeError


async def test_a_message_said_before_the_failure_is_withdrawn(deps, domain, monkeypatch):
    # ActionRateCase thanks the resident only after the rating is recorded; a failure says the apology alone.
    def down():
        raise OperationalError("connect", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(deps, "database", down)
    t = tracker("/rate_case", "rate_case", ("reference", "HY-2026-00042"), ("rating", "5"))
    events, dispatcher = await run(ActionRateCase(deps), t, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    assert slots_set(events) == {"survey_reference": None}
