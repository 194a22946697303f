"""Choosing the language: the buttons, storing the choice on the resident, answering in the new language."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from actions.language import ActionSetLanguage, response_in
from cases.residents import find_resident, get_or_create_resident
from tests.actions.trackers import run, slots_set, tracker


def stored(database, external_id="100"):
    with database.transaction() as session:
        return find_resident(session, channel="telegram", external_id=external_id).language


async def test_without_a_language_the_choice_is_offered(deps, actions_db, domain):
    events, dispatcher = await run(ActionSetLanguage(deps), tracker("/set_language", "set_language"), domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_choose_language"]


async def test_choosing_chinese_stores_it_and_answers_in_chinese(deps, actions_db, domain):
    with actions_db.transaction() as session:
        get_or_create_resident(session, channel="telegram", external_id="100", language="en")
    t = tracker('/set_language{"language":"zh"}', "set_language", ("language", "zh"), slots={"language": "en"})
    events, dispatcher = await run(ActionSetLanguage(deps), t, domain)
    assert slots_set(events) == {"language": "zh"}
    assert stored(actions_db) == "zh"
    [message] = dispatcher.messages
    assert message["text"] == "好的，之后我将使用中文与您交流，诉求进展通知也将以中文发送。"


async def test_back_to_english_answers_in_english(deps, actions_db, domain):
    with actions_db.transaction() as session:
        get_or_create_resident(session, channel="telegram", external_id="100", language="zh")
    t = tracker("switch to English", "set_language", ("language", "EN"), slots={"language": "zh"})
    events, dispatcher = await run(ActionSetLanguage(deps), t, domain)
    assert slots_set(events) == {"language": "en"}
    assert stored(actions_db) == "en"
    assert dispatcher.messages[0]["text"].startswith("OK, I'll use English")


async def test_a_language_we_do_not_speak_gets_the_choice(deps, actions_db, domain):
    t = tracker('/set_language{"language":"fr"}', "set_language", ("language", "fr"))
    events, dispatcher = await run(ActionSetLanguage(deps), t, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_choose_language"]


async def test_database_down_apologises_and_changes_nothing(deps, domain, monkeypatch):
    def broken():
        raise OperationalError("connect", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(deps, "database", broken)
    t = tracker('/set_language{"language":"zh"}', "set_language", ("language", "zh"))
    events, dispatcher = await run(ActionSetLanguage(deps), t, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]


def test_response_in_falls_back_to_the_unconditional_variation(domain):
    assert response_in(domain, "utter_language_set", "fr") == response_in(domain, "utter_language_set", "en")
    assert response_in(domain, "utter_choose_language", "zh")["buttons"][1]["title"] == "中文"
