"""What the WeChat channel's tests share: the app on a real database with the fake WeChat API, and a caller that
signs (and in safe mode encrypts) calls as WeChat's server does."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Optional

import httpx

from bot.rasa_client import RasaClient, Reply
from bot.wechat.api import WeChatApi
from bot.wechat.app import create_app
from cases import residents
from cases.store.db import Database
from testkit.wechat import FakeWeChatServer, WeChatCaller
from tests.city import make_settings

TOKEN = "huiyin-wechat-token"


def new_aes_key() -> str:
    """An EncodingAESKey as the admin console makes one: 43 base64 characters."""
    return base64.b64encode(secrets.token_bytes(32)).decode()[:43]


def new_openid() -> str:
    """An OpenID-shaped id (28 characters)."""
    return "o" + secrets.token_urlsafe(20)[:27]


def wechat_settings(fake: FakeWeChatServer, *, database_url: str, media_dir, aes_key: Optional[str] = None,
                    **values):
    """Settings of a WeChat channel talking to the fake API."""
    return make_settings(database_url=database_url, media_dir=media_dir, wechat_token=TOKEN,
                         wechat_app_id=fake.app_id, wechat_app_secret=fake.secret, wechat_encoding_aes_key=aes_key,
                         wechat_api_base=fake.base_url, **values)


@dataclass
class Channel:
    """A running channel: its app, WeChat calling it, the fake API and the database."""

    app: object
    wechat: WeChatCaller
    fake: FakeWeChatServer
    db: Database
    rasa: RasaClient

    def resident(self, openid: str):
        """The resident row of an OpenID (detached), or None."""
        with self.db.transaction() as session:
            resident = residents.find_resident(session, channel="wechat", external_id=openid)
            if resident is not None:
                session.expunge(resident)
            return resident

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until this worker has no resident's turns in hand (the messages it stored are handled)."""
        await self.app.state.inbox.settle(timeout)


@asynccontextmanager
async def fake_wechat(fake: Optional[FakeWeChatServer]):
    """`fake` as given, else a new fake WeChat API for the block."""
    if fake is not None:
        yield fake
        return
    async with FakeWeChatServer() as new:
        yield new


@asynccontextmanager
async def wechat_channel(db: Database, rasa: RasaClient, media_dir, *, aes_key: Optional[str] = None,
                         fake: Optional[FakeWeChatServer] = None, **values):
    """The WeChat app on `db` and `rasa`, with the fake API (`fake`, or one of its own), running as a server runs it
    (its lifespan: the inbox's dispatcher); at the end it finishes the turns in hand and leaves the rest stored."""
    async with fake_wechat(fake) as api_server:
        settings = wechat_settings(api_server, database_url=db.url, media_dir=media_dir, aes_key=aes_key, **values)
        api = WeChatApi(settings, db=db)
        app = create_app(settings=settings, db=db, rasa=rasa, api=api)
        try:
            async with app.router.lifespan_context(app), \
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wechat",
                                      timeout=30) as client:
                yield Channel(app, WeChatCaller(client, token=TOKEN, app_id=api_server.app_id, aes_key=aes_key),
                              api_server, db, rasa)
        finally:
            api.close()


class EchoRasa(RasaClient):
    """Rasa faked: answers "echo: <message>" after `delay` seconds, or never while `held` (a turn in hand when its
    worker dies); records when each message's turn was in Rasa, in `calls` (shared by several workers' fakes)."""

    def __init__(self, calls: Optional[list] = None, *, delay: float = 0.0, held: bool = False):
        super().__init__("http://127.0.0.1:9")  # never called
        self.calls: list[tuple[str, float, float]] = [] if calls is None else calls
        self.delay, self.held, self.received = delay, held, asyncio.Event()

    async def send(self, sender, message):
        started = time.monotonic()
        self.received.set()
        if self.held:
            await asyncio.Event().wait()  # until the task is cancelled
        await asyncio.sleep(self.delay)
        self.calls.append((message, started, time.monotonic()))
        return [Reply(text=f"echo: {message}")]
