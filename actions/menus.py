"""Menus built from the request catalog: the help menu and the low-confidence suggestions."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import button, language, latest_intent, latest_text, message_intent, previous_turn
from actions.handoff import hand_over, misunderstood_messages
from actions.policy import POLICY_INTENT, PolicyAnswers, may_ask_policy
from actions.runtime.deps import Deps, UsesCaseSystem
from cases.catalog import load_catalog

SUGGESTIONS = 3
# Which words go above the menu, by what the resident just did.
MENU_RESPONSES = {
    "help": "utter_help",
    "something_else": "utter_something_else",
    "share_photo": "utter_photo_first",
    "share_location": "utter_location_first",
}


def request_type_buttons(lang: str = "en") -> list[dict[str, str]]:
    """One button per request type, in catalog order, titled in the resident's language."""
    return [button(kind.name_in(lang), kind.intent) for kind in load_catalog().types]


class ActionShowMenu(Action):
    """Say what the assistant can file, with a button per request type."""

    def name(self) -> str:
        return "action_show_menu"

    def response(self, tracker: Tracker) -> str:
        """The words above the buttons."""
        return MENU_RESPONSES.get(latest_intent(tracker) or "", "utter_what_to_report")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=self.response(tracker), buttons=request_type_buttons(language(tracker)))
        return []


class ActionAskRequestType(ActionShowMenu):
    """The filing form's question for the request type (after "change the type")."""

    def name(self) -> str:
        return "action_ask_request_type"

    def response(self, tracker: Tracker) -> str:
        return "utter_ask_request_type"


def likeliest_request_types(intent_ranking: list[dict], count: int = SUGGESTIONS) -> list[str]:
    """The `count` report types NLU found likeliest, topped up in catalog order."""
    catalog = load_catalog()
    codes: list[str] = []
    for ranked in intent_ranking or []:
        kind = catalog.from_intent(ranked.get("name"))
        if kind is not None and kind.code not in codes:
            codes.append(kind.code)
    codes += [code for code in catalog.codes() if code not in codes]
    return codes[:count]


ACTION_NAME = "action_suggest_request_types"


def low_confidence_turns(tracker: Tracker) -> int:
    """How many messages in a row, this one included, the assistant did not understand.

    The count is kept in a slot; it continues only if the message just before was misunderstood
    too (answered by this action), so any understood message in between starts it again.
    """
    previous, answered_by = previous_turn(tracker)
    if previous is not None and message_intent(previous) == "nlu_fallback" and answered_by == ACTION_NAME:
        return int(tracker.get_slot("low_confidence_turns") or 0) + 1
    return 1


def unsure_intent(tracker: Tracker) -> Optional[str]:
    """The intent NLU found likeliest for a message it was not sure enough of (under nlu_fallback)."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return next((ranked.get("name") for ranked in ranking if ranked.get("name") != "nlu_fallback"), None)


class ActionSuggestRequestTypes(UsesCaseSystem, Action):
    """Low NLU confidence: offer the likeliest request types, "something else" and a person;
    after `low_confidence_handoff_turns` such messages in a row, hand the conversation to a person.

    A message NLU took most likely, though not surely, for a policy question, or a question NLU gave some
    confidence in being one (actions.policy.may_ask_policy), gets the policy answer that fits, when one fits
    (the matcher decides on its own evidence): that message was understood.
    """

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.answers = PolicyAnswers(deps)

    def name(self) -> str:
        return ACTION_NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if unsure_intent(tracker) == POLICY_INTENT or may_ask_policy(tracker):
            match = self.answers.find_or_none(latest_text(tracker), "instead of suggesting report types")
            if match is not None:
                self.answers.say(match, dispatcher, domain, language(tracker))
                return [SlotSet("low_confidence_turns", 0.0)]
        turns, limit = low_confidence_turns(tracker), self.deps.settings.low_confidence_handoff_turns
        if 0 < limit <= turns:
            return hand_over(dispatcher, tracker, self.deps, trigger="low_confidence",
                             reason=misunderstood_messages(tracker, turns),
                             action=self.name())
        catalog = load_catalog()
        codes = likeliest_request_types((tracker.latest_message or {}).get("intent_ranking", []))
        names: dict[str, str] = {}
        for number, code in enumerate(codes, start=1):
            names[f"type_{number}"] = code
            names[f"type_{number}_name"] = catalog.get(code).name_in(language(tracker))
        # The buttons are in the response, filled from these values.
        dispatcher.utter_message(response="utter_suggest_request_types", **names)
        return [SlotSet("low_confidence_turns", float(turns))]
