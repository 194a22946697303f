"""Reading the conversation: the latest message, the ones before it, and the filing slots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

REQUESTED_SLOT = "requested_slot"
# Everything the filing form collects; cleared when a report is filed, discarded or restarted.
FILING_SLOTS = (
    "request_type", "description", "location", "latitude", "longitude",
    "photo", "photo_skipped", "answers", "question_answer", "publish_ok", "confirmed",
    "nearby_offer", "nearby_choice",  # a case nearby offered to follow (actions/nearby.py)
    REQUESTED_SLOT,
)


# The rest of the conversation's state; forgotten too when a person takes over.
CONVERSATION_SLOTS = ("low_confidence_turns", "rating", "survey_reference", "survey_comment")
# Run by Rasa itself around every message; not an answer to it.
_BOOKKEEPING_ACTIONS = frozenset({"action_listen", "action_extract_slots", "action_session_start"})


def reset_filing() -> list[dict[str, Any]]:
    """Events that forget the report being filed."""
    return [SlotSet(name, None) for name in FILING_SLOTS]


def reset_conversation() -> list[dict[str, Any]]:
    """Events that forget the report being filed and every other conversation state (before a handoff)."""
    return reset_filing() + [SlotSet(name, None) for name in CONVERSATION_SLOTS]


def language(tracker: Tracker) -> str:
    """The resident's language (the `language` slot, set from the database when the session starts)."""
    return tracker.get_slot("language") or "en"


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the resident's latest message."""
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def latest_text(tracker: Tracker) -> str:
    """The text of the resident's latest message ("" if none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_entities(tracker: Tracker) -> list[dict]:
    """The entities of the resident's latest message."""
    return list((tracker.latest_message or {}).get("entities") or [])


def earlier_user_messages(tracker: Tracker) -> Iterator[dict]:
    """The resident's messages before the latest one in this session, newest first."""
    seen_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            return
        if kind != "user":
            continue
        if seen_latest:
            yield event
        seen_latest = True


def previous_turn(tracker: Tracker) -> tuple[Optional[dict], Optional[str]]:
    """The resident's message before the latest one in this session, and the bot's first action after it."""
    answered_by, seen_latest = None, False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            break
        if kind == "action" and event.get("name") not in _BOOKKEEPING_ACTIONS:
            answered_by = event.get("name")  # walking backwards: the last one seen is the first after
        elif kind == "user":
            if seen_latest:
                return event, answered_by
            seen_latest, answered_by = True, None
    return None, None


def message_intent(event: dict) -> Optional[str]:
    """The intent of a user event."""
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def message_entities(event: dict) -> list[dict]:
    """The entities of a user event."""
    return list((event.get("parse_data") or {}).get("entities") or [])


def button(title: str, intent: str, **entity: str) -> dict[str, str]:
    """A button whose payload triggers `intent` (with at most one simple entity, for Telegram's 64 bytes)."""
    payload = f"/{intent}"
    if entity:
        payload += json.dumps(entity, separators=(",", ":"))
    return {"title": title, "payload": payload}
