"""The fake Bot API's records (Call, SentMessage, Violation), its error and its constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TOKEN = "123:TEST"
SEND_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendSticker", "sendVoice", "sendLocation",
    "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
})
TYPED_PARAMS = frozenset({  # sent form-encoded as JSON text; every other parameter is a string
    "reply_markup", "entities", "caption_entities", "allowed_updates", "reply_parameters",
    "link_preview_options", "media", "commands", "scope", "chat_id", "message_id", "offset",
    "limit", "timeout", "cache_time", "user_id", "from_chat_id", "message_thread_id",
    "reply_to_message_id", "max_connections", "drop_pending_updates", "show_alert",
    "disable_notification", "protect_content", "has_spoiler", "latitude", "longitude",
})
POLL_STEP = 0.005
# Telegram asks for about one message a second per private chat and allows short bursts; the fake allows
# this many at once, then one a second (a token bucket), and counts anything faster as a violation.
PRIVATE_CHAT_BURST = 3


class ApiError(Exception):
    """A Bot API error answered as {"ok": false, ...}."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made (time is time.monotonic())."""

    method: str
    params: dict[str, Any]
    time: float
    status: int


@dataclass(frozen=True)
class SentMessage:
    """A sendMessage/sendPhoto that reached a chat; text is the caption for photos."""

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict | None
    method: str
    time: float
    params: dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """A send that broke Telegram's rate limits."""

    reason: str
    chat_id: int
    time: float


def chat(chat_id: int) -> dict:
    """A Chat object: positive ids are private chats, -100… supergroups, other negatives groups."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Ana"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}
