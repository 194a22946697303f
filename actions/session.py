"""A new conversation session: keep the resident's settings, not a half-filed report; speak their language."""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.conversation import CONVERSATION_SLOTS, FILING_SLOTS
from cases.residents import resident_for_sender

log = logging.getLogger(__name__)


def stored_language(sender_id: str) -> Optional[str]:
    """The language stored on the resident (the channels set it from Telegram or the browser first); None if unknown."""
    try:
        with deps.get_database().transaction() as session:
            return resident_for_sender(session, sender_id).language
    except ValueError:  # not one of our channels' conversations (e.g. `rasa shell`)
        return None
    except Exception:  # noqa: BLE001 - the conversation must start even when the database is down
        log.exception("action_session_start: the resident's language could not be read")
        return None


class ActionSessionStart(Action):
    """Start a session; carry over slots (as configured) except the report being filed and the open questions,
    and take the resident's language from the database, where the channels and /language keep it."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        carried: dict[str, Any] = {}
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            carried = {name: value for name, value in (tracker.slots or {}).items()
                       if value is not None and name not in FILING_SLOTS + CONVERSATION_SLOTS}
        language = stored_language(tracker.sender_id)
        if language:
            carried["language"] = language
        events += [SlotSet(name, value) for name, value in carried.items()]
        events.append(ActionExecuted("action_listen"))
        return events
