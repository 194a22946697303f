"""The fake Telegram Bot API server (HTTP, lifecycle, dispatch) that python-telegram-bot can be pointed at in tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.telegram.faults import Faults
from testkit.telegram.methods import BotMethods
from testkit.telegram.records import POLL_STEP, SEND_METHODS, TOKEN, TYPED_PARAMS, ApiError, Call, Violation
from testkit.telegram.updates import UpdateBuilders

_SEND_NAMES = frozenset(m.lower() for m in SEND_METHODS)


def _decode(key: str, value: Any) -> Any:
    """Turn a form-encoded Bot API parameter back into its JSON type (chat_id "@name" stays)."""
    if key not in TYPED_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value



async def post_update_to_webhook(url: str, update: dict, secret_token: str | None = None) -> int:
    """POST an update to the bot's webhook the way Telegram does; return the HTTP status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
    async with httpx.AsyncClient() as client:
        return (await client.post(url, json=update, headers=headers, timeout=10)).status_code


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    def capture_signals(self):
        return contextlib.nullcontext()


class FakeTelegramServer(UpdateBuilders, Faults, BotMethods):
    """Fake Bot API on 127.0.0.1: `with` runs it in a thread, `async with` on the current loop."""

    def __init__(self, *, token: str = TOKEN, enforce_limits: bool = True,
                 bot_username: str = "huiyin_test_bot"):
        super().__init__(token=token, enforce_limits=enforce_limits, bot_username=bot_username)
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
            "senddocument": self._send_document,
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
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        result = handler(params)
        self._send_log.append((now, chat_id))
        if isinstance(chat_id, int) and chat_id > 0:  # one more send out of the chat's burst, refilled 1 a second
            self._chat_full_at[chat_id] = max(self._chat_full_at.get(chat_id, 0.0), now) + 1.0
        return result

    # ---- HTTP endpoints ----------------------------------------------------------------------

    async def _handle_api(self, request: Request) -> Response:
        """POST /bot<token>/<method>: run a Bot API method and record the call."""
        started, method = time.monotonic(), request.path_params["method"]
        name, params = method.lower(), await self._read_params(request)
        known = name in self._methods or name == "getupdates"
        try:
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            with self._lock:
                hang = self._take_hang(name, params.get("chat_id"))
            if hang:
                while not self._unhang.is_set():
                    await asyncio.sleep(POLL_STEP)
                raise ApiError(502, "Bad Gateway")
            with self._lock:
                self._raise_injected_failure(name, params.get("chat_id"))
            if not known:
                raise ApiError(404, "Not Found")
            if name == "getupdates":
                result = await self._get_updates(params, request)
            else:
                with self._lock:
                    result = self._run(name, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
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
                    if getattr(value, "filename", None):  # an upload's name, as sendDocument shows it
                        params.setdefault("_filenames", {})[key] = value.filename
        for key, value in params.items():  # resolve attach://<part> references to the bytes
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.get(value[len("attach://"):], value)
        return {key: _decode(key, value) for key, value in params.items()}
