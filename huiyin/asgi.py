"""ASGI middleware both web apps use: an error that keeps the connection, security headers, proxy trust."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Optional

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# Given the request's scope and the exception, an ASGI app that answers (a Starlette Response will do).
ErrorHandler = Callable[[Scope, Exception], Awaitable[ASGIApp]]

# How long our HTTP servers (Rasa, the action server) keep an idle connection open. Longer than any of our
# clients reuses one (30 s: bot.rasa_client, rasa_runtime.http), so a server never closes a connection just
# as a client writes a request to it; Sanic's default of 5 s did, under load.
SERVER_KEEP_ALIVE_SECONDS = 75

PLAIN_500 = b"Something went wrong on our side; what you just did may not have been saved. Please try again."


def _frames_only(exc: BaseException) -> str:
    """The traceback's frames and exception types, without exception messages.

    Messages can carry what was sent (a database error quotes its parameters, a decode error the text),
    so they stay out of the log; the frames say where it broke.
    """
    lines: list[str] = []
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(f"{type(current).__module__}.{type(current).__qualname__}\n")
        lines.extend(traceback.format_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    return "".join(lines)


class CatchErrors:
    """Answer an exception from the app with a 500 and do not re-raise it, so the server keeps the connection.

    Starlette's ServerErrorMiddleware re-raises after its 500, and uvicorn then closes the keep-alive
    connection; this middleware sits inside it and lets nothing through. The exception is logged once,
    with its method and path but never the request body or the query string.
    """

    def __init__(self, app: ASGIApp, *, handler: Optional[ErrorHandler] = None,
                 logger: Optional[logging.Logger] = None):
        self.app, self.handler, self.log = app, handler, logger or log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as exc:  # noqa: BLE001 - the last place any failure can be answered
            self.log.error("unhandled error on %s %s\n%s", scope.get("method"), scope.get("path"), _frames_only(exc))
            if not started:
                await self._answer(scope, receive, send, exc)
            # A response already under way cannot be turned into a 500; the server ends that one connection.

    async def _answer(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        if self.handler is not None:
            try:
                response = await self.handler(scope, exc)
                await response(scope, receive, send)
                return
            except Exception as again:  # noqa: BLE001 - the error page itself failed: fall back to plain text
                self.log.error("the error page failed too\n%s", _frames_only(again))
        await send({"type": "http.response.start", "status": 500,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                                (b"content-length", str(len(PLAIN_500)).encode())]})
        await send({"type": "http.response.body", "body": PLAIN_500})


class SecurityHeaders:
    """The same protective headers on every response, plus Strict-Transport-Security over HTTPS.

    The scheme is the one the server settled on: X-Forwarded-Proto counts only from a trusted proxy
    (see `proxy_options`), so plain-HTTP requests never carry HSTS.
    """

    def __init__(self, app: ASGIApp, *, headers: Iterable[tuple[bytes, bytes]], hsts_max_age: int = 0):
        self.app, self.headers = app, list(headers)
        self.hsts = [(b"strict-transport-security", f"max-age={hsts_max_age}".encode())] if hsts_max_age > 0 else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        added = self.headers + (self.hsts if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + added
            await send(message)

        await self.app(scope, receive, send_with_headers)


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For/-Proto honoured only from the listed addresses, none if empty.

    uvicorn's own default trusts any local caller; a comma-separated list (addresses or networks,
    `*` for any) must name the reverse proxy explicitly.
    """
    hosts = [host.strip() for host in trusted_proxies.split(",") if host.strip()]
    return {"proxy_headers": bool(hosts), "forwarded_allow_ips": hosts}
