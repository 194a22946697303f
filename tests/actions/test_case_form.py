"""The filing form's validation action: which message answers which question, and what is refused."""

from __future__ import annotations

from actions.answers import MAX_DESCRIPTION
from actions.case_form import ValidateCaseForm
from tests.actions.trackers import responses, run, slots_set, tracker

FORM = "case_form"
FILLED = {"request_type": "pothole", "description": "deep pothole"}


async def validate(domain, text, intent, *entities, **slots):
    """Run validate_case_form on one message with the form active."""
    t = tracker(text, intent, *entities, slots=slots, form=FORM, domain=domain)
    return await run(ValidateCaseForm(), t, domain)


async def test_typed_address_fills_location_then_asks_for_the_photo(domain):
    events, dispatcher = await validate(domain, "27 Rosemary  Close", "inform", requested_slot="location", **FILLED)
    # A pothole has no questions of its own: the photo is next.
    assert slots_set(events) == {"location": "27 Rosemary Close", "latitude": None, "longitude": None,
                                 "requested_slot": "photo"}
    assert dispatcher.messages == []


async def test_low_confidence_answer_is_still_the_address(domain):
    events, _ = await validate(
        domain, "the rec behind the Odeon", "nlu_fallback", requested_slot="location", **FILLED
    )
    assert slots_set(events)["location"] == "the rec behind the Odeon"


async def test_shared_location_sets_coordinates(domain):
    events, _ = await validate(
        domain,
        '/share_location{"latitude": 51.5, "longitude": -0.12}',
        "share_location",
        ("latitude", 51.5),
        ("longitude", -0.12),
        requested_slot="location",
        **FILLED,
    )
    assert slots_set(events) == {"location": "51.50000, -0.12000", "latitude": 51.5, "longitude": -0.12,
                                 "requested_slot": "photo"}


async def test_location_shared_while_asked_for_the_photo_is_kept(domain):
    events, dispatcher = await validate(
        domain,
        "/share_location{...}",
        "share_location",
        ("latitude", "22.5"),
        ("longitude", "114.1"),
        requested_slot="photo",
        location="Old Street",
        **FILLED,
    )
    assert slots_set(events)["latitude"] == 22.5 and slots_set(events)["location"] == "22.50000, 114.10000"
    assert dispatcher.messages == []


async def test_out_of_range_coordinates_are_refused(domain):
    events, dispatcher = await validate(
        domain,
        "/share_location{...}",
        "share_location",
        ("latitude", 91),
        ("longitude", 0),
        requested_slot="location",
        **FILLED,
    )
    assert slots_set(events)["location"] is None
    assert responses(dispatcher) == ["utter_invalid_coordinates"]


async def test_short_long_and_small_talk_addresses_are_refused(domain):
    for text, intent, response in (
        ("x1", "inform", "utter_invalid_address"),
        ("a" * 301, "inform", "utter_address_too_long"),
        ("hello there", "greet", "utter_invalid_address"),
        ("/affirm", "affirm", "utter_invalid_address"),
    ):
        events, dispatcher = await validate(domain, text, intent, requested_slot="location", **FILLED)
        assert slots_set(events)["location"] is None, text
        assert responses(dispatcher) == [response], text


async def test_a_short_chinese_place_name_is_an_address(domain):
    events, dispatcher = await validate(domain, "人民路", "inform", requested_slot="location", **FILLED)
    assert slots_set(events)["location"] == "人民路" and responses(dispatcher) == []
    events, dispatcher = await validate(domain, "路", "inform", requested_slot="location", **FILLED)
    assert slots_set(events)["location"] is None and responses(dispatcher) == ["utter_invalid_address"]


async def test_address_of_300_characters_is_accepted(domain):
    address = "12 " + "b" * 297
    events, _ = await validate(domain, address, "inform", requested_slot="location", **FILLED)
    assert slots_set(events)["location"] == address


async def test_a_place_no_crew_could_find_is_asked_again_saying_what_is_missing(domain):
    for text in ("小区门口", "河边那条路", "near my house", "by the bus stop", "round the corner from me"):
        events, dispatcher = await validate(domain, text, "inform", requested_slot="location", **FILLED)
        assert slots_set(events)["location"] is None, text
        assert responses(dispatcher) == ["utter_location_vague"], text
    for text in ("幸福小区3号楼门口", "信義路二段45號", "opposite the Co-op on Kingsway",
                 "corner of Pine St and 3rd Ave"):
        events, dispatcher = await validate(domain, text, "inform", requested_slot="location", **FILLED)
        assert slots_set(events)["location"] == text and responses(dispatcher) == [], text


async def test_an_address_typed_where_the_photo_was_asked_is_the_location_and_the_photo_is_asked_again(domain):
    for text, place in (("sorry it's actually outside 14 Grange Road", "14 Grange Road"),
                        ("在幸福小区3号楼门口", "幸福小区3号楼门口")):
        events, dispatcher = await validate(domain, text, "inform", requested_slot="photo", location="Old Street",
                                            **FILLED)
        slots = slots_set(events)
        assert (slots["location"], slots["latitude"], slots["photo"]) == (place, None, None), text
        assert slots.get("requested_slot", "photo") == "photo"  # still the question: asked again
        [noted] = dispatcher.messages
        assert (noted["response"], noted["location"]) == ("utter_location_noted", place)


async def test_a_place_in_the_description_answers_where(domain):
    slots = {"request_type": "drainage", "requested_slot": "description"}
    events, _ = await validate(domain, "corner of Mill Road and Church Street is flooded", "report_drainage", **slots)
    assert slots_set(events)["location"] == "Mill Road and Church Street"
    events, _ = await validate(domain, "人民路12号门口有个大坑", "report_pothole", **slots)
    assert slots_set(events)["location"] == "人民路12号门口"
    events, _ = await validate(domain, "it floods every time it rains", "report_drainage", **slots)
    assert "location" not in slots_set(events)
    events, _ = await validate(domain, "outside 42 Park Lane", "inform", **{**slots, "location": "51.5, -0.12"})
    assert "location" not in slots_set(events)  # a pin already given stays


async def test_description_is_trimmed_and_cut(domain):
    slots = {"request_type": "noise", "requested_slot": "description"}
    events, _ = await validate(domain, "  " + "x" * 2500 + "  ", "report_noise", **slots)
    assert slots_set(events)["description"] == "x" * MAX_DESCRIPTION


async def test_photo_then_skip(domain):
    filled = {**FILLED, "location": "Elm St"}
    events, _ = await validate(
        domain,
        '/share_photo{"photo": "telegram/2026/abc.jpg"}',
        "share_photo",
        ("photo", "telegram/2026/abc.jpg"),
        requested_slot="photo",
        **filled,
    )
    assert slots_set(events) == {"photo": "telegram/2026/abc.jpg", "photo_skipped": False,
                                 "requested_slot": "confirmed"}

    events, _ = await validate(domain, "/deny", "deny", requested_slot="photo", **filled)
    assert slots_set(events)["photo_skipped"] is True
    assert slots_set(events)["requested_slot"] == "confirmed"  # the photo is not asked again


async def test_a_photo_at_the_place_question_gives_the_place_from_its_position(domain):
    photo = ("/share_photo{...}", "share_photo", ("photo", "web/2026/11/x.jpg"), ("latitude", 31.2304),
             ("longitude", 121.4737))
    events, dispatcher = await validate(domain, *photo, requested_slot="location", **FILLED)
    assert slots_set(events) == {"photo": "web/2026/11/x.jpg", "photo_skipped": False,
                                 "location": "31.23040, 121.47370", "latitude": 31.2304, "longitude": 121.4737,
                                 "requested_slot": "confirmed"}
    assert responses(dispatcher) == ["utter_location_from_photo"]
    assert dispatcher.messages[0]["location"] == "31.23040, 121.47370"

    # The place already given stays: the photo is only the photo.
    events, dispatcher = await validate(domain, *photo, requested_slot="photo", location="Elm St", **FILLED)
    assert "location" not in slots_set(events) and dispatcher.messages == []

    # A photo without a position (or with one out of range) leaves the place question to answer.
    for entities in ((), (("latitude", 95.0), ("longitude", 10.0))):
        events, dispatcher = await validate(domain, *photo[:3], *entities, requested_slot="location", **FILLED)
        assert slots_set(events)["requested_slot"] == "location" and "location" not in slots_set(events)
        assert dispatcher.messages == []


async def test_photo_paths_outside_the_media_directory_are_refused(domain):
    filled = {**FILLED, "location": "Elm St"}
    for path in ("../../etc/passwd", "/etc/passwd", "a/../../b.jpg", "bad path.jpg"):
        events, dispatcher = await validate(
            domain, "/share_photo{...}", "share_photo", ("photo", path), requested_slot="photo", **filled
        )
        assert slots_set(events)["photo"] is None, path
        assert responses(dispatcher) == ["utter_photo_expected"], path


async def test_text_instead_of_a_photo_asks_again(domain):
    events, dispatcher = await validate(
        domain, "here it is", "inform", requested_slot="photo", location="x y z", **FILLED
    )
    assert slots_set(events)["photo"] is None
    assert responses(dispatcher) == ["utter_photo_expected"]


async def test_confirm_deny_and_other_answers_at_the_summary(domain):
    filled = {**FILLED, "location": "Elm St", "photo_skipped": True, "requested_slot": "confirmed"}
    events, _ = await validate(domain, "/affirm", "affirm", **filled)
    assert slots_set(events)["confirmed"] is True and slots_set(events)["requested_slot"] is None
    events, dispatcher = await validate(domain, "no", "deny", **filled)
    assert slots_set(events)["confirmed"] is None and responses(dispatcher) == ["utter_not_sent_yet"]
    events, dispatcher = await validate(domain, "hmm", "inform", **filled)
    assert responses(dispatcher) == ["utter_use_summary_buttons"]


async def test_control_intents_are_not_answers_so_the_form_lets_the_rules_act(domain):
    for intent in ("cancel_request", "talk_to_human", "change_answer", "help", "check_status", "bot_challenge"):
        events, dispatcher = await validate(domain, "cancel", intent, requested_slot="location", **FILLED)
        assert [e for e in events if e["event"] == "slot" and e["name"] != "requested_slot"] == [], intent
        assert dispatcher.messages == []


async def test_request_type_button_switches_the_type_at_any_question(domain):
    events, dispatcher = await validate(domain, "/report_tree", "report_tree", requested_slot="location", **FILLED)
    assert slots_set(events)["request_type"] == "tree"
    assert "location" not in slots_set(events)
    assert dispatcher.messages == []


async def test_request_type_question_takes_a_typed_report(domain):
    slots = {"description": "branch down", "requested_slot": "request_type"}
    events, _ = await validate(domain, "it's a fallen tree actually", "report_tree", **slots)
    assert slots_set(events)["request_type"] == "tree"
    events, dispatcher = await validate(domain, "dunno", "inform", **slots)
    assert slots_set(events)["request_type"] is None
    assert responses(dispatcher) == ["utter_pick_request_type"]
