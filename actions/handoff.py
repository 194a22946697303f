"""Handing the conversation to a person."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.answers import is_typed
from actions.conversation import REQUESTED_SLOT, earlier_user_messages, latest_text, reset_filing
from cases.handoff import request_handoff
from cases.residents import resident_for_sender


def handoff_reason(tracker: Tracker) -> Optional[str]:
    """What the resident last typed (a pressed button says nothing to staff)."""
    if is_typed(latest_text(tracker)):
        return latest_text(tracker).strip() or None
    for event in earlier_user_messages(tracker):
        if is_typed(event.get("text")):
            return (event.get("text") or "").strip() or None
    return None


class ActionHandoff(Action):
    """Queue the resident for a member of staff; a report being filed is dropped."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        in_form = tracker.active_loop_name is not None
        try:
            with deps.get_database().transaction() as session:
                resident = resident_for_sender(session, tracker.sender_id)
                request_handoff(session, resident=resident, reason=handoff_reason(tracker))
        except Exception:  # noqa: BLE001 - any failure of the case system gets the same apology
            deps.report_unavailable(dispatcher, self.name())
            # The form ends either way (the resident asked for a person), but the answers are kept.
            return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] if in_form else []
        dispatcher.utter_message(response="utter_handoff")
        return [ActiveLoop(None)] + reset_filing() if in_form else []
