"""The console process (`python -m web`): the staff web console on CONSOLE_HOST:CONSOLE_PORT."""

from __future__ import annotations

import logging
import sys

import uvicorn

from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import Settings, get_settings
from web.app import create_app

log = logging.getLogger("web")


def server_config(app, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves the console: its address, and proxy headers only from TRUSTED_PROXIES."""
    return uvicorn.Config(app, host=settings.console_host, port=settings.console_port, log_level="warning",
                          ws="none", **proxy_options(settings.trusted_proxies))


def main() -> int:
    """Migrate the database, then serve the console until SIGINT or SIGTERM."""
    configure_logging()
    settings = get_settings()
    owner_only(settings)  # the database and anything else this process writes: owner-only
    db = database(settings)
    try:
        app = create_app(settings=settings, db=db)
        log.info("staff console at http://%s:%s/", settings.console_host, settings.console_port)
        uvicorn.Server(server_config(app, settings)).run()
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
