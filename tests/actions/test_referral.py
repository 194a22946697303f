"""action_refer: a matter that is not the city's gets its referral, or the general answer; nothing is filed."""

from __future__ import annotations

from actions.referral import ActionRefer
from cases.referrals import load_referrals
from tests.actions.trackers import run, tracker


def answer(topic_code: str, language: str) -> str:
    return next(t for t in load_referrals() if t.code == topic_code).answer_in(language)


async def test_a_power_cut_is_referred_to_the_power_company(domain):
    events, dispatcher = await run(ActionRefer(), tracker("no electricity in our flat since 7am", "out_of_scope"),
                                   domain)
    assert events == []  # no slot: nothing is filed or started
    [message] = dispatcher.messages
    assert message["response"] == "utter_referral" and message["referral"] == answer("power_outage", "en")


async def test_the_referral_is_in_the_residents_language(domain):
    _, dispatcher = await run(ActionRefer(), tracker("小区暖气一直不热", "out_of_scope", slots={"language": "zh"}),
                              domain)
    assert dispatcher.messages[0]["referral"] == answer("heating", "zh")


async def test_anything_else_gets_the_general_answer(domain):
    _, dispatcher = await run(ActionRefer(), tracker("what's the weather tomorrow", "out_of_scope"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
