"""action_answer_policy: the best live answer with its source and dates, or the offer of a person."""

from __future__ import annotations

from datetime import timedelta

from actions.policy import ActionAnswerPolicy
from cases.clock import utcnow
from cases.policies import loader, service
from tests.actions.trackers import run, tracker


def seed(database) -> None:
    with database.transaction() as session:
        loader.seed_sample(session, now=utcnow())


async def test_an_english_question_gets_the_answer_source_and_date(deps, actions_db, domain):
    seed(actions_db)
    _, dispatcher = await run(ActionAnswerPolicy(deps), tracker("how do I sort my rubbish", "ask_policy"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_answer"
    assert message["title"] == "How to sort household waste"
    assert message["source"] == "https://www.example.gov/waste/sorting"
    assert message["validity"] == "Effective since 2024-01-01."


async def test_a_chinese_question_gets_the_chinese_answer(deps, actions_db, domain):
    seed(actions_db)
    _, dispatcher = await run(ActionAnswerPolicy(deps),
                              tracker("怎么申请占道停车", "ask_policy", slots={"language": "zh"}), domain)
    [message] = dispatcher.messages
    assert message["title"] == "申请占道停车（路边停车泊位）" and "泊位" in message["answer"]
    assert message["validity"] == "自 2024-03-01 起施行。"


async def test_an_answer_that_expires_says_its_last_day(deps, actions_db, domain):
    today = utcnow().date()
    with actions_db.transaction() as session:
        service.create_policy(session, code="stalls", now=utcnow(), fields={
            "title_en": "Street stalls", "answer_en": "Only at night markets.", "keywords_en": "street stall",
            "source_url": "", "effective_from": today - timedelta(days=5), "expires_on": today + timedelta(days=5)})
    _, dispatcher = await run(ActionAnswerPolicy(deps), tracker("street stalls", "ask_policy"), domain)
    [message] = dispatcher.messages
    assert message["source"] == "—"
    last = today + timedelta(days=4)
    assert message["validity"] == f"Effective since {today - timedelta(days=5)}, valid until {last}."


async def test_no_match_offers_a_person_or_no_thanks(deps, actions_db, domain):
    seed(actions_db)
    for text, lang in (("how do I renew my passport", "en"), ("冬季取暖补贴怎么申请", "zh")):
        _, dispatcher = await run(ActionAnswerPolicy(deps), tracker(text, "ask_policy", slots={"language": lang}),
                                  domain)
        [message] = dispatcher.messages
        assert message["response"] == "utter_policy_no_answer"
    buttons = domain["responses"]["utter_policy_no_answer"][-1]["buttons"]
    assert [b["payload"] for b in buttons] == ["/talk_to_human", "/deny"]


async def test_no_match_while_filing_offers_a_person_without_no_thanks(deps, actions_db, domain):
    seed(actions_db)
    _, dispatcher = await run(ActionAnswerPolicy(deps),
                              tracker("how do I renew my passport", "ask_policy", form="case_form"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_no_answer_in_form"]


async def test_an_empty_policy_database_offers_a_person(deps, actions_db, domain):
    _, dispatcher = await run(ActionAnswerPolicy(deps), tracker("how do I sort my rubbish", "ask_policy"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_no_answer"]


def test_the_server_builds_the_index_before_its_first_call_and_starts_without_a_database(deps, actions_db, settings,
                                                                                        caplog):
    import actions.policy as policy
    from actions.runtime.deps import Deps

    seed(actions_db)
    where = str(actions_db.engine.url)
    policy._INDEX._built.pop(where, None)
    policy.warm(deps)
    # Built at start: the first question finds the index ready.
    built = policy._INDEX._built[where][1]
    with actions_db.transaction() as session:
        assert policy._INDEX.index(session) is built
    down = Deps(settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/x"}))
    try:
        policy.warm(down)  # no database yet: the server still starts, the first question builds the index
    finally:
        down.close()
    assert "policy answers not indexed at start" in caplog.text
