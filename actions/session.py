"""A new conversation session: keep the resident's settings, not a half-filed report."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import CONVERSATION_SLOTS, FILING_SLOTS


class ActionSessionStart(Action):
    """Start a session; carry over slots (as configured) except the report being filed and the open questions."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in (tracker.slots or {}).items()
                       if value is not None and name not in FILING_SLOTS + CONVERSATION_SLOTS]
        events.append(ActionExecuted("action_listen"))
        return events
