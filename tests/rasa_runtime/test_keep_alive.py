"""Our HTTP servers keep idle connections open longer than our clients reuse them, so no server closes a
connection just as a client writes to it (under load, Sanic's 5 s against aiohttp's 15 s cost residents
apologies: "Can not write request body")."""

from __future__ import annotations

import subprocess

from actions.runtime.deps import Deps
from actions.runtime.server import build_app
from bot.rasa_client import KEEP_ALIVE_SECONDS as CHANNEL_KEEP_ALIVE
from bot.rasa_client import RasaClient
from huiyin.asgi import SERVER_KEEP_ALIVE_SECONDS
from huiyin.rasa_env import rasa_environment
from rasa_runtime.http import KEEP_ALIVE_SECONDS as RASA_KEEP_ALIVE
from testkit.stack import PROJECT_ROOT, RASA_COMMAND
from tests.city import make_settings


def test_the_action_server_outlasts_rasas_idle_connections(tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    app = build_app("a-token-of-sixteen-chars", Deps(settings))
    assert app.config.KEEP_ALIVE_TIMEOUT == SERVER_KEEP_ALIVE_SECONDS > RASA_KEEP_ALIVE


async def test_rasa_outlasts_the_channels_idle_connections(tmp_path):
    client = RasaClient("http://127.0.0.1:5005")
    try:
        pool = client._http._transport._pool  # httpx keeps its limits on the connection pool
        assert pool._keepalive_expiry == CHANNEL_KEEP_ALIVE < SERVER_KEEP_ALIVE_SECONDS
        assert (pool._max_connections, pool._max_keepalive_connections) == (100, 20)  # never unlimited
    finally:
        await client.aclose()
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", var_dir=tmp_path / "var")
    # Rasa's own server (Sanic, the app Rasa builds without --enable-api) reads it from its environment.
    done = subprocess.run(
        [RASA_COMMAND[0], "-c", "from sanic import Sanic; print(Sanic('rasa_core_no_api').config.KEEP_ALIVE_TIMEOUT)"],
        env=rasa_environment(settings), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip()) == SERVER_KEEP_ALIVE_SECONDS
