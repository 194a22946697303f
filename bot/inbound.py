"""What a channel may send to Rasa: residents' text made safe, our own synthetic messages, checked button payloads."""

from __future__ import annotations

import json
import re
from typing import Optional

from cases.guards.cleaning import clean_text
from cases.residents import SUPPORTED_LANGUAGES

MAX_TEXT_LENGTH = 4096

# Our channels send these as intent triggers; a resident can never produce them.
SYNTHETIC_INTENTS = frozenset({"share_location", "share_photo"})
# Rasa's built-in intents that would reset or rewind a conversation.
RASA_INTERNAL_INTENTS = frozenset({"restart", "back", "session_start", "nlu_fallback"})
_BUTTON_PAYLOAD = re.compile(
    r'^/(?P<intent>[a-z_]{1,40})(\{"(?P<key>request_type|field|reference|choice)":"(?P<value>[A-Za-z0-9_-]{1,40})"\})?$'
)
# The satisfaction question's buttons (cases/followup/survey.py): exactly a case reference and a rating 1-5.
RATING_INTENT = "rate_case"
_RATING_PAYLOAD = re.compile(r'^/rate_case\{"reference":"(?P<reference>[A-Z]{1,10}-\d{4}-\d{5})","rating":"[1-5]"\}$')
# The language buttons (utter_choose_language): exactly one language we speak.
_LANGUAGE_PAYLOAD = re.compile(r'^/set_language\{"language":"(?P<language>[a-z]{2,3})"\}$')


def resident_text(text: Optional[str]) -> str:
    """A resident's typed text as plain text for Rasa: trimmed, control characters and lone surrogates
    dropped (cases.guards.cleaning), no leading `/`.

    Rasa reads text starting with `/` as an intent trigger with injected entities
    (`/inform{"case_id":"1"}`), so residents' slashes are removed before it sees them.
    Returns "" when nothing meaningful is left.
    """
    cleaned = clean_text(text).strip()
    while cleaned.startswith("/"):
        cleaned = cleaned[1:].lstrip()
    return cleaned[:MAX_TEXT_LENGTH]


def button_payload(data: Optional[str], reference_prefix: str) -> Optional[str]:
    """A pressed button's payload if it has the shape our buttons use, else None.

    Button data comes back from the client and can be forged, so only `/intent` or
    `/intent{"key":"value"}` with known keys and plain values pass, and never an
    internal or synthetic intent. A rating must name a case of ours and a rating from 1 to 5,
    a language choice a language we speak.
    """
    rating = _RATING_PAYLOAD.match(data or "")
    if rating:
        return data if rating["reference"].startswith(f"{reference_prefix}-") else None
    language = _LANGUAGE_PAYLOAD.match(data or "")
    if language:
        return data if language["language"] in SUPPORTED_LANGUAGES else None
    match = _BUTTON_PAYLOAD.match(data or "")
    if not match or match["intent"] == RATING_INTENT:
        return None
    if match["intent"] in RASA_INTERNAL_INTENTS | SYNTHETIC_INTENTS:
        return None
    return data


def location_message(latitude: float, longitude: float) -> str:
    """The message that tells Rasa the resident shared a location."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("coordinates out of range")
    return "/share_location" + json.dumps(
        {"latitude": round(float(latitude), 6), "longitude": round(float(longitude), 6)},
        separators=(",", ":"),
    )


def photo_message(relative_path: str, gps: Optional[tuple[float, float]] = None) -> str:
    """The message that tells Rasa the resident sent a photo, stored at `relative_path` under the media directory,
    with the position its EXIF gave (bot/photos.py) when it had one: it can fill the report's location."""
    entities: dict[str, object] = {"photo": relative_path}
    if gps is not None:
        entities.update(latitude=gps[0], longitude=gps[1])
    return "/share_photo" + json.dumps(entities, separators=(",", ":"))


def command_message(command: str) -> Optional[str]:
    """The Rasa message for one of our chat commands (/start, /help, /status, /cancel, /language), else None."""
    return {
        "start": "/greet",
        "help": "/help",
        "status": "/check_status",
        "cancel": "/cancel_request",
        "language": "/set_language",
    }.get(command.lower().lstrip("/").split("@")[0])


# The resident's own data (bot/resident_data.py): answered by the channel itself, never sent to Rasa, so the
# export and the erasure never depend on a classifier's guess. Commands arrive without their slash
# (resident_text drops it); the confirmation buttons carry /forget_confirm and /forget_cancel.
DATA_REQUESTS = {
    "mydata": "my_data", "my data": "my_data", "我的数据": "my_data",
    "forget": "forget_me", "forget me": "forget_me", "delete my data": "forget_me", "删除我的数据": "forget_me",
    "/forget_confirm": "forget_confirm", "/forget_cancel": "forget_cancel",
    # The buttons of Rasa's utter_my_data and utter_forget_me (other words for the same requests).
    "/my_data": "my_data", "/forget_me": "forget_me",
}


def data_request(message: str) -> Optional[str]:
    """"my_data", "forget_me", "forget_confirm" or "forget_cancel" if the message asks for one, else None."""
    key = " ".join(message.strip().lower().rstrip(".!?。！？").split())
    return DATA_REQUESTS.get(key.split("@")[0] if key.startswith(("mydata@", "forget@")) else key)
