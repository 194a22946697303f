"""The WeChat channel's server URL, `/wechat`: WeChat's URL check (GET) and its messages and events (POST).

Every call is signed with the token typed in the admin console (`signature` over token, timestamp and nonce); in
safe mode the message is AES-encrypted and signed again (`msg_signature`, over the ciphertext too). A call that is
not signed right gets 403, a body we cannot read 400, never a stack trace. A message is answered "success" (an
empty reply) at once and its turn runs in the background (bot/wechat/turns.py), each MsgId (or event) only once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.rasa_client import RasaClient
from bot.wechat import records
from bot.wechat.api import WeChatApi
from bot.wechat.turns import Turns
from cases.store.db import Database
from huiyin.asgi import CatchErrors
from huiyin.settings import Settings

log = logging.getLogger("bot.wechat")

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few kilobytes; a text holds at most 2,048 bytes
MAX_OPENID = 64  # OpenIDs have 28 characters; the keys and the resident row have room for this many


class Refused(Exception):
    """A call we do not take: its HTTP status and a short plain reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def plain(text: str, status: int = 200) -> Response:
    """A plain-text answer (WeChat reads the body of a 200 as the reply; "success" means none)."""
    return PlainTextResponse(text, status_code=status, headers={"cache-control": "no-store"})


class WeChatEndpoint:
    """The routes, sharing settings, the database, the turns and (in safe mode) the message crypto."""

    def __init__(self, *, settings: Settings, db: Database, turns: Turns):
        assert settings.wechat_token and settings.wechat_app_id, "the WeChat channel is configured"
        self.settings, self.db, self.turns, self.token = settings, db, turns, settings.wechat_token
        key = settings.wechat_encoding_aes_key
        self.crypto: Optional[WeChatCrypto] = (
            WeChatCrypto(settings.wechat_token, key, settings.wechat_app_id) if key else None)

    def check_signed(self, request: Request) -> None:
        """The call's `signature` over token, timestamp and nonce; Refused(403) unless right."""
        query = request.query_params
        try:
            check_signature(self.token, query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", ""))
        except InvalidSignatureException:
            raise Refused(403, "signature") from None

    async def verify(self, request: Request) -> Response:
        """The admin console's URL check: echo `echostr` when signed with our token (the same in every mode:
        WeChat's safe mode encrypts messages, not this check)."""
        self.check_signed(request)
        return plain(request.query_params.get("echostr", ""))

    async def receive(self, request: Request) -> Response:
        """A message or event: "success" at once (its turn runs in the background), once per MsgId or event."""
        self.check_signed(request)
        message = self.read(await self.body(request), request)
        try:
            first = await asyncio.to_thread(records.first_time, self.db, records.message_key(message))
        except SQLAlchemyError:  # WeChat retries a call that fails; by then the database may be back
            log.exception("WeChat call not taken: database unavailable")
            return plain("database unavailable", 503)
        if first:
            self.turns.start(message)
        return plain("success")

    async def body(self, request: Request) -> bytes:
        """The request body, refused if longer than a WeChat message can be."""
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY_BYTES:
                raise Refused(413, "too large")
        return data

    def read(self, body: bytes, request: Request) -> Any:
        """The message in the body (decrypted in safe mode) as wechatpy parses it; Refused otherwise."""
        query = request.query_params
        encrypted = query.get("encrypt_type", "raw").lower() == "aes"
        if encrypted != (self.crypto is not None):  # plain calls in safe mode would skip the message's signature
            raise Refused(400, "safe mode" if self.crypto else "plain mode")
        try:
            xml = body.decode("utf-8")
            if self.crypto is not None:
                xml = self.crypto.decrypt_message(xml, query.get("msg_signature", ""), query.get("timestamp", ""),
                                                  query.get("nonce", ""))
            message = parse_message(xml)
        except InvalidSignatureException:
            raise Refused(403, "msg_signature") from None
        except Exception:  # noqa: BLE001 - XML, base64, AES and parsing all fail differently on junk: all mean 400
            raise Refused(400, "unreadable") from None
        source = getattr(message, "source", None)
        if message is None or not source or len(source) > MAX_OPENID or not getattr(message, "type", None):
            raise Refused(400, "no message")
        return message


async def refused(request: Request, exc: Exception) -> Response:
    """A refused call: its status and reason, logged without the body or query."""
    assert isinstance(exc, Refused)
    log.info("WeChat call refused (%d %s)", exc.status, exc.reason)
    return plain(exc.reason, exc.status)


async def crashed(scope: Any, exc: Exception) -> Response:
    """Anything else: a plain 500 with no detail (CatchErrors logged it)."""
    return plain("error", 500)


def create_app(*, settings: Settings, db: Database, rasa: RasaClient, api: WeChatApi,
               lifespan: Optional[Any] = None) -> Starlette:
    """The WeChat channel as an ASGI app (the caller owns and closes `db`, `rasa` and `api`); `app.state.turns`
    holds the background turns (await `drain()` before closing them)."""
    turns = Turns(settings=settings, db=db, rasa=rasa, api=api)
    endpoint = WeChatEndpoint(settings=settings, db=db, turns=turns)
    app = Starlette(
        routes=[Route("/wechat", endpoint.verify, methods=["GET"]),
                Route("/wechat", endpoint.receive, methods=["POST"]),
                Route("/healthz", lambda request: plain("ok"), methods=["GET"])],
        middleware=[Middleware(CatchErrors, handler=crashed, logger=log)],
        exception_handlers={Refused: refused},
        lifespan=lifespan,
    )
    app.state.turns = turns
    return app
