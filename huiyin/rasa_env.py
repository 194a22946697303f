"""`python -m huiyin.rasa_env COMMAND...`: run COMMAND (Rasa, as `python -m rasa_runtime run ...`) with the
action server's URL and token, the tracker store's URL, its server's keep-alive and telemetry off in its environment.

endpoints.yml reads `${ACTION_SERVER_URL}`, `${ACTION_SERVER_TOKEN}` and `${RASA_TRACKER_STORE_URL}` from
Rasa's environment. They come from the settings (environment, `.env`) and, when the token is not
configured, from the one generated under VAR_DIR that the action server uses too, so `make run` needs no
configuration. On PostgreSQL, Rasa's schema is created first.
"""

from __future__ import annotations

import os
import sys

from cases.store import conversations
from huiyin import bootstrap
from huiyin.asgi import SERVER_KEEP_ALIVE_SECONDS
from huiyin.settings import Settings, get_settings


def rasa_environment(settings: Settings) -> dict[str, str]:
    """This process's environment plus what endpoints.yml needs: the action server, and where conversations live."""
    environment = {
        **os.environ,
        "ACTION_SERVER_URL": settings.action_endpoint_url(),
        "ACTION_SERVER_TOKEN": bootstrap.secret(settings, "action_server_token"),
        "RASA_TRACKER_STORE_URL": conversations.for_rasa(settings.tracker_store_url()),
        # Rasa's Sanic server reads SANIC_* settings from its environment.
        "SANIC_KEEP_ALIVE_TIMEOUT": str(SERVER_KEEP_ALIVE_SECONDS),
        # Rasa's telemetry sends usage events and, on an error, its stack trace (which can quote a resident's
        # message) to Rasa's servers: a city's assistant sends nothing anywhere it was not told to.
        "RASA_TELEMETRY_ENABLED": "false",
    }
    if conversations.is_postgresql(settings.tracker_store_url()):
        environment["POSTGRESQL_SCHEMA"] = settings.rasa_tracker_schema  # read by Rasa's SQL tracker store
    return environment


def prepare(settings: Settings) -> None:
    """What must exist before Rasa starts: its PostgreSQL schema, or its SQLite file in WAL mode (several replicas
    and the scheduler's pruning then write it without waiting on each other's readers)."""
    url = settings.tracker_store_url()
    if conversations.is_postgresql(url):
        conversations.ensure_schema(url, settings.rasa_tracker_schema)
    else:
        conversations.ensure_sqlite_wal(url)


def main(argv: list[str]) -> int:
    """Replace this process with the command, so signals and the exit status are the command's own."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    os.umask(0o077)  # the token file and the conversations' SQLite file are the owner's only
    settings = get_settings()
    prepare(settings)
    os.execvpe(argv[0], argv, rasa_environment(settings))
    return 1  # not reached: execvpe replaces the process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
