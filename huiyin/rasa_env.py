"""`python -m huiyin.rasa_env COMMAND...`: run COMMAND (Rasa, as `python -m rasa_runtime run ...`) with the
action server's URL and token in its environment.

endpoints.yml reads `${ACTION_SERVER_URL}` and `${ACTION_SERVER_TOKEN}` from Rasa's environment. They come
from the settings (environment, `.env`) and, when the token is not configured, from the one generated
under VAR_DIR that the action server uses too, so `make run` needs no configuration.
"""

from __future__ import annotations

import os
import sys

from huiyin import bootstrap
from huiyin.settings import Settings, get_settings


def rasa_environment(settings: Settings) -> dict[str, str]:
    """This process's environment plus what endpoints.yml needs to reach the action server."""
    return {
        **os.environ,
        "ACTION_SERVER_URL": settings.action_endpoint_url(),
        "ACTION_SERVER_TOKEN": bootstrap.secret(settings, "action_server_token"),
    }


def main(argv: list[str]) -> int:
    """Replace this process with the command, so signals and the exit status are the command's own."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    os.umask(0o077)  # the token file, if this process is the first to generate it
    os.execvpe(argv[0], argv, rasa_environment(get_settings()))
    return 1  # not reached: execvpe replaces the process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
