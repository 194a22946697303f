"""Starting, summarising, discarding and changing a report."""

from __future__ import annotations

from actions.changing import ActionChangeAnswer
from actions.filing import (
    ActionAskConfirmed,
    ActionDiscardReport,
    ActionStartReport,
)
from tests.actions.trackers import responses, run, slots_set, tracker, user_event

FILING = {
    "request_type",
    "description",
    "location",
    "latitude",
    "longitude",
    "photo",
    "photo_skipped",
    "answers",
    "question_answer",
    "publish_ok",
    "confirmed",
    "nearby_offer",
    "nearby_choice",
    "requested_slot",
}
NEARBY = {"nearby_choice", "nearby_offer"}  # another place or type: look for the same problem nearby again


async def test_typed_report_sets_type_and_description_and_says_the_type(deps, domain):
    events, dispatcher = await run(
        ActionStartReport(deps), tracker("  there's a massive pothole outside 42 Park Lane ", "report_pothole"), domain
    )
    slots = slots_set(events)
    assert set(slots) == FILING  # everything from an older report is cleared
    assert slots["request_type"] == "pothole"
    assert slots["description"] == "there's a massive pothole outside 42 Park Lane"
    assert slots["location"] == "42 Park Lane"  # said already: the form will not ask where
    assert dispatcher.messages[0]["response"] == "utter_report_started"
    assert dispatcher.messages[0]["type_name"] == "Pothole or damaged road"


async def test_the_form_still_asks_where_when_no_place_is_named(deps, domain):
    events, _ = await run(
        ActionStartReport(deps), tracker("the bins were not collected again", "report_garbage"), domain
    )
    assert slots_set(events)["location"] is None


async def test_button_after_the_fallback_uses_the_misunderstood_message(deps, domain):
    history = (user_event("the thing on the corner keeps going on and off", "nlu_fallback"),)
    events, dispatcher = await run(
        ActionStartReport(deps), tracker("/report_streetlight", "report_streetlight", history=history), domain
    )
    assert slots_set(events)["description"] == "the thing on the corner keeps going on and off"
    assert dispatcher.messages == []  # the resident picked the type themselves


async def test_button_after_something_else_still_finds_the_description(deps, domain):
    history = (
        user_event("it's been like this for ages", "nlu_fallback"),
        user_event("/something_else", "something_else"),
    )
    events, _ = await run(ActionStartReport(deps), tracker("/report_noise", "report_noise", history=history), domain)
    assert slots_set(events)["description"] == "it's been like this for ages"


async def test_button_from_the_menu_leaves_the_description_to_ask(deps, domain):
    history = (user_event("help", "help"),)
    events, _ = await run(
        ActionStartReport(deps), tracker("/report_drainage", "report_drainage", history=history), domain
    )
    assert slots_set(events)["request_type"] == "drainage"
    assert slots_set(events)["description"] is None


async def test_photo_and_location_sent_first_are_kept(deps, domain):
    history = (
        user_event("/share_photo{...}", "share_photo", (("photo", "telegram/2026/car.jpg"),)),
        user_event("/share_location{...}", "share_location", (("latitude", 22.5), ("longitude", 114.1))),
    )
    events, _ = await run(
        ActionStartReport(deps),
        tracker("a van is blocking my driveway", "report_illegal_parking", history=history),
        domain,
    )
    slots = slots_set(events)
    assert slots["photo"] == "telegram/2026/car.jpg"
    assert (slots["latitude"], slots["longitude"], slots["location"]) == (22.5, 114.1, "22.50000, 114.10000")


async def test_a_photo_sent_first_with_a_position_is_the_place_unless_one_is_given(deps, domain):
    photo = user_event("/share_photo{...}", "share_photo",
                       (("photo", "web/2026/11/x.jpg"), ("latitude", 31.2304), ("longitude", 121.4737)))
    events, dispatcher = await run(
        ActionStartReport(deps), tracker("the bin here is overflowing", "report_garbage", history=(photo,)), domain)
    slots = slots_set(events)
    assert (slots["location"], slots["latitude"], slots["longitude"]) == ("31.23040, 121.47370", 31.2304, 121.4737)
    assert "utter_location_from_photo" in responses(dispatcher)

    # A place typed in the message is the resident's own: the photo's position does not replace it.
    events, dispatcher = await run(ActionStartReport(deps), tracker(
        "the bin outside 42 Park Lane is overflowing", "report_garbage", history=(photo,)), domain)
    assert slots_set(events)["location"] == "42 Park Lane" and slots_set(events)["latitude"] is None
    assert "utter_location_from_photo" not in responses(dispatcher)


async def test_summary_shows_every_answer(domain):
    slots = {"request_type": "pothole", "description": "deep hole", "location": "42 Park Lane", "photo": "a/b.jpg"}
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/share_photo", "share_photo", slots=slots), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_summary_with_photo"
    assert (message["type_name"], message["description"], message["location"]) == (
        "Pothole or damaged road",
        "deep hole",
        "42 Park Lane",
    )
    _, dispatcher = await run(ActionAskConfirmed(), tracker("/deny", "deny", slots={**slots, "photo": None}), domain)
    assert responses(dispatcher) == ["utter_summary_without_photo"]


async def test_discard_ends_the_form_and_forgets_the_answers(deps, domain):
    events, dispatcher = await run(
        ActionDiscardReport(deps),
        tracker("cancel", "cancel_request", form="case_form", slots={"description": "x"}),
        domain,
    )
    assert responses(dispatcher) == ["utter_report_discarded"]
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert set(slots_set(events)) == FILING and not any(slots_set(events).values())


async def test_change_answer_clears_that_answer_and_the_confirmation(domain):
    for field, cleared in (
        ("location", {"location", "latitude", "longitude", *NEARBY}),
        ("address", {"location", "latitude", "longitude", *NEARBY}),
        ("photo", {"photo", "photo_skipped"}),
        ("description", {"description"}),
        ("request_type", {"request_type", *NEARBY}),
    ):
        events, dispatcher = await run(
            ActionChangeAnswer(), tracker("change it", "change_answer", ("field", field), form="case_form"), domain
        )
        assert slots_set(events) == {name: None for name in cleared | {"confirmed"}}, field
        assert dispatcher.messages == []


async def test_chinese_change_answer_names_the_answer_in_its_words(domain):
    for text, cleared in (
        ("我要改一下地址", {"location", "latitude", "longitude", *NEARBY}),
        ("换一张照片", {"photo", "photo_skipped"}),
        ("描述写错了", {"description"}),
        ("类型选错了", {"request_type", *NEARBY}),
    ):
        events, _ = await run(ActionChangeAnswer(), tracker(text, "change_answer", form="case_form"), domain)
        assert slots_set(events) == {name: None for name in cleared | {"confirmed"}}, text


async def test_change_answer_without_field_asks_which(domain):
    events, dispatcher = await run(
        ActionChangeAnswer(), tracker("change something", "change_answer", form="case_form"), domain
    )
    assert events == [] and responses(dispatcher) == ["utter_ask_which_change"]


async def test_change_answer_without_a_report(domain):
    events, dispatcher = await run(
        ActionChangeAnswer(), tracker("change the location", "change_answer", ("field", "location")), domain
    )
    assert events == [] and responses(dispatcher) == ["utter_nothing_to_change"]


def asked(confidence: float, report: str = "report_noise") -> list[dict]:
    """An intent ranking where NLU chose a report and gave ask_policy `confidence`."""
    return [{"name": report, "confidence": 0.9}, {"name": "ask_policy", "confidence": confidence},
            {"name": "help", "confidence": 0.001}]


async def test_a_report_put_as_a_policy_question_gets_the_answer_and_a_report_button(deps, actions_db, domain):
    from cases.clock import utcnow
    from cases.policies import loader

    with actions_db.transaction() as session:
        loader.seed_sample(session, now=utcnow())
    question = "the builders next door pour concrete at 2am, are they allowed to work at night?"
    events, dispatcher = await run(ActionStartReport(deps), tracker(question, "report_noise", ranking=asked(0.05)),
                                   domain)
    assert responses(dispatcher) == ["utter_policy_answer", "utter_policy_or_report"]
    assert "construction" in dispatcher.messages[0]["title"].lower()
    assert dispatcher.messages[1]["report_intent"] == "report_noise"
    assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]  # no report started
    # "Report it": the report starts, its description the question the resident typed.
    events, dispatcher = await run(ActionStartReport(deps), tracker(
        "/report_noise", "report_noise", history=(user_event(question, "report_noise"),)), domain)
    assert slots_set(events)["request_type"] == "noise" and slots_set(events)["description"] == question
    # Told, not asked; asked with no confidence in a policy question; or nothing fits: the report starts.
    for text, confidence in ((question.replace(", are they allowed to work at night?", "."), 0.05),
                             (question, 0.001),
                             ("the music from the karaoke bar downstairs is so loud, who do I call?", 0.05)):
        events, dispatcher = await run(ActionStartReport(deps), tracker(text, "report_noise",
                                                                        ranking=asked(confidence)), domain)
        assert responses(dispatcher) == ["utter_report_started"], text
        assert slots_set(events)["request_type"] == "noise"


async def test_a_chinese_report_put_as_a_policy_question(deps, actions_db, domain):
    from cases.clock import utcnow
    from cases.policies import loader

    with actions_db.transaction() as session:
        loader.seed_sample(session, now=utcnow())
    _, dispatcher = await run(ActionStartReport(deps), tracker(
        "楼下的树枝伸到我家阳台了，可以申请修剪吗？", "report_tree", slots={"language": "zh"},
        ranking=asked(0.15, "report_tree")), domain)
    assert responses(dispatcher) == ["utter_policy_answer", "utter_policy_or_report"]
    assert "树" in dispatcher.messages[0]["title"]
    _, dispatcher = await run(ActionStartReport(deps), tracker(
        "楼下的树枝伸到我家阳台了，挡住了窗户", "report_tree", slots={"language": "zh"},
        ranking=asked(0.15, "report_tree")), domain)
    assert responses(dispatcher) == ["utter_report_started"]
