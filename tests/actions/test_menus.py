"""Menus from the catalog, the low-confidence suggestions, and every button payload's shape."""

from __future__ import annotations

import re

from actions.menus import ActionAskRequestType, ActionShowMenu, ActionSuggestRequestTypes
from actions.status import ActionCancelRequest
from cases.catalog import load_catalog
from cases.clock import utcnow
from cases.policies import loader
from tests.actions.test_status import file_case
from tests.actions.trackers import run, slots_set, tracker

PAYLOAD = re.compile(
    r'^/[a-z_]+(\{"(request_type|field|reference)":"[A-Za-z0-9_-]+"\})?$'
    r'|^/set_language\{"language":"[a-z]{2,3}"\}$'
)
TELEGRAM_CALLBACK_BYTES = 64


def assert_payload_ok(payload: str) -> None:
    assert len(payload.encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES, payload
    assert PAYLOAD.match(payload), payload


async def test_help_menu_has_a_button_per_catalog_type(domain):
    _, dispatcher = await run(ActionShowMenu(), tracker("what can you do", "help"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_help"
    catalog = load_catalog()
    assert [b["payload"] for b in message["buttons"]] == [f"/report_{code}" for code in catalog.codes()]
    assert [b["title"] for b in message["buttons"]] == [t.name for t in catalog.types]


async def test_menu_words_depend_on_what_the_resident_did(domain):
    for intent, response in (
        ("something_else", "utter_something_else"),
        ("share_photo", "utter_photo_first"),
        ("share_location", "utter_location_first"),
        ("inform", "utter_what_to_report"),
    ):
        _, dispatcher = await run(ActionShowMenu(), tracker("x", intent), domain)
        assert dispatcher.messages[0]["response"] == response
    _, dispatcher = await run(ActionAskRequestType(), tracker("wrong type", "change_answer"), domain)
    assert dispatcher.messages[0]["response"] == "utter_ask_request_type"


async def test_fallback_offers_the_three_likeliest_report_types(deps, domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "report_noise", "confidence": 0.31},
        {"name": "greet", "confidence": 0.2},
        {"name": "report_streetlight", "confidence": 0.18},
        {"name": "report_tree", "confidence": 0.1},
        {"name": "report_pothole", "confidence": 0.05},
    ]
    _, dispatcher = await run(
        ActionSuggestRequestTypes(deps),
        tracker("the thing keeps going on and off", "nlu_fallback", ranking=ranking),
        domain,
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest_request_types"
    assert [message[f"type_{n}"] for n in (1, 2, 3)] == ["noise", "streetlight", "tree"]
    assert message["type_1_name"] == "Noise complaint"


async def test_fallback_tops_up_from_the_catalog(deps, domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "report_tree", "confidence": 0.3}]
    _, dispatcher = await run(ActionSuggestRequestTypes(deps), tracker("hmm", "nlu_fallback", ranking=ranking), domain)
    assert [dispatcher.messages[0][f"type_{n}"] for n in (1, 2, 3)] == ["tree", "pothole", "streetlight"]


async def test_a_message_likeliest_a_policy_question_gets_the_answer_that_fits(deps, actions_db, domain):
    with actions_db.transaction() as session:
        loader.seed_sample(session, now=utcnow())
    unsure = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_policy", "confidence": 0.41},
              {"name": "report_garbage", "confidence": 0.3}]
    events, dispatcher = await run(ActionSuggestRequestTypes(deps), tracker(
        "firecrackers banned??", "nlu_fallback", ranking=unsure), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_policy_answer"]
    assert "firework" in dispatcher.messages[0]["title"].lower()
    assert slots_set(events) == {"low_confidence_turns": 0.0}
    # Nothing fits: the usual suggestions. Likeliest a report, with next to no confidence in a policy question:
    # the suggestions, whatever the policy list holds.
    _, dispatcher = await run(ActionSuggestRequestTypes(deps), tracker("blorp zzz", "nlu_fallback", ranking=unsure),
                              domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_suggest_request_types"]
    report_first = [unsure[0], unsure[2], {"name": "ask_policy", "confidence": 0.005}]
    _, dispatcher = await run(ActionSuggestRequestTypes(deps), tracker(
        "firecrackers banned??", "nlu_fallback", ranking=report_first), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_suggest_request_types"]


async def test_a_question_with_some_confidence_in_a_policy_question_gets_the_answer(deps, actions_db, domain):
    """Under nlu_fallback with a report likeliest, a message put as a question that NLU gave ask_policy some
    confidence in is looked up too; a message that tells, or a question with no such confidence, is not."""
    with actions_db.transaction() as session:
        loader.seed_sample(session, now=utcnow())

    def unsure(policy: float) -> list[dict]:
        return [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "report_noise", "confidence": 0.3},
                {"name": "ask_policy", "confidence": policy}]

    for text, policy, expected in (("can kids set off firecrackers at new year?", 0.05, "utter_policy_answer"),
                                   ("can kids set off firecrackers at new year?", 0.002, "utter_suggest_request_types"),
                                   ("kids setting off firecrackers at new year", 0.05, "utter_suggest_request_types")):
        _, dispatcher = await run(ActionSuggestRequestTypes(deps),
                                  tracker(text, "nlu_fallback", ranking=unsure(policy)), domain)
        assert [m["response"] for m in dispatcher.messages] == [expected], (text, policy)


async def test_every_button_payload_fits_telegram_and_our_grammar(deps, actions_db, domain):
    # Buttons the actions build...
    payloads = []
    for action, t in ((ActionShowMenu(), tracker("help", "help")),):
        _, dispatcher = await run(action, t, domain)
        payloads += [b["payload"] for m in dispatcher.messages for b in m["buttons"]]
    for _ in range(3):
        file_case(actions_db)
    _, dispatcher = await run(ActionCancelRequest(deps), tracker("cancel", "cancel_request"), domain)
    payloads += [b["payload"] for m in dispatcher.messages for b in m["buttons"]]
    # ...and those in domain.yml, rendered as Rasa does (placeholders filled, doubled braces undone).
    longest = max(load_catalog().codes(), key=len)
    for variations in domain["responses"].values():
        for variation in variations:
            for b in variation.get("buttons", []):
                payload = re.sub(r"\{type_\d\}", longest, b["payload"]).replace("{report_intent}", f"report_{longest}")
                payload = payload.replace("{{", "{").replace("}}", "}")
                payloads.append(payload)
    assert len(payloads) > 20
    for payload in payloads:
        assert_payload_ok(payload)
