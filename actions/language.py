"""The resident's language: offered as buttons, stored on the resident, used for every later answer and push."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import entity_value
from actions.conversation import latest_entities
from actions.runtime.deps import UsesCaseSystem
from actions.runtime.errors import apologises
from cases.residents import SUPPORTED_LANGUAGES, resident_for_sender, set_language


def wanted_language(tracker: Tracker) -> Optional[str]:
    """The language the resident picked (`language` entity), if it is one we speak."""
    value = str(entity_value(latest_entities(tracker), "language") or "").strip().lower()
    return value if value in SUPPORTED_LANGUAGES else None


def response_in(domain: dict, name: str, language: str) -> dict[str, Any]:
    """A response's variation for `language` (the one without a condition if none matches), as message fields.

    Rasa fills an action's responses with the slots as they were before the action ran, so the
    confirmation of a switch would come in the old language; the action picks the variation itself.
    """
    variations = (domain.get("responses") or {}).get(name) or []
    chosen = next((v for v in variations if any(
        c.get("type") == "slot" and c.get("name") == "language" and c.get("value") == language
        for c in v.get("condition") or ())), None)
    chosen = chosen or next(v for v in variations if not v.get("condition"))
    return {key: chosen[key] for key in ("text", "buttons") if chosen.get(key)}


class ActionSetLanguage(UsesCaseSystem, Action):
    """With a language picked, store it on the resident and confirm in it; otherwise offer the languages."""

    def name(self) -> str:
        return "action_set_language"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        language = wanted_language(tracker)
        if language is None:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        with self.deps.database().transaction() as session:
            set_language(session, resident=resident_for_sender(session, tracker.sender_id), language=language)
        dispatcher.utter_message(**response_in(domain, "utter_language_set", language))
        return [SlotSet("language", language)]
