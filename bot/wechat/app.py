"""The WeChat channel's server URL, `/wechat`: WeChat's URL check (GET) and its messages and events (POST).

Every call is signed with the token typed in the admin console (`signature` over token, timestamp and nonce); in
safe mode the message is AES-encrypted and signed again (`msg_signature`, over the ciphertext too). A call that is
not signed right gets 403, a body we cannot read 400, never a stack trace. A message is stored first
(bot/wechat/inbox.py: a 503 if the database cannot take it, so WeChat retries), then answered "success" (an empty
reply); its turn runs afterwards on whichever worker holds the resident's lease (bot/wechat/turns.py), each MsgId
(or event) only once. `/wechat/mydata/<token>` opens the export a "my data" link was sent for, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
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

from bot import resident_data
from bot.dispatcher import Dispatcher
from bot.rasa_client import RasaClient
from bot.wechat import inbox
from bot.wechat.api import WeChatApi
from bot.wechat.turns import MY_DATA_PATH, Turns
from cases.store.db import Database
from huiyin.asgi import CatchErrors
from huiyin.settings import Settings

log = logging.getLogger("bot.wechat")

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few kilobytes; a text holds at most 2,048 bytes
MAX_OPENID = 64  # OpenIDs have 28 characters; the keys and the resident row have room for this many
MAX_TOKEN = 64  # "my data" tokens have 43 characters
LINK_GONE = ("This link has been used or has expired. Send \"my data\" again.\n"
             "此链接已使用或已过期，请重新发送“我的数据”。")


class Refused(Exception):
    """A call we do not take: its HTTP status and a short plain reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def plain(text: str, status: int = 200) -> Response:
    """A plain-text answer (WeChat reads the body of a 200 as the reply; "success" means none)."""
    return PlainTextResponse(text, status_code=status, headers={"cache-control": "no-store"})


class WeChatEndpoint:
    """The routes, sharing settings, the database, the inbox and (in safe mode) the message crypto."""

    def __init__(self, *, settings: Settings, db: Database, messages: Dispatcher):
        assert settings.wechat_token and settings.wechat_app_id, "the WeChat channel is configured"
        self.settings, self.db, self.messages, self.token = settings, db, messages, settings.wechat_token
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
        """A message or event: stored, then "success" (its turn runs afterwards), once per MsgId or event."""
        self.check_signed(request)
        message, xml = self.read(await self.body(request), request)
        try:
            await inbox.store(self.messages, message, xml)
        except SQLAlchemyError:  # WeChat retries a call that fails; by then the database may be back
            log.exception("WeChat call not taken: database unavailable")
            return plain("database unavailable", 503)
        return plain("success")

    async def my_data(self, request: Request) -> Response:
        """A resident's export, shown in WeChat's browser (it downloads no files), for a link still unused and
        unexpired (bot/wechat/turns.py sent it); the same 404 for every link that opens nothing."""
        if request.method == "HEAD":  # a link checker or preview must not use up the resident's one opening
            return Response(status_code=200, headers={"cache-control": "no-store"})
        token = request.path_params["token"]
        document = None
        if len(token) <= MAX_TOKEN and token.isascii():
            document = await asyncio.to_thread(resident_data.export_by_link, self.db, self.settings, token)
        if document is None:
            return plain(LINK_GONE, 404)
        return Response(document.data, media_type="application/json; charset=utf-8", headers={
            "content-disposition": f'inline; filename="{document.filename}"', "cache-control": "no-store",
            "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"})

    async def body(self, request: Request) -> bytes:
        """The request body, refused if longer than a WeChat message can be."""
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY_BYTES:
                raise Refused(413, "too large")
        return data

    def read(self, body: bytes, request: Request) -> tuple[Any, str]:
        """The message in the body as wechatpy parses it, and its XML (decrypted in safe mode); Refused otherwise."""
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
        return message, xml


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
    """The WeChat channel as an ASGI app (the caller owns and closes `db`, `rasa` and `api`). Its lifespan runs
    `lifespan`'s start, then the inbox's dispatcher (`app.state.inbox`), which at the end finishes the turns in hand
    and leaves the rest stored for the next worker."""
    turns = Turns(settings=settings, db=db, rasa=rasa, api=api)
    messages = inbox.dispatcher(settings=settings, db=db, turns=turns)
    endpoint = WeChatEndpoint(settings=settings, db=db, messages=messages)

    @contextlib.asynccontextmanager
    async def running(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            await stack.enter_async_context(messages)
            yield

    app = Starlette(
        routes=[Route("/wechat", endpoint.verify, methods=["GET"]),
                Route("/wechat", endpoint.receive, methods=["POST"]),
                Route(f"/wechat{MY_DATA_PATH}/{{token}}", endpoint.my_data, methods=["GET"]),
                Route("/healthz", lambda request: plain("ok"), methods=["GET"])],
        middleware=[Middleware(CatchErrors, handler=crashed, logger=log)],
        exception_handlers={Refused: refused},
        lifespan=running,
    )
    app.state.turns, app.state.inbox = turns, messages
    return app
