"""Our action server: rasa_sdk's executor in a Sanic app, answering only callers that present the shared token.

rasa_sdk's `create_app` builds every action with no arguments; ours builds the actions that use the case
system with the server's `Deps`, so no action reaches for a process-wide database.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import inspect
import json
import logging
import zlib
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from actions import policy
from actions.runtime.deps import Deps, UsesCaseSystem
from huiyin.asgi import SERVER_KEEP_ALIVE_SECONDS

log = logging.getLogger(__name__)

# Rasa sends `Authorization: Bearer <ACTION_SERVER_TOKEN>` (endpoints.yml, `headers:`).
OPEN_PATHS = frozenset({"/health"})  # says "ok" and nothing else: process managers may probe it freely


def presents_token(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `token` as a bearer token (compared in constant time)."""
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


class Executor(ActionExecutor):
    """rasa_sdk's executor and action discovery; the actions that use the case system get `deps`."""

    def __init__(self, deps: Deps) -> None:
        super().__init__()
        self.deps = deps

    def register_action(self, action: type[Action] | Action) -> None:
        """Register an action, building it with our `Deps` if it uses the case system."""
        if inspect.isclass(action) and issubclass(action, UsesCaseSystem):
            action = action(self.deps)
        super().register_action(action)

    def register_function(self, name: str, f: Callable) -> None:
        """Register an action's `run`; a synchronous one runs in a worker thread, not in the server's event loop.

        rasa_sdk calls a synchronous `run` in the event loop, so one action waiting for the database (SQLite's
        write lock, a slow query) held up every other resident's action: under load the server answered one
        call at a time. Our actions keep no state between calls (they are built once and hold only `deps`),
        so running them side by side is safe.
        """
        if inspect.iscoroutinefunction(f):
            super().register_function(name, f)
            return

        @functools.wraps(f)
        async def in_thread(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(f, *args, **kwargs)

        super().register_function(name, in_thread)


def executor_for(deps: Deps, package: str = "actions") -> Executor:
    """Every action in the package (found as rasa_sdk finds them), built once with `deps`."""
    executor = Executor(deps)
    executor.register_package(package)
    return executor


def build_app(token: str, deps: Deps) -> Sanic:
    """The action server for the `actions` package, refusing every call without the token.

    The routes are rasa_sdk's (`/health`, `/webhook`, `/actions`), without CORS: only Rasa calls this
    server, never a browser.
    """
    if not token:
        raise ValueError("the action server needs a token")
    executor = executor_for(deps)
    app = Sanic("rasa_sdk", configure_logging=False)
    app.config.KEEP_ALIVE_TIMEOUT = SERVER_KEEP_ALIVE_SECONDS  # Rasa reuses connections idle up to 30 s

    @app.before_server_start
    async def _warm(app: Sanic, loop: Any) -> None:
        await asyncio.to_thread(policy.warm, deps)

    @app.get("/health")
    async def _health(request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def _webhook(request: Request) -> response.HTTPResponse:
        if request.headers.get("Content-Encoding") == "deflate":
            call: Any = json.loads(zlib.decompress(request.body))
        else:
            call = request.json
        if call is None:
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(call.get("version"))
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as rejected:
            log.debug(rejected)
            return response.json({"error": rejected.message, "action_name": rejected.action_name}, status=400)
        except ActionNotFoundException as missing:
            log.error(missing)
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        return response.json(result)

    @app.get("/actions")
    async def _actions(request: Request) -> response.HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.on_request
    async def _require_token(request: Request):
        if request.path in OPEN_PATHS:
            return None
        if presents_token(request.headers.get("authorization"), token):
            return None
        # No detail: a caller without the token learns nothing about what exists here.
        return response.text("", status=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception(Exception)
    async def _failed(request: Request, exception: Exception):
        # Replaces rasa_sdk's handler, which echoes the exception and the whole request body (the
        # resident's conversation) back to Rasa, whose error log would then hold it.
        if isinstance(exception, SanicException):
            return response.json({"error": "request refused"}, status=exception.status_code)
        log.error("action call failed", exc_info=exception)
        return response.json({"error": "the action failed"}, status=500)

    return app
