"""Handing the conversation to a person: when asked, when the bot is not helping, after misunderstanding twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import is_typed
from actions.conversation import (
    REQUESTED_SLOT,
    earlier_user_messages,
    language,
    latest_intent,
    latest_text,
    message_intent,
    reset_conversation,
)
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologise
from cases.clock import utcnow
from cases.handoff.handoff import request_handoff
from cases.messages import format_moment
from cases.residents import mark_filing, resident_for_sender

# Why the resident is handed over (HandoffRequest.trigger), by the intent of their message.
TRIGGERS = {"talk_to_human": "talk_to_human", "not_helping": "not_helping"}
# An apology before the handoff when the bot itself failed the resident.
APOLOGIES = {"not_helping": "utter_sorry_not_helping", "low_confidence": "utter_sorry_not_understood"}


def handoff_reason(tracker: Tracker) -> Optional[str]:
    """What the resident last typed (a pressed button says nothing to staff)."""
    if is_typed(latest_text(tracker)):
        return latest_text(tracker).strip() or None
    for event in earlier_user_messages(tracker):
        if is_typed(event.get("text")):
            return (event.get("text") or "").strip() or None
    return None


def misunderstood_messages(tracker: Tracker, count: int) -> Optional[str]:
    """The last `count` misunderstood messages that led to the handoff, oldest first, for the agent to read."""
    texts = [latest_text(tracker).strip()]
    for event in earlier_user_messages(tracker):
        if message_intent(event) != "nlu_fallback" or len(texts) >= count:
            break
        texts.append((event.get("text") or "").strip())
    return "\n".join(reversed([t for t in texts if t and is_typed(t)])) or None


def opening_text(moment: datetime, language: str = "en") -> str:
    """When people are back, as residents read it: "Monday 30 November at 09:00", "11月30日（星期一）09:00"."""
    return format_moment(moment, language)


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, deps: Deps, *, trigger: str,
              reason: Optional[str], action: str) -> list[dict[str, Any]]:
    """Queue the resident for a person, tell them when one will answer, and forget the conversation's state.

    From here on the channels pass the resident's messages to staff instead of to the assistant, so
    when the person hands back, the assistant starts clean (no half-filed report, no open question).
    """
    in_form = tracker.active_loop_name is not None
    now = utcnow()
    try:
        with deps.database().transaction() as session:
            resident = resident_for_sender(session, tracker.sender_id)
            request_handoff(session, resident=resident, reason=reason, trigger=trigger, now=now)
            mark_filing(session, resident=resident, filing=False)  # a report in progress ends here, as said
    except Exception as error:  # noqa: BLE001 - every failure gets the apology; apologise() tells bugs apart
        apologise(dispatcher, action, error)
        # The form ends either way (the resident wants a person), but the answers are kept.
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] if in_form else []
    if trigger in APOLOGIES:
        dispatcher.utter_message(response=APOLOGIES[trigger])
    hours = deps.office_hours()
    if hours.is_open(now):
        dispatcher.utter_message(response="utter_handoff")
    else:
        dispatcher.utter_message(
            response="utter_handoff_after_hours", opening=opening_text(hours.next_opening(now), language(tracker))
        )
    return [ActiveLoop(None), *reset_conversation()]


class ActionHandoff(UsesCaseSystem, Action):
    """The resident asks for a person, or says the bot is not helping: queue them for a member of staff."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        trigger = TRIGGERS.get(latest_intent(tracker) or "", "talk_to_human")
        return hand_over(
            dispatcher, tracker, self.deps, trigger=trigger, reason=handoff_reason(tracker), action=self.name()
        )
