"""Residents' text never reaches Rasa as an intent trigger; button payloads are checked."""

import pytest

from bot import inbound


@pytest.mark.parametrize(
    "typed, sent",
    [
        ("/restart", "restart"),
        ('/inform{"case_id":"1"}', 'inform{"case_id":"1"}'),
        ("  //back", "back"),
        ("/", ""),
        ("there's a pothole", "there's a pothole"),
        ("\u200b/restart", "restart"),
        ("   ", ""),
        (None, ""),
        ("🙂🙂", "🙂🙂"),
        ("路灯坏了 near 42 Park Lane", "路灯坏了 near 42 Park Lane"),
    ],
)
def test_resident_text_is_never_an_intent_trigger(typed, sent):
    assert inbound.resident_text(typed) == sent
    assert not inbound.resident_text(typed).startswith("/")


def test_long_text_is_cut_to_telegram_limit():
    assert len(inbound.resident_text("a" * 5000)) == inbound.MAX_TEXT_LENGTH


@pytest.mark.parametrize(
    "payload, ok",
    [
        ("/affirm", True),
        ("/report_pothole", True),
        ('/cancel_request{"reference":"HY-2026-00042"}', True),
        ('/change_answer{"field":"location"}', True),
        ('/inform{"choice":"night"}', True),
        ('/inform{"choice":"a b"}', False),
        ("/restart", False),
        ("/session_start", False),
        ('/share_photo{"photo":"x.jpg"}', False),
        ('/inform{"case_id":"1"}', False),
        ('/cancel_request{"reference":"HY-2026-00042","x":"1"}', False),
        ('/change_answer{"field":"../../etc"}', False),
        ('/rate_case{"reference":"HY-2026-00042","rating":"1"}', True),
        ('/rate_case{"reference":"HY-2026-00042","rating":"5"}', True),
        ('/rate_case{"reference":"HY-2026-00042","rating":"0"}', False),
        ('/rate_case{"reference":"HY-2026-00042","rating":"6"}', False),
        ('/rate_case{"reference":"HY-2026-00042","rating":"4 "}', False),
        ('/rate_case{"rating":"4","reference":"HY-2026-00042"}', False),
        ('/rate_case{"reference":"XY-2026-00042","rating":"4"}', False),
        ('/rate_case{"reference":"HY-26-42","rating":"4"}', False),
        ('/rate_case{"reference":"HY-2026-00042","rating":"4","x":"1"}', False),
        ('/rate_case{"reference":"HY-2026-00042"}', False),
        ("/rate_case", False),
        ('/chase_case{"reference":"HY-2026-00042"}', True),
        ("hello", False),
        ("", False),
        (None, False),
    ],
)
def test_button_payloads_are_checked(payload, ok):
    assert (inbound.button_payload(payload, "HY") is not None) is ok


def test_synthetic_messages():
    assert inbound.location_message(51.5, -0.12) == '/share_location{"latitude":51.5,"longitude":-0.12}'
    assert inbound.photo_message("telegram/a.jpg") == '/share_photo{"photo":"telegram/a.jpg"}'
    with pytest.raises(ValueError):
        inbound.location_message(91, 0)
    assert inbound.command_message("/start") == "/greet"
    assert inbound.command_message("/status@HuiyinBot") == "/check_status"
    assert inbound.command_message("/restart") is None


def test_the_rating_payload_of_the_survey_fits_telegram_and_passes():
    from cases.followup.survey import rating_payload

    payload = rating_payload("HY-2026-00042", 4)
    assert payload == '/rate_case{"reference":"HY-2026-00042","rating":"4"}' and len(payload.encode()) <= 64
    assert inbound.button_payload(payload, "HY") == payload
    assert inbound.button_payload(rating_payload("ZX-2026-00042", 4), reference_prefix="ZX") is not None
    assert inbound.button_payload(payload, reference_prefix="ZX") is None


def test_lone_surrogates_and_invisible_characters_never_reach_rasa():
    assert inbound.resident_text("\ud800 hi\x00 there\u202e\u200b") == "hi there"
    assert inbound.resident_text("\udfff/restart") == "restart"
    inbound.resident_text("\ud800\udbff x \udc00").encode("utf-8")  # encodable: Rasa and the database take it
