"""The fake Bot API's failure injection (errors, hangs, blocked chats) and Telegram's rate limits."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from testkit.telegram.records import PRIVATE_CHAT_BURST, ApiError
from testkit.telegram.state import ServerState


class Faults(ServerState):
    """Injected failures and the rate-limit bookkeeping."""

    def fail_next(self, method: str, chat_id: int | None = None, *, status: int = 429,
                  retry_after: int = 1, description: str | None = None) -> None:
        """Answer the next call of `method` (to `chat_id`, if given) with an error."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else HTTPStatus(status).phrase)
        parameters = {"retry_after": retry_after} if status == 429 else None
        with self._lock:
            self._failures.append((method.lower(), chat_id, status, description, parameters))

    def hang_next(self, method: str, chat_id: int | None = None) -> None:
        """Hold the next call of `method` (to `chat_id`) unanswered and undelivered until release_hung().

        Then it is answered 502 and nothing was sent: a request that was in flight and never accepted.
        """
        with self._lock:
            self._hangs.append((method.lower(), chat_id))

    def hung_calls(self) -> int:
        """How many calls hang_next has held so far."""
        with self._lock:
            return self._hung

    def release_hung(self) -> None:
        """Answer every held call (502, nothing delivered)."""
        self._unhang.set()

    def _take_hang(self, name: str, chat_id: Any) -> bool:
        """Whether this call is to be held (lock held)."""
        for hang in self._hangs:
            if hang[0] == name and hang[1] in (None, chat_id):
                self._hangs.remove(hang)
                self._hung += 1
                return True
        return False

    def block_chat(self, chat_id: int) -> None:
        """Answer every request to this chat with 403 'bot was blocked by the user'."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        with self._lock:
            self._blocked.discard(chat_id)

    def _limit_violation(self, chat_id: int | None, now: float) -> str | None:
        """Which of Telegram's limits one more send would break, if any (lock held)."""
        while self._send_log and now - self._send_log[0][0] >= 60:
            self._send_log.popleft()
        last_second = [c for t, c in self._send_log if now - t < 1.0]
        if len(last_second) >= 30:
            return "more than 30 sends per second overall"
        if not isinstance(chat_id, int):
            return None
        if chat_id > 0 and now < self._chat_full_at.get(chat_id, 0.0) - (PRIVATE_CHAT_BURST - 1):
            return f"more than {PRIVATE_CHAT_BURST} sends at once, or 1 per second after them, to a private chat"
        if chat_id < 0 and sum(c == chat_id for _, c in self._send_log) >= 20:
            return "more than 20 sends per minute to a group"
        return None

    def _raise_injected_failure(self, name: str, chat_id: Any) -> None:
        """Raise the first matching fail_next error, or 403 for a blocked chat (lock held)."""
        for failure in self._failures:
            if failure[0] == name and failure[1] in (None, chat_id):
                self._failures.remove(failure)
                raise ApiError(*failure[2:])
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
