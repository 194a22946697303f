"""action_refer: a matter that is not the city's gets its referral, else a policy answer that fits, else the
general answer; nothing is filed."""

from __future__ import annotations

from actions.referral import ActionRefer
from cases.clock import utcnow
from cases.policies import loader
from cases.referrals import load_referrals
from tests.actions.trackers import run, tracker


def answer(topic_code: str, language: str) -> str:
    return next(t for t in load_referrals() if t.code == topic_code).answer_in(language)


async def test_a_power_cut_is_referred_to_the_power_company(deps, domain):
    events, dispatcher = await run(ActionRefer(deps), tracker("no electricity in our flat since 7am", "out_of_scope"),
                                   domain)
    assert events == []  # no slot: nothing is filed or started
    [message] = dispatcher.messages
    assert message["response"] == "utter_referral" and message["referral"] == answer("power_outage", "en")


async def test_the_referral_is_in_the_residents_language(deps, domain):
    _, dispatcher = await run(ActionRefer(deps), tracker("小区暖气一直不热", "out_of_scope", slots={"language": "zh"}),
                              domain)
    assert dispatcher.messages[0]["referral"] == answer("heating", "zh")


async def test_anything_else_gets_the_general_answer(deps, domain):
    _, dispatcher = await run(ActionRefer(deps), tracker("what's the weather tomorrow", "out_of_scope"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


async def test_a_question_taken_as_out_of_scope_gets_the_policy_answer_that_fits(deps, actions_db, domain):
    with actions_db.transaction() as session:
        loader.seed_sample(session, now=utcnow())
    _, dispatcher = await run(ActionRefer(deps), tracker("can I charge my e-bike in the stairwell", "out_of_scope"),
                              domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_answer" and message["title"] == "Charging electric bikes safely"
    # A referral comes first, whatever the policy list holds; and nothing that fits is the general answer.
    _, dispatcher = await run(ActionRefer(deps), tracker("no electricity in our flat since 7am", "out_of_scope"),
                              domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_referral"]
    _, dispatcher = await run(ActionRefer(deps), tracker("what's the weather tomorrow", "out_of_scope"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
