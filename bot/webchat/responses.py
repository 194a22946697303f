"""The web chat's HTTP shapes: JSON in (size-capped) and out, replies as the page reads them, errors as apologies."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot import texts
from bot.rasa_client import Reply
from bot.webchat.sessions import preferred_language

MAX_JSON_BYTES = 16 * 1024


class DatabaseDown(Exception):
    """The database could not be used for this request."""


class BodyTooLarge(Exception):
    """The request body is over the limit for its route."""


def reply_json(reply: Reply) -> dict:
    """One reply as the page reads it."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return {"text": reply.text, "buttons": buttons, "image": reply.image}


def channel_reply(text: str) -> dict:
    """A reply of our own (not Rasa's), in the same shape."""
    return {"text": text, "buttons": [], "image": None}


def json_response(payload: dict, status_code: int = 200) -> JSONResponse:
    """A JSON answer that no cache keeps."""
    return JSONResponse(payload, status_code=status_code, headers={"cache-control": "no-store"})


def limited(request: Request, limit: int) -> Request:
    """The request with its body capped at `limit` bytes, whether or not it declares a length."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    received = 0

    async def receive():
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise BodyTooLarge()
        return message

    return Request(request.scope, receive)


async def json_object(request: Request) -> dict:
    """The request's JSON object body; 400 or 413 otherwise."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise HTTPException(400, "Send JSON with Content-Type: application/json.")
    body = await limited(request, MAX_JSON_BYTES).body()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise HTTPException(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "Send a JSON object.")
    return data


async def healthz(request: Request) -> Response:
    """Liveness for `make run` and benchmarks."""
    return json_response({"ok": True})


async def http_error(request: Request, exc: Exception) -> Response:
    """A refused request: its reason as JSON."""
    assert isinstance(exc, HTTPException)  # registered for HTTPException only (Starlette types handlers loosely)
    return json_response({"error": exc.detail}, exc.status_code)


async def too_large(request: Request, exc: Exception) -> Response:
    """A body over its route's limit: 413, saying the limit."""
    limit = "10 MB" if request.url.path == "/api/photo" else "16 KB"
    return json_response({"error": f"That is too large: the limit is {limit}."}, 413)


async def database_down(request: Request, exc: Exception) -> Response:
    """The database is down: an apology in the resident's language (503)."""
    apology = texts.text("unavailable", preferred_language(request.headers.get("accept-language")))
    return json_response({"error": apology, "replies": [channel_reply(apology)]}, 503)


async def crashed(request: Request, exc: Exception) -> Response:
    """A crash: the apology, never the traceback (500)."""
    # Logged by the server; the browser gets the apology, never the traceback.
    apology = texts.text("unavailable", preferred_language(request.headers.get("accept-language")))
    return json_response({"error": apology, "replies": [channel_reply(apology)]}, 500)
