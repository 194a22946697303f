"""Reading the conversation: the latest message, the ones before it, and the filing slots."""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

REQUESTED_SLOT = "requested_slot"
# Everything the filing form collects; cleared when a report is filed, discarded or restarted.
FILING_SLOTS = (
    "request_type", "description", "location", "latitude", "longitude",
    "photo", "photo_skipped", "confirmed", REQUESTED_SLOT,
)


def reset_filing() -> list[dict[str, Any]]:
    """Events that forget the report being filed."""
    return [SlotSet(name, None) for name in FILING_SLOTS]


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
