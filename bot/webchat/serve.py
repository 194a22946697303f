"""The web chat on its own, in several worker processes on one port: `python -m bot.webchat`.

For deployments that scale out: WEB_WORKERS processes (uvicorn's workers, which share the listening
socket, so the kernel spreads connections among them) serve the web chat, while Telegram runs in one
`python -m bot --telegram-only`. Nothing of a conversation is kept in a worker (signed cookies, the
database), so any worker, or any machine behind a load balancer, can answer any resident.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import get_settings

log = logging.getLogger("bot.webchat")


def create() -> Starlette:
    """The web chat app of one worker, with its own database pool and Rasa client (uvicorn's factory)."""
    configure_logging()
    settings = get_settings()
    db = database(settings, create_tables=False)  # `huiyin init-db` ran before the workers started
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await rasa.aclose()
        db.dispose()

    return create_app(settings=settings, db=db, rasa=rasa, lifespan=lifespan)


def main() -> None:
    """Serve the web chat with WEB_WORKERS processes until SIGINT or SIGTERM."""
    configure_logging()
    settings = get_settings()
    owner_only(settings)
    log.info("web chat at http://%s:%s/ in %d worker(s)", settings.web_host, settings.web_port, settings.web_workers)
    uvicorn.run("bot.webchat.serve:create", factory=True, host=settings.web_host, port=settings.web_port,
                workers=settings.web_workers, log_level="warning", ws="none",
                **proxy_options(settings.trusted_proxies))
