"""Building real rasa_sdk trackers and running actions with a real CollectingDispatcher."""

from __future__ import annotations

import uuid
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

RESIDENT = "telegram:100"


def user_event(text: str, intent: str, entities: tuple = (), *, message_id: Optional[str] = None,
               ranking: Optional[list] = None) -> dict[str, Any]:
    """A user message as it appears in a tracker's events."""
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in entities],
        "intent_ranking": ranking or [{"name": intent, "confidence": 1.0}],
    }
    return {"event": "user", "text": text, "parse_data": parse, "message_id": message_id or uuid.uuid4().hex}


def tracker(text: str, intent: str, *entities: tuple[str, Any], slots: Optional[dict] = None,
            history: tuple = (), sender: str = RESIDENT, form: Optional[str] = None,
            message_id: Optional[str] = None, ranking: Optional[list] = None, domain: Optional[dict] = None) -> Tracker:
    """A tracker whose latest event is this user message; `history` events come before it."""
    latest = user_event(text, intent, entities, message_id=message_id, ranking=ranking)
    values = {name: None for name in (domain or {}).get("slots", {})}
    values.update({"requested_slot": None, **(slots or {})})
    latest_message = {**latest["parse_data"], "message_id": latest["message_id"]}
    return Tracker(sender, values, latest_message, [*history, latest], False, None,
                   {"name": form} if form else {}, "action_listen")


async def run(action: Action, tracker_: Tracker, domain: dict) -> tuple[list[dict], CollectingDispatcher]:
    """Run an action; its events and the dispatcher that collected its messages."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, domain)
    return events, dispatcher


def slots_set(events: list[dict]) -> dict[str, Any]:
    """The SlotSet events as {slot: value} (later ones win)."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """The names of the responses the action sent."""
    return [m["response"] for m in dispatcher.messages]

