"""The action server process (`python -m actions`): our actions for Rasa, on ACTION_SERVER_HOST:ACTION_SERVER_PORT."""

from __future__ import annotations

import logging
import sys

from rasa_sdk import utils as sdk_utils

from actions.runtime.deps import Deps
from actions.runtime.server import build_app
from huiyin import bootstrap
from huiyin.settings import get_settings

log = logging.getLogger("actions")


def main() -> int:
    """Serve the actions to callers with ACTION_SERVER_TOKEN until SIGINT or SIGTERM."""
    bootstrap.configure_logging()
    sdk_utils.update_sanic_log_level()  # Sanic's own loggers: warnings only, unless LOG_LEVEL_LIBRARIES says so
    settings = get_settings()
    bootstrap.owner_only(settings)
    app = build_app(bootstrap.secret(settings, "action_server_token"), Deps(settings))
    log.info("action server on http://%s:%s/ (calls need the action server token)",
             settings.action_server_host, settings.action_server_port)
    # ACTION_SERVER_SANIC_WORKERS, as rasa_sdk reads it, sets the number of worker processes.
    app.run(settings.action_server_host, settings.action_server_port, workers=sdk_utils.number_of_sanic_workers(),
            access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
