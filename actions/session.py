"""A new conversation session: keep the resident's settings, not a half-filed report; speak their language."""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import CONVERSATION_SLOTS, FILING_SLOTS
from actions.language import response_in
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import log_failure
from cases.residents import resident_for_sender, take_unfinished_filing

log = logging.getLogger(__name__)


def stored_resident(deps: Deps, sender_id: str) -> tuple[Optional[str], bool]:
    """The resident's stored language (the channels set it from Telegram or the browser first; None if unknown),
    and whether a report they were filing was lost with the old conversation (told once)."""
    try:
        with deps.database().transaction() as session:
            resident = resident_for_sender(session, sender_id)
            return resident.language, take_unfinished_filing(session, resident=resident)
    except ValueError:  # not one of our channels' conversations (e.g. `rasa shell`)
        return None, False
    except Exception as error:  # noqa: BLE001 - the conversation must start even when the database is down
        log_failure("action_session_start: reading the resident's language", error)
        return None, False


class ActionSessionStart(UsesCaseSystem, Action):
    """Start a session; carry over slots (as configured) except the report being filed and the open questions,
    and take the resident's language from the database, where the channels and /language keep it.

    A new session forgets a half-filed report (and after a Rasa restart the whole conversation is gone):
    if the database says one was in progress, the resident is told it was not sent.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        carried: dict[str, Any] = {}
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            carried = {name: value for name, value in (tracker.slots or {}).items()
                       if value is not None and name not in FILING_SLOTS + CONVERSATION_SLOTS}
        language, unfinished = stored_resident(self.deps, tracker.sender_id)
        if language:
            carried["language"] = language
        events += [SlotSet(name, value) for name, value in carried.items()]
        if unfinished:
            # Rasa would pick the variation with the slots as they were before this action (no language yet).
            dispatcher.utter_message(**response_in(domain, "utter_report_not_sent", language or "en"))
        events.append(ActionExecuted("action_listen"))
        return events
