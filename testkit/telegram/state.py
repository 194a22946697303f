"""The fake Bot API's state: what it stores, what it recorded, and waiting for the bot's messages."""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from testkit.telegram.records import POLL_STEP, TOKEN, Call, SentMessage, Violation, chat


class ServerState:
    """Everything the fake remembers between requests; the other parts of the server share it."""

    def __init__(self, *, token: str = TOKEN, enforce_limits: bool = True,
                 bot_username: str = "huiyin_test_bot"):
        self.token, self.enforce_limits = token, enforce_limits
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Huiyin",
                         "username": bot_username}
        self._lock = threading.Lock()
        self._poll_generation = 0
        self.reset()
        self._closing = False

    def reset(self) -> None:
        """Forget all state (recordings, updates, files, failures, webhook) to reuse the server."""
        with self._lock:
            self.webhook_url: str | None = None
            self.webhook_secret: str | None = None
            self._calls: list[Call] = []
            self._unknown: list[Call] = []
            self._sent: list[SentMessage] = []
            self._sent_by_chat: dict[int, list[SentMessage]] = {}
            self._violations: list[Violation] = []
            self._updates: list[list] = []  # [update, delivered], kept until offset confirms it
            self._last_update_id = 0
            self._last_message_id: dict[int, int] = {}
            self._messages: dict[tuple[int, int], dict] = {}
            self._files: dict[str, dict] = {}
            self._file_bytes: dict[str, bytes] = {}
            self._failures: list[tuple] = []
            self._blocked: set[int] = set()
            self._hangs: list[tuple[str, int | None]] = []
            self._hung = 0
            self._unhang = threading.Event()
            self._send_log: deque[tuple[float, int]] = deque()
            self._chat_full_at: dict[int, float] = {}  # per private chat: when its burst is whole again
            self._counter = 0
            self._poll_generation += 1  # ends long polls left over from an earlier bot

    # ---- recordings --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request the bot made, in order of completion."""
        with self._lock:
            return list(self._calls)

    @property
    def unknown_methods(self) -> list[Call]:
        """Requests for methods the fake does not implement (answered 404)."""
        with self._lock:
            return list(self._unknown)

    @property
    def violations(self) -> list[Violation]:
        """Sends that broke the rate limits, whether or not they were refused."""
        with self._lock:
            return list(self._violations)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded requests for one method."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot delivered, optionally only those to one chat."""
        with self._lock:
            return list(self._sent if chat_id is None else self._sent_by_chat.get(chat_id, ()))

    def get_message(self, chat_id: int, message_id: int) -> dict | None:
        """The current state of a message (after edits), as a Message dict."""
        with self._lock:
            return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def duplicates(self, key: Callable[[SentMessage], Any] = lambda m: (m.chat_id, m.text)
                   ) -> list[SentMessage]:
        """Sent messages whose key was already seen in an earlier message."""
        seen, repeats = set(), []
        for message in self.sent_messages():
            k = key(message)
            if k in seen:
                repeats.append(message)
            seen.add(k)
        return repeats

    def _enough_messages(self, chat_id: int, count: int, deadline: float) -> list | None:
        """The chat's messages once there are `count`; None to keep waiting; fail after deadline."""
        messages = self.sent_messages(chat_id)
        if len(messages) >= count:
            return messages
        if time.monotonic() > deadline:
            raise AssertionError(f"chat {chat_id}: wanted {count} messages, got "
                                 f"{[m.text for m in messages]}")
        return None

    async def wait_for_messages(self, chat_id: int, count: int = 1,
                                timeout: float = 5.0) -> list[SentMessage]:
        """Wait until at least `count` messages reached the chat; return all of them."""
        deadline = time.monotonic() + timeout
        while (messages := self._enough_messages(chat_id, count, deadline)) is None:
            await asyncio.sleep(POLL_STEP)
        return messages

    def wait_for_messages_sync(self, chat_id: int, count: int = 1,
                               timeout: float = 5.0) -> list[SentMessage]:
        """Blocking wait_for_messages, for a server running in another thread."""
        deadline = time.monotonic() + timeout
        while (messages := self._enough_messages(chat_id, count, deadline)) is None:
            time.sleep(POLL_STEP)
        return messages

    # ---- helpers -----------------------------------------------------------------------------

    def _store_file(self, content: bytes, path_pattern: str) -> dict:
        """Register a file whose path is path_pattern with {n} numbered (lock held)."""
        self._counter += 1
        n = self._counter
        file = {"file_id": f"file-{n}", "file_unique_id": f"unique-{n}",
                "file_size": len(content), "file_path": path_pattern.replace("{n}", str(n))}
        self._files[file["file_id"]] = file
        self._file_bytes[file["file_path"]] = content
        return file

    @staticmethod
    def _user(chat_id: int, user_id: int | None, first_name: str, language_code: str) -> dict:
        """The human sender; in groups the default user id is 1."""
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
        return {"id": uid, "is_bot": False, "first_name": first_name,
                "language_code": language_code}

    def _new_message(self, chat_id: int, sender: dict, content: dict) -> dict:
        """Store a message with the chat's next message_id (call with the lock held)."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat(chat_id),
                   "from": sender, **copy.deepcopy(content)}
        self._messages[(chat_id, message_id)] = message
        return copy.deepcopy(message)
