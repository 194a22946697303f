"""Our action server: rasa_sdk's Sanic app, answering only callers that present the shared token."""

from __future__ import annotations

import hmac
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

log = logging.getLogger(__name__)

# Rasa sends `Authorization: Bearer <ACTION_SERVER_TOKEN>` (endpoints.yml, `headers:`).
OPEN_PATHS = frozenset({"/health"})  # says "ok" and nothing else: process managers may probe it freely


def presents_token(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `token` as a bearer token (compared in constant time)."""
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def build_app(token: str) -> Sanic:
    """rasa_sdk's app for the `actions` package, refusing every call without the token."""
    if not token:
        raise ValueError("the action server needs a token")
    # No CORS origins: only Rasa calls this server, never a browser.
    app = create_app("actions", cors_origins="")

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
