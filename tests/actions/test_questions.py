"""A request type's own questions in the filing form: asked after the place, answered, skipped, summarised, filed."""

from __future__ import annotations

from sqlalchemy import select

from actions.case_form import ValidateCaseForm
from actions.changing import ActionChangeAnswer
from actions.filing import ActionAskConfirmed, ActionOpenCase
from actions.questions import ActionAskQuestionAnswer
from cases.models import Case
from tests.actions.trackers import responses, run, slots_set, tracker

FORM = "case_form"
NOISE = {"request_type": "noise", "description": "loud music from the bar", "location": "12 Mill Lane"}
PARKING = {"request_type": "illegal_parking", "description": "van on the pavement", "location": "3 Elm Road"}
ANIMAL = {"request_type": "animal", "description": "a fox in the park", "location": "Hill Park gate"}


async def validate(domain, text, intent, *entities, **slots):
    """Run validate_case_form on one message with the form active."""
    t = tracker(text, intent, *entities, slots=slots, form=FORM, domain=domain)
    return await run(ValidateCaseForm(), t, domain)


async def ask(domain, **slots):
    """What action_ask_question_answer says for these slots."""
    _, dispatcher = await run(ActionAskQuestionAnswer(), tracker("x", "inform", slots=slots, domain=domain), domain)
    return dispatcher.messages


async def test_the_types_questions_come_after_the_place(domain):
    events, _ = await validate(domain, "12 Mill Lane", "inform", requested_slot="location",
                               request_type="noise", description="loud music from the bar")
    assert slots_set(events)["requested_slot"] == "question_answer"
    # A type without questions goes straight to the photo.
    events, _ = await validate(domain, "12 Mill Lane", "inform", requested_slot="location",
                               request_type="pothole", description="deep hole")
    assert slots_set(events)["requested_slot"] == "photo"


async def test_a_question_is_asked_with_its_choices_as_buttons_and_skip_when_optional(domain):
    [message] = await ask(domain, **NOISE)
    assert message["text"] == "When does the noise happen?"
    assert [b["title"] for b in message["buttons"]] == ["Right now", "During the day", "At night", "All the time",
                                                        "Skip"]
    assert message["buttons"][2]["payload"] == '/inform{"choice":"night"}'
    assert message["buttons"][-1]["payload"] == "/deny"
    [message] = await ask(domain, **ANIMAL, language="zh")
    assert message["text"] == "动物是死亡、受伤，还是有危险性？"
    assert "跳过" not in [b["title"] for b in message["buttons"]]  # required: no Skip
    assert all(len(b["payload"].encode()) <= 64 for b in message["buttons"])  # Telegram's callback data limit


async def test_a_button_answers_and_the_form_moves_on(domain):
    events, dispatcher = await validate(domain, '/inform{"choice":"night"}', "inform", ("choice", "night"),
                                        requested_slot="question_answer", **NOISE)
    assert slots_set(events)["answers"] == {"when": "night"}
    assert slots_set(events)["requested_slot"] == "photo"
    assert dispatcher.messages == []


async def test_typed_answers_name_a_choice_in_either_language_or_by_number(domain):
    for text, intent in (("at night", "inform"), ("夜间", "nlu_fallback"), ("3", "inform"), ("At Night!", "greet")):
        events, _ = await validate(domain, text, intent, requested_slot="question_answer", **NOISE)
        assert slots_set(events)["answers"] == {"when": "night"}, text


async def test_an_answer_that_is_no_choice_is_refused_and_asked_again(domain):
    events, dispatcher = await validate(domain, "whenever it likes", "inform", requested_slot="question_answer",
                                        **NOISE)
    assert responses(dispatcher) == ["utter_question_pick_choice"]
    assert slots_set(events) == {"question_answer": None, "requested_slot": "question_answer"}


async def test_an_optional_question_is_skipped(domain):
    for text, intent in (("/deny", "deny"), ("skip", "inform"), ("跳过", "nlu_fallback")):
        events, _ = await validate(domain, text, intent, requested_slot="question_answer", **NOISE)
        assert slots_set(events)["answers"] == {"when": None}, text
        assert slots_set(events)["requested_slot"] == "photo"


async def test_a_required_question_cannot_be_skipped(domain):
    events, dispatcher = await validate(domain, "/deny", "deny", requested_slot="question_answer", **ANIMAL)
    assert responses(dispatcher) == ["utter_question_required"]
    assert "answers" not in slots_set(events)


async def test_questions_are_asked_one_after_the_other_and_no_answers_a_yes_no_question(domain):
    events, _ = await validate(domain, " ab12  cde ", "inform", requested_slot="question_answer", **PARKING)
    answers = slots_set(events)["answers"]
    assert answers == {"plate": "ab12  cde"}
    assert slots_set(events)["requested_slot"] == "question_answer"  # the next question
    [message] = await ask(domain, **PARKING, answers=answers)
    assert message["text"] == "Is it blocking a driveway or an entrance?"
    events, _ = await validate(domain, "no", "deny", requested_slot="question_answer", **PARKING, answers=answers)
    assert slots_set(events)["answers"] == {"plate": "ab12  cde", "blocking": "no"}  # the answer, not a skip


async def test_no_to_a_free_text_question_skips_it_and_small_talk_asks_again(domain):
    events, _ = await validate(domain, "no", "deny", requested_slot="question_answer", **PARKING)
    assert slots_set(events)["answers"] == {"plate": None}
    events, dispatcher = await validate(domain, "thanks", "thank", requested_slot="question_answer", **PARKING)
    assert slots_set(events) == {"question_answer": None, "requested_slot": "question_answer"}
    assert dispatcher.messages == []


async def test_the_summary_shows_the_answers_and_offers_to_change_them(domain):
    slots = {**PARKING, "answers": {"plate": "AB12 CDE", "blocking": "yes"}, "photo": None}
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots=slots, domain=domain), domain)
    [message] = dispatcher.messages
    assert message["details"] == ("\nWhat is the vehicle's number plate? AB12 CDE"
                                  "\nIs it blocking a driveway or an entrance? Yes")
    assert message["buttons"] == [{"title": "Change details", "payload": '/change_answer{"field":"answers"}'}]
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots={**slots, "language": "zh"},
                                                            domain=domain), domain)
    assert dispatcher.messages[0]["details"] == "\n车牌号是多少？ AB12 CDE\n是否堵住了出入口或车库门？ 是"
    # A type without questions has no details and no extra button.
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots={
        "request_type": "pothole", "description": "hole", "location": "Elm St"}, domain=domain), domain)
    assert dispatcher.messages[0]["details"] == "" and dispatcher.messages[0]["buttons"] == []


async def test_change_details_asks_the_questions_again(domain):
    for text, entities in (("/change_answer", (("field", "answers"),)), ("补充信息填错了", ())):
        events, _ = await run(ActionChangeAnswer(), tracker(text, "change_answer", *entities, form=FORM), domain)
        assert slots_set(events) == {"answers": None, "question_answer": None, "confirmed": None}, text


async def test_confirm_files_the_answers_of_the_current_type_only(deps, backend_db, domain):
    # "blocking_road" was answered while the report was a tree; the resident changed the type since.
    slots = {**PARKING, "latitude": None, "longitude": None, "photo": None, "confirmed": True,
             "answers": {"plate": None, "blocking": "yes", "blocking_road": "no"}}
    await run(ActionOpenCase(deps), tracker("/affirm", "affirm", slots=slots, domain=domain), domain)
    with backend_db.transaction() as session:
        [case] = session.scalars(select(Case)).all()
        assert case.answers == {"blocking": "yes"}


async def test_the_summary_says_what_may_be_published_and_dont_publish_is_kept_on_the_case(deps, backend_db, domain):
    slots = {**PARKING, "photo": None}
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots=slots, domain=domain), domain)
    assert "without your name" in dispatcher.messages[0]["publication"]
    events, _ = await run(ActionChangeAnswer(), tracker("/change_answer", "change_answer", ("field", "publication"),
                                                        form=FORM), domain)
    assert slots_set(events) == {"publish_ok": False, "confirmed": None}
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots={**slots, "publish_ok": False,
                                                                                    "language": "zh"},
                                                            domain=domain), domain)
    assert "不展示您的描述和照片" in dispatcher.messages[0]["publication"]
    filing = {**PARKING, "latitude": None, "longitude": None, "photo": None, "confirmed": True, "publish_ok": False}
    await run(ActionOpenCase(deps), tracker("/affirm", "affirm", slots=filing, domain=domain), domain)
    with backend_db.transaction() as session:
        [case] = session.scalars(select(Case)).all()
        assert case.publish_allowed is False
