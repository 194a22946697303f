"""Referrals (cases/referrals.yml): what is not the city's gets the right place to go, a smell of gas at once."""

from __future__ import annotations

import pytest

from cases.referrals import load_referrals, parse_referrals, referral_for, urgent_referral_for


def code(text: str) -> str | None:
    topic = referral_for(text)
    return topic.code if topic else None


@pytest.mark.parametrize(("text", "expected"), [
    ("no power on our whole street since 6am", "power_outage"),
    ("Power cut", "power_outage"),
    ("整栋楼从早上就停电了", "power_outage"),
    ("我家沒電了", "power_outage"),
    ("radiators stone cold again, landlord ignoring me", "heating"),
    ("小区暖气不热，家里才十几度", "heating"),
    ("my employer hasn't paid me for two months", "wages"),
    ("老板拖欠我们三个月工资", "wages"),
    ("how do I get a school place for my son", "school"),
    ("孩子明年入学，学位怎么申请", "school"),
    ("where do I renew my residence permit", "household_registration"),
    ("戶口遷移要去哪裡辦", "household_registration"),
    ("a smell of gas on the landing", "gas"),
    ("can you fix my broadband", None),
])
def test_each_matter_finds_its_topic(text, expected):
    assert code(text) == expected


@pytest.mark.parametrize("text", ["I can smell gas in the stairwell", "GAS LEAK outside no. 4", "楼道里一股煤气味",
                                  "樓道有燃氣味", "smells like gas near the school"])
def test_a_smell_of_gas_is_urgent(text):
    topic = urgent_referral_for(text)
    assert topic is not None and topic.code == "gas"


@pytest.mark.parametrize("text", ["the gas station on Elm St has litter everywhere", "燃气管道施工噪音太大",
                                  "the heating of the tarmac", "overheating transformer humming all night",
                                  "the lamp is gassy"])
def test_nothing_else_is_urgent(text):
    assert urgent_referral_for(text) is None


def test_english_keywords_are_whole_words():
    assert code("overheating transformer humming all night") is None  # "heating" inside a word
    assert code("the wage slip") == "wages"


def test_every_topic_answers_in_both_languages_and_gas_comes_first():
    topics = load_referrals()
    assert topics[0].code == "gas"
    for topic in topics:
        assert topic.answer_in("en") and topic.answer_in("zh") and topic.answer_in("zh") != topic.answer_in("en")
    assert "119" in topics[0].answer_in("en") and "119" in topics[0].answer_in("zh")


def test_a_topic_needs_its_code_and_english_answer():
    with pytest.raises(ValueError, match="English answer"):
        parse_referrals("topics:\n  - code: x\n    answer: {zh: 去别处}\n")
    [topic] = parse_referrals(
        "topics:\n  - code: x\n    keywords: {en: [bus pass]}\n    answer: {en: Ask the bus company.}\n")
    assert topic.answer_in("zh") == "Ask the bus company." and referral_for("my bus pass", [topic]) is topic


def test_text_opencc_cannot_take_is_matched_as_written():
    assert urgent_referral_for("\ud800 煤气味 \udfff") is not None  # lone surrogates: no conversion, no crash
    assert referral_for("\ud800停電") is not None
