"""The Open311 process (`python -m web.open311`): GeoReport v2 on OPEN311_HOST:OPEN311_PORT.

OPEN311_WORKERS processes (uvicorn's workers, sharing the listening socket) serve it; nothing is kept in a
worker, so more machines behind a load balancer serve it as well.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import get_settings
from web.open311.app import PREFIX, create_app

log = logging.getLogger("web.open311")


def create() -> Starlette:
    """The app of one worker, with its own database pool (uvicorn's factory)."""
    configure_logging()
    settings = get_settings()
    db = database(settings, create_tables=False)  # migrated by main() before the workers started

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        db.dispose()

    return create_app(settings=settings, db=db, lifespan=lifespan)


def main() -> int:
    """Migrate the database, then serve the API until SIGINT or SIGTERM."""
    configure_logging()
    settings = get_settings()
    owner_only(settings)
    database(settings).dispose()  # creates or migrates the tables, once
    log.info("Open311 GeoReport v2 at http://%s:%s%s/ in %d worker(s)", settings.open311_host,
             settings.open311_port, PREFIX, settings.open311_workers)
    uvicorn.run("web.open311.__main__:create", factory=True, host=settings.open311_host, port=settings.open311_port,
                workers=settings.open311_workers, log_level="warning", ws="none",
                **proxy_options(settings.trusted_proxies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
