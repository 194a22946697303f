"""A message put as a question, in English or Chinese, and when a message NLU took for another intent is worth
asking the policy list about."""

from __future__ import annotations

import pytest

from cases.policies.asking import MIN_POLICY_CONFIDENCE, asks, worth_asking


@pytest.mark.parametrize("text", [
    "are they allowed to pour concrete at 2am", "who pays for my wheel?", "Can I put the sofa out on Monday",
    "is it ok to burn leaves in the garden", "do i need a permit for a skip", "树枝伸到阳台上了 找谁剪",
    "隔壁工地凌晨还在打桩，这样允许吗", "停水都不通知的吗", "大件垃圾怎么扔", "几点可以装修"])
def test_questions_are_questions(text):
    assert asks(text)


@pytest.mark.parametrize("text", [
    "pothole outside 42 Park Lane", "the builders next door pour concrete at 2am every night",
    "Streetlight out, Elm Road j/w Cedar Close", "人民路12号门口有个大坑", "楼下的树枝伸到我家阳台了，挡住了窗户",
    "小区垃圾桶满了三天没人清"])
def test_reports_that_tell_are_not(text):
    assert not asks(text)


def test_worth_asking_needs_a_typed_question_and_some_confidence():
    question = "the site next door works at 2am, are they allowed to?"
    assert worth_asking(question, MIN_POLICY_CONFIDENCE)
    assert not worth_asking(question, MIN_POLICY_CONFIDENCE / 2)
    assert not worth_asking("the site next door works at 2am", 0.5)
    assert not worth_asking("/report_noise", 0.5)  # a button's payload
    assert not worth_asking("", 0.5)
