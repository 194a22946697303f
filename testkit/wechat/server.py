"""The fake WeChat API (real HTTP on a free port): access tokens (counted, revocable), customer-service and template
messages (recorded; errors injected per OpenID, the 48-hour window closed per OpenID), media."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

INVALID_TOKEN = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
MAX_TEXT_BYTES = 2048
ERRORS = {-1: "system error", 43004: "require subscribe", 43019: "require remove blacklist",
          45009: "reach max api daily quota limit", 45015: "response out of time limit or subscription is canceled",
          45047: "out of response count limit", 40003: "invalid openid"}


@dataclass(frozen=True)
class Sent:
    """A customer-service message the channel sent."""

    touser: str
    msgtype: str
    text: str
    at: float


@dataclass(frozen=True)
class TemplateSent:
    """A template message the sender sent."""

    touser: str
    template_id: str
    url: str | None
    data: dict


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    def capture_signals(self):
        return contextlib.nullcontext()


class FakeWeChatServer:
    """WeChat's API under `base_url` (point WECHAT_API_BASE at it); `async with` serves it on the running loop."""

    def __init__(self, *, app_id: str = "wx-test-app", secret: str = "test-secret"):
        self.app_id, self.secret = app_id, secret
        self.tokens: list[str] = []  # every token issued, the latest valid
        self.sent: list[Sent] = []
        self.media: dict[str, bytes] = {}
        self.templates: list[TemplateSent] = []
        self.refuse_sends_to: set[str] = set()  # OpenIDs WeChat refuses messages to (e.g. unsubscribed)
        self.window_closed: set[str] = set()  # OpenIDs silent for 48 hours: customer-service messages get 45015
        self.errors: dict[str, list[int]] = {}  # per OpenID, the error codes its next sends get, in order
        self._revoked = 0  # tokens issued before this index are no longer valid
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/"
        self._app = Starlette(routes=[
            Route("/cgi-bin/token", self._token, methods=["GET"]),
            Route("/cgi-bin/message/custom/send", self._send, methods=["POST"]),
            Route("/cgi-bin/message/template/send", self._template, methods=["POST"]),
            Route("/cgi-bin/media/get", self._media, methods=["GET"]),
        ])
        self._server: _Server | None = None
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> FakeWeChatServer:
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off", loop="asyncio",
                                ws="none", timeout_graceful_shutdown=1)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        deadline = asyncio.get_running_loop().time() + 10
        while not self._server.started:
            if self._task.done():
                self._task.result()  # it failed to start: say why
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("fake WeChat server did not start")
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc_info) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await self._task
        self._socket.close()

    # ---- what tests set up and read --------------------------------------------------------

    def add_media(self, data: bytes) -> str:
        """Keep a file as a resident's upload; its media id."""
        media_id = secrets.token_urlsafe(12)
        self.media[media_id] = data
        return media_id

    @property
    def token_calls(self) -> int:
        """How many access tokens were fetched."""
        return len(self.tokens)

    def expire_tokens(self) -> None:
        """Every token issued so far stops being valid (WeChat's 40001 until a new one is fetched)."""
        self._revoked = len(self.tokens)

    def fail_next(self, openid: str, *codes: int) -> None:
        """The resident's next sends (customer-service or template) get these WeChat error codes, one each."""
        self.errors.setdefault(openid, []).extend(codes)

    def templates_to(self, openid: str) -> list[TemplateSent]:
        """The template messages sent to a resident, oldest first."""
        return [sent for sent in self.templates if sent.touser == openid]

    def texts_to(self, openid: str) -> list[str]:
        """The texts sent to a resident, oldest first."""
        return [sent.text for sent in self.sent if sent.touser == openid]

    async def wait_for_texts(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        """The first `count` texts sent to a resident, waiting up to `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        while len(self.texts_to(openid)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.texts_to(openid))} of {count} texts after {timeout}s: "
                                     f"{self.texts_to(openid)}")
            await asyncio.sleep(0.02)
        return self.texts_to(openid)[:count]

    async def wait_until_quiet(self, openid: str, quiet: float = 0.5, timeout: float = 20.0) -> list[str]:
        """Every text sent to a resident once nothing more has come for `quiet` seconds."""
        deadline, seen, since = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.texts_to(openid))
            if count != seen:
                seen, since = count, time.monotonic()
            elif count and time.monotonic() - since >= quiet:
                return self.texts_to(openid)
            await asyncio.sleep(0.02)
        raise AssertionError(f"no quiet answer after {timeout}s: {self.texts_to(openid)}")

    # ---- the API -------------------------------------------------------------------------

    def _valid(self, request: Request) -> bool:
        return len(self.tokens) > self._revoked and request.query_params.get("access_token") == self.tokens[-1]

    def _injected(self, openid: object) -> Response | None:
        codes = self.errors.get(str(openid))
        if not codes:
            return None
        code = codes.pop(0)
        return JSONResponse({"errcode": code, "errmsg": ERRORS.get(code, "error")})

    async def _token(self, request: Request) -> Response:
        query = request.query_params
        if (query.get("grant_type"), query.get("appid"), query.get("secret")) != (
                "client_credential", self.app_id, self.secret):
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.tokens.append(secrets.token_urlsafe(24))
        return JSONResponse({"access_token": self.tokens[-1], "expires_in": 7200})

    async def _refusal(self, request: Request) -> tuple[dict, Response | None]:
        """A message call's body, and WeChat's refusal if there is one: the token, an unfollowed or injected error."""
        if not self._valid(request):
            return {}, JSONResponse(INVALID_TOKEN)
        body = await request.json()
        if body.get("touser") in self.refuse_sends_to:
            return body, JSONResponse({"errcode": 43004, "errmsg": "require subscribe"})
        return body, self._injected(body.get("touser"))

    async def _send(self, request: Request) -> Response:
        body, refused = await self._refusal(request)
        if refused is not None:
            return refused
        if body.get("touser") in self.window_closed:
            return JSONResponse({"errcode": 45015, "errmsg": ERRORS[45015]})
        if body.get("msgtype") != "text" or not isinstance((body.get("text") or {}).get("content"), str):
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        if len(body["text"]["content"].encode()) > MAX_TEXT_BYTES:
            return JSONResponse({"errcode": 45002, "errmsg": "content size out of limit"})
        self.sent.append(Sent(body["touser"], "text", body["text"]["content"], time.monotonic()))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _template(self, request: Request) -> Response:
        body, refused = await self._refusal(request)
        if refused is not None:
            return refused
        if not body.get("template_id") or not isinstance(body.get("data"), dict):
            return JSONResponse({"errcode": 40037, "errmsg": "invalid template_id"})
        self.templates.append(TemplateSent(body["touser"], body["template_id"], body.get("url"), body["data"]))
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": len(self.templates)})

    async def _media(self, request: Request) -> Response:
        if not self._valid(request):
            return JSONResponse(INVALID_TOKEN)
        data = self.media.get(request.query_params.get("media_id", ""))
        if data is None:
            return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
        return Response(data, media_type="image/jpeg",
                        headers={"content-disposition": 'attachment; filename="photo.jpg"'})
