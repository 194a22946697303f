"""The Open311 process (`python -m web.open311`): GeoReport v2 on OPEN311_HOST:OPEN311_PORT."""

from __future__ import annotations

import logging
import sys

import uvicorn

from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import get_settings
from web.open311.app import PREFIX, create_app

log = logging.getLogger("web.open311")


def main() -> int:
    """Migrate the database, then serve the API until SIGINT or SIGTERM."""
    configure_logging()
    settings = get_settings()
    owner_only(settings)
    db = database(settings)
    try:
        app = create_app(settings=settings, db=db)
        log.info("Open311 GeoReport v2 at http://%s:%s%s/", settings.open311_host, settings.open311_port, PREFIX)
        uvicorn.Server(uvicorn.Config(app, host=settings.open311_host, port=settings.open311_port,
                                      log_level="warning", ws="none",
                                      **proxy_options(settings.trusted_proxies))).run()
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
