"""The WeChat channel's process: `python -m bot.wechat` serves /wechat on WECHAT_HOST:WECHAT_PORT.

The access token is shared with every other process through the database (bot/wechat/tokens.py), so several
channel processes and the jobs' sender may run side by side.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from bot.rasa_client import RasaClient
from bot.wechat.api import WeChatApi
from bot.wechat.app import create_app
from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import Settings, get_settings

log = logging.getLogger("bot.wechat")


def create(settings: Settings) -> Starlette:
    """The app with its database, Rasa client and WeChat API client, closed when it stops."""
    db = database(settings)
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)
    api = WeChatApi(settings, db=db)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await rasa.wait_until_ready()  # stored messages taken before Rasa has its model would only get apologies
        yield  # the app's inbox has stopped by now: turns in hand finished, the rest stored for another worker
        await rasa.aclose()
        api.close()
        db.dispose()

    return create_app(settings=settings, db=db, rasa=rasa, api=api, lifespan=lifespan)


def main() -> int:
    """Serve the WeChat channel until SIGINT or SIGTERM. Not configured, it idles until then: the Procfile's
    supervisor (honcho) would stop every process if one ended."""
    configure_logging()
    settings = get_settings()
    if not settings.wechat_enabled():
        log.info("WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET not all set: WeChat channel off")
        while True:
            signal.pause()  # SIGINT and SIGTERM end the process as usual
    owner_only(settings)  # photos and the database this process writes: owner-only
    log.info("WeChat channel at http://%s:%s/wechat (%s mode)", settings.wechat_host, settings.wechat_port,
             "safe" if settings.wechat_encoding_aes_key else "plain")
    uvicorn.run(create(settings), host=settings.wechat_host, port=settings.wechat_port, log_level="warning",
                ws="none", **proxy_options(settings.trusted_proxies))
    return 0
