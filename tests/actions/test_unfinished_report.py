"""A half-filed report lost with the conversation (Rasa restarted, the session expired) is not lost silently."""

from __future__ import annotations

import yaml

from actions.filing import ActionDiscardReport, ActionOpenCase, ActionStartReport
from actions.handoff import ActionHandoff
from actions.session import ActionSessionStart
from bot import texts
from cases.residents import find_resident, get_or_create_resident
from huiyin.settings import PROJECT_ROOT
from tests.actions.trackers import run, tracker

SLOTS = {"request_type": "pothole", "description": "deep pothole in the cycle lane", "location": "42 Park Lane",
         "latitude": None, "longitude": None, "photo": None, "confirmed": True}


def start(domain):
    return tracker("there is a pothole on Park Lane", "report_pothole", domain=domain)


def fresh_session():
    """The tracker Rasa makes after a restart: nothing remembered."""
    return tracker("/session_start", "session_start")


def filing(db) -> bool:
    with db.transaction() as session:
        return find_resident(session, channel="telegram", external_id="100").filing_started_at is not None


async def test_a_report_lost_with_the_conversation_is_said_once_in_the_residents_language(deps, actions_db, domain):
    with actions_db.transaction() as session:
        get_or_create_resident(session, channel="telegram", external_id="100", language="zh")
    await run(ActionStartReport(deps), start(domain), domain)
    assert filing(actions_db)
    # Rasa restarts: the report's answers are gone, and the new conversation says so.
    _, dispatcher = await run(ActionSessionStart(deps), fresh_session(), domain)
    [message] = dispatcher.messages
    assert message["text"].startswith("抱歉，您刚才填写的诉求没有提交")
    assert not filing(actions_db)
    _, again = await run(ActionSessionStart(deps), fresh_session(), domain)
    assert again.messages == []


async def test_english_by_default(deps, actions_db, domain):
    await run(ActionStartReport(deps), start(domain), domain)
    _, dispatcher = await run(ActionSessionStart(deps), fresh_session(), domain)
    assert [m["text"] for m in dispatcher.messages] == [
        "Sorry, the report you were filing was not sent: our conversation was interrupted. "
        "Please start again by telling me what the problem is."]


async def test_filed_discarded_or_handed_to_a_person_says_nothing_later(deps, actions_db, domain):
    for finish in (
        lambda: run(ActionOpenCase(deps), tracker("/affirm", "affirm", slots=SLOTS, domain=domain), domain),
        lambda: run(ActionDiscardReport(deps), tracker("cancel", "cancel_request", domain=domain), domain),
        lambda: run(ActionHandoff(deps), tracker("a person please", "talk_to_human", domain=domain, form="case_form"),
                    domain),
    ):
        await run(ActionStartReport(deps), start(domain), domain)
        await finish()
        assert not filing(actions_db)
        _, dispatcher = await run(ActionSessionStart(deps), fresh_session(), domain)
        assert dispatcher.messages == []


def test_no_apology_claims_that_nothing_was_lost():
    domain_text = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
    responses = yaml.safe_load(domain_text)["responses"]
    said = [v.get("text", "") for variations in responses.values() for v in variations]
    said += [text for language in texts.TEXTS.values() for text in language.values()]
    for text in said:
        assert "lost" not in text.lower() and "丢失" not in text, text
