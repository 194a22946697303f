"""A fake Telegram Bot API server for tests and benchmarks: records, state, faults, updates, methods, server."""

from testkit.telegram.records import (
    PRIVATE_CHAT_BURST,
    SEND_METHODS,
    TOKEN,
    TYPED_PARAMS,
    Call,
    SentMessage,
    Violation,
)
from testkit.telegram.server import FakeTelegramServer, post_update_to_webhook

__all__ = ["PRIVATE_CHAT_BURST", "SEND_METHODS", "TOKEN", "TYPED_PARAMS", "Call", "FakeTelegramServer", "SentMessage",
           "Violation", "post_update_to_webhook"]
