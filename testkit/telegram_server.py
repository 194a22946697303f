"""A fake Telegram Bot API server that python-telegram-bot can be pointed at in tests."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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
_SEND_NAMES = frozenset(m.lower() for m in SEND_METHODS)


class _ApiError(Exception):
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


def _decode(key: str, value: Any) -> Any:
    """Turn a form-encoded Bot API parameter back into its JSON type (chat_id "@name" stays)."""
    if key not in TYPED_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _chat(chat_id: int) -> dict:
    """A Chat object: positive ids are private chats, -100… supergroups, other negatives groups."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Ana"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


async def post_update_to_webhook(url: str, update: dict, secret_token: str | None = None) -> int:
    """POST an update to the bot's webhook the way Telegram does; return the HTTP status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
    async with httpx.AsyncClient() as client:
        return (await client.post(url, json=update, headers=headers, timeout=10)).status_code


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    def capture_signals(self):
        return contextlib.nullcontext()


class FakeTelegramServer:
    """Fake Bot API on 127.0.0.1: `with` runs it in a thread, `async with` on the current loop."""

    def __init__(self, *, token: str = TOKEN, enforce_limits: bool = True,
                 bot_username: str = "huiyin_test_bot"):
        self.token, self.enforce_limits = token, enforce_limits
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Huiyin",
                         "username": bot_username}
        self._lock = threading.Lock()
        self._poll_generation = 0
        self.reset()
        self._closing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task | None = None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.base_url, self.base_file_url = f"{self.url}/bot", f"{self.url}/file/bot"
        self._methods: dict[str, Callable[[dict], Any]] = {
            "getme": lambda p: self.bot_user,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "answercallbackquery": lambda p: True,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "sendchataction": lambda p: True,
        }
        self._app = Starlette(routes=[
            Route("/bot{token}/{method}", self._handle_api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", self._handle_file, methods=["GET"]),
        ])

    def reset(self) -> None:
        """Forget all state (recordings, updates, files, failures, webhook) to reuse the server."""
        with self._lock:
            self.webhook_url: str | None = None
            self.webhook_secret: str | None = None
            self._calls: list[Call] = []
            self._unknown: list[Call] = []
            self._sent: list[SentMessage] = []
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
            self._counter = 0
            self._poll_generation += 1  # ends long polls left over from an earlier bot

    # ---- lifecycle -------------------------------------------------------------------------

    def _make_server(self) -> _Server:
        """Build the uvicorn server around the Starlette app."""
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off",
                                loop="asyncio", ws="none", timeout_graceful_shutdown=1)
        self._server = _Server(config)
        return self._server

    def start(self) -> FakeTelegramServer:
        """Serve from a background thread."""
        server = self._make_server()
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self._socket]},
                                        name="fake-telegram", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(POLL_STEP)
        if not server.started:
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop(self) -> None:
        """Stop the background-thread server."""
        self._closing = True
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)

    async def start_async(self) -> FakeTelegramServer:
        """Serve as a task on the running event loop."""
        server = self._make_server()
        self._task = asyncio.create_task(server.serve(sockets=[self._socket]))
        while not server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(POLL_STEP)
        return self

    async def stop_async(self) -> None:
        """Stop the event-loop server."""
        self._closing = True
        if self._server:
            self._server.should_exit = True
        if self._task:
            await self._task

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start_async()

    async def __aexit__(self, *exc) -> None:
        await self.stop_async()

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
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

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

    # ---- failure injection -------------------------------------------------------------------

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

    # ---- injection (test -> bot) -------------------------------------------------------------

    def register_file(self, content: bytes, *, file_path: str | None = None) -> dict:
        """Store bytes to be served at the file URL; return the File dict (file_id, file_path…)."""
        with self._lock:
            return dict(self._store_file(content, file_path or "documents/file_{n}.bin"))

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates with the next update_id; return it."""
        with self._lock:
            self._last_update_id += 1
            update = {**update, "update_id": self._last_update_id}
        return self.push_raw_update(update)

    def push_raw_update(self, update: dict) -> dict:
        """Queue an update keeping its update_id (e.g. to deliver the same update twice)."""
        with self._lock:
            self._last_update_id = max(self._last_update_id, update["update_id"])
            if self.webhook_url is None:  # with a webhook set, tests post_update_to_webhook it
                self._updates.append([copy.deepcopy(update), False])
        return update

    def push_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  first_name: str = "Ana", language_code: str = "en") -> dict:
        """A user sends text (a leading /command gets its bot_command entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self._push_message(chat_id, content, user_id, first_name, language_code)

    def push_location(self, chat_id: int, lat: float, lon: float, **sender) -> dict:
        """A user shares a location; sender takes push_text's user_id/first_name/language_code."""
        return self._push_message(chat_id, {"location": {"latitude": lat, "longitude": lon}},
                                  **sender)

    def push_photo(self, chat_id: int, image_bytes: bytes, *, caption: str | None = None,
                   **sender) -> dict:
        """A user sends a photo, offered in three sizes that all download as image_bytes."""
        sizes = []
        with self._lock:
            for side in (90, 320, 1280):
                file = self._store_file(image_bytes, "photos/file_{n}.jpg")
                sizes.append({"file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
                              "width": side, "height": side, "file_size": len(image_bytes)})
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(chat_id, content, **sender)

    def push_sticker(self, chat_id: int, emoji: str = "🙂", **sender) -> dict:
        """A user sends a sticker."""
        fields = {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                  "is_video": False, "emoji": emoji}
        return self._push_file(chat_id, "sticker", b"RIFF\0\0\0\0WEBP", "stickers/file_{n}.webp",
                               fields, None, sender)

    def push_voice(self, chat_id: int, audio_bytes: bytes = b"OggS", *, duration: int = 1,
                   **sender) -> dict:
        """A user sends a voice note."""
        fields = {"duration": duration, "mime_type": "audio/ogg"}
        return self._push_file(chat_id, "voice", audio_bytes, "voice/file_{n}.oga", fields, None,
                               sender)

    def push_document(self, chat_id: int, content: bytes, *, file_name: str = "document.txt",
                      mime_type: str = "text/plain", caption: str | None = None,
                      **sender) -> dict:
        """A user sends a file."""
        fields = {"file_name": file_name, "mime_type": mime_type}
        return self._push_file(chat_id, "document", content, "documents/file_{n}_" + file_name,
                               fields, caption, sender)

    def push_callback(self, chat_id: int, data: str, message_id: int | None = None, *,
                      user_id: int | None = None, first_name: str = "Ana",
                      language_code: str = "en") -> dict:
        """A user presses an inline button on the bot's message `message_id`."""
        with self._lock:
            self._counter += 1
            query: dict[str, Any] = {
                "id": str(self._counter), "from": self._user(chat_id, user_id, first_name,
                                                             language_code),
                "chat_instance": str(chat_id), "data": data}
            if message_id is not None:
                query["message"] = copy.deepcopy(self._messages.get((chat_id, message_id)) or {
                    "message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id),
                    "from": self.bot_user, "text": ""})
        return self.push_update({"callback_query": query})

    # ---- helpers -----------------------------------------------------------------------------

    def _push_file(self, chat_id: int, kind: str, content: bytes, path_pattern: str,
                   fields: dict, caption: str | None, sender: dict) -> dict:
        """Register a file and push a user message carrying it as `kind` (voice, document…)."""
        file = self.register_file(content, file_path=path_pattern)
        message: dict[str, Any] = {kind: {"file_id": file["file_id"], "file_size": len(content),
                                          "file_unique_id": file["file_unique_id"], **fields}}
        if caption is not None:
            message["caption"] = caption
        return self._push_message(chat_id, message, **sender)

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

    def _push_message(self, chat_id: int, content: dict, user_id: int | None = None,
                      first_name: str = "Ana", language_code: str = "en") -> dict:
        """Create a user message in the chat and queue it as an update."""
        with self._lock:
            sender = self._user(chat_id, user_id, first_name, language_code)
            message = self._new_message(chat_id, sender, content)
        return self.push_update({"message": message})

    def _new_message(self, chat_id: int, sender: dict, content: dict) -> dict:
        """Store a message with the chat's next message_id (call with the lock held)."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id),
                   "from": sender, **copy.deepcopy(content)}
        self._messages[(chat_id, message_id)] = message
        return copy.deepcopy(message)

    def _limit_violation(self, chat_id: int | None, now: float) -> str | None:
        """Which of Telegram's limits one more send would break, if any (lock held)."""
        while self._send_log and now - self._send_log[0][0] >= 60:
            self._send_log.popleft()
        last_second = [c for t, c in self._send_log if now - t < 1.0]
        if len(last_second) >= 30:
            return "more than 30 sends per second overall"
        if not isinstance(chat_id, int):
            return None
        if chat_id > 0 and chat_id in last_second:
            return "more than 1 send per second to a private chat"
        if chat_id < 0 and sum(c == chat_id for _, c in self._send_log) >= 20:
            return "more than 20 sends per minute to a group"
        return None

    def _raise_injected_failure(self, name: str, chat_id: Any) -> None:
        """Raise the first matching fail_next error, or 403 for a blocked chat (lock held)."""
        for failure in self._failures:
            if failure[0] == name and failure[1] in (None, chat_id):
                self._failures.remove(failure)
                raise _ApiError(*failure[2:])
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _run(self, name: str, params: dict) -> Any:
        """Run a (non-getUpdates) method, applying the rate limits to sends (lock held)."""
        chat_id, handler = params.get("chat_id"), self._methods[name]
        if name not in _SEND_NAMES:
            return handler(params)
        now = time.monotonic()
        reason = self._limit_violation(chat_id, now)
        if reason:
            self._violations.append(Violation(reason, chat_id, now))
            if self.enforce_limits:
                raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        result = handler(params)
        self._send_log.append((now, chat_id))
        return result

    # ---- HTTP endpoints ----------------------------------------------------------------------

    async def _handle_api(self, request: Request) -> Response:
        """POST /bot<token>/<method>: run a Bot API method and record the call."""
        started, method = time.monotonic(), request.path_params["method"]
        name, params = method.lower(), await self._read_params(request)
        known = name in self._methods or name == "getupdates"
        try:
            if request.path_params["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            with self._lock:
                hang = self._take_hang(name, params.get("chat_id"))
            if hang:
                while not self._unhang.is_set():
                    await asyncio.sleep(POLL_STEP)
                raise _ApiError(502, "Bad Gateway")
            with self._lock:
                self._raise_injected_failure(name, params.get("chat_id"))
            if not known:
                raise _ApiError(404, "Not Found")
            if name == "getupdates":
                result = await self._get_updates(params, request)
            else:
                with self._lock:
                    result = self._run(name, params)
            status, body = 200, {"ok": True, "result": result}
        except _ApiError as error:
            status = error.status
            body = {"ok": False, "error_code": status, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
        with self._lock:
            call = Call(method, params, started, status)
            self._calls.append(call)
            if not known:
                self._unknown.append(call)
        # Like the real Bot API, non-ASCII is sent as \u escapes: so a lone surrogate can arrive, as it can there.
        return Response(json.dumps(body, ensure_ascii=True), status_code=status, media_type="application/json")

    async def _handle_file(self, request: Request) -> Response:
        """GET /file/bot<token>/<file_path>: serve a registered file's bytes."""
        with self._lock:
            content = self._file_bytes.get(request.path_params["file_path"])
        if request.path_params["token"] != self.token or content is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(content, media_type="application/octet-stream")

    @staticmethod
    async def _read_params(request: Request) -> dict[str, Any]:
        """Parameters from the query string and a JSON, urlencoded or multipart body."""
        params: dict[str, Any] = dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/json"):
            params.update(json.loads(await request.body() or b"{}"))
        else:
            async with request.form() as form:
                for key, value in form.multi_items():
                    params[key] = await value.read() if hasattr(value, "read") else value
        for key, value in params.items():  # resolve attach://<part> references to the bytes
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.get(value[len("attach://"):], value)
        return {key: _decode(key, value) for key, value in params.items()}

    # ---- Bot API methods -----------------------------------------------------------------------

    async def _get_updates(self, params: dict, request: Request) -> list[dict]:
        """Long-poll: confirm updates below offset, return pending ones or wait up to timeout."""
        offset, limit = params.get("offset") or 0, params.get("limit") or 100
        deadline = time.monotonic() + (params.get("timeout") or 0)
        with self._lock:
            if self.webhook_url is not None:
                raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                     "active; use deleteWebhook to delete the webhook first")
            self._poll_generation += 1
            generation = self._poll_generation
            self._updates = [e for e in self._updates if not (e[1] and e[0]["update_id"] < offset)]
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    raise _ApiError(409, "Conflict: terminated by other getUpdates request; "
                                         "make sure that only one bot instance is running")
                ready = sorted(self._updates, key=lambda e: e[0]["update_id"])[:limit]
                if ready or self._closing or time.monotonic() >= deadline:
                    for entry in ready:
                        entry[1] = True
                    return [copy.deepcopy(entry[0]) for entry in ready]
            if await request.is_disconnected():
                return []
            await asyncio.sleep(POLL_STEP)

    def _delete_webhook(self, params: dict) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: dict) -> bool:
        """setWebhook: remember url and secret_token."""
        self.webhook_url, self.webhook_secret = params["url"], params.get("secret_token")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        """getWebhookInfo."""
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _bot_message(self, method: str, params: dict, content: dict) -> dict:
        """Store and record a message the bot sent; return it as a Message dict."""
        chat_id = params["chat_id"]
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        message = self._new_message(chat_id, self.bot_user, content)
        self._sent.append(SentMessage(chat_id, message["message_id"],
                                      content.get("text", content.get("caption")), markup,
                                      method, time.monotonic(), params))
        return message

    def _send_message(self, params: dict) -> dict:
        """sendMessage."""
        text = params.get("text") or ""
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._bot_message("sendMessage", params, {"text": text})

    def _send_photo(self, params: dict) -> dict:
        """sendPhoto with uploaded bytes or a known file_id."""
        photo = params.get("photo")
        if isinstance(photo, bytes):
            file = self._store_file(photo, "photos/file_{n}.jpg")
        elif photo in self._files:
            file = self._files[photo]
        else:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        size = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"],
                "width": 1280, "height": 1280, "file_size": file["file_size"]}
        content: dict[str, Any] = {"photo": [size]}
        if params.get("caption") is not None:
            content["caption"] = params["caption"]
        return self._bot_message("sendPhoto", params, content)

    def _get_file(self, params: dict) -> dict:
        """getFile for a registered file_id."""
        file = self._files.get(params.get("file_id"))
        if file is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return dict(file)

    def _edit(self, params: dict, changes: dict) -> dict | bool:
        """Apply an edit to a stored message, refusing no-op edits like Telegram."""
        if "inline_message_id" in params:
            return True
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        new = {k: v for k, v in {**message, **changes}.items() if v is not None}
        if new == message:
            raise _ApiError(400, "Bad Request: message is not modified: specified new message "
                                 "content and reply markup are exactly the same as a current "
                                 "content and reply markup of the message")
        message.clear()
        message.update(new, edit_date=int(time.time()))
        return copy.deepcopy(message)

    def _edit_message_text(self, params: dict) -> dict | bool:
        """editMessageText."""
        return self._edit(params, {"text": params.get("text"),
                                   "reply_markup": params.get("reply_markup")})

    def _edit_reply_markup(self, params: dict) -> dict | bool:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        return self._edit(params, {"reply_markup": params.get("reply_markup")})
