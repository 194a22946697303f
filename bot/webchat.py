"""The web chat: a chat page and a small JSON API for residents without Telegram."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
from pathlib import Path
from typing import Callable, Optional, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import inbound, live_chat, texts
from bot.conversation import converse
from bot.rasa_client import RasaClient, Reply
from cases import bootstrap, outbox, residents
from cases.clock import utcnow
from cases.config import Settings
from cases.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE = "huiyin_session"
COOKIE_MAX_AGE = 365 * 24 * 3600  # residents come back to read updates weeks later
MAX_JSON_BYTES = 16 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024
IMAGE_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' https: blob: data:; "
     b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class DatabaseDown(Exception):
    """The database could not be used for this request."""


class BodyTooLarge(Exception):
    """The request body is over the limit for its route."""


class Sessions:
    """Session ids we issue, signed so a client cannot choose its own."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _sign(self, session_id: str) -> str:
        digest = hmac.new(self._secret, session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> tuple[str, str]:
        """A new session id and its cookie value."""
        session_id = secrets.token_urlsafe(24)
        return session_id, f"{session_id}.{self._sign(session_id)}"

    def verify(self, cookie: Optional[str]) -> Optional[str]:
        """The session id in a cookie we signed, else None."""
        session_id, _, signature = (cookie or "").partition(".")
        if session_id and signature and hmac.compare_digest(signature, self._sign(session_id)):
            return session_id
        return None


def preferred_language(header: Optional[str]) -> str:
    """The first language we support in an Accept-Language header, by quality; English otherwise."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:  # q=0 means "not this one"
            ranked.append((-quality, position, tag.strip()))
    for _, _, tag in sorted(ranked):
        base = tag.split("-")[0].split("_")[0].lower()
        if base in residents.SUPPORTED_LANGUAGES:
            return base
    return "en"


def image_extension(data: bytes) -> Optional[str]:
    """`jpg`, `png` or `webp` if the bytes start like one, else None (the file name and type are not trusted)."""
    for magic, extension in IMAGE_TYPES.items():
        if data.startswith(magic):
            return extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def reply_json(reply: Reply) -> dict:
    """One reply as the page reads it."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return {"text": reply.text, "buttons": buttons, "image": reply.image}


def channel_reply(text: str) -> dict:
    """A reply of our own (not Rasa's), in the same shape."""
    return {"text": text, "buttons": [], "image": None}


def _json(payload: dict, status_code: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status_code, headers={"cache-control": "no-store"})


def _set_cookie(response: Response, request: Request, value: Optional[str]) -> Response:
    if value:
        response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _limited(request: Request, limit: int) -> Request:
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


async def _json_object(request: Request) -> dict:
    """The request's JSON object body; 400 or 413 otherwise."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise HTTPException(400, "Send JSON with Content-Type: application/json.")
    body = await _limited(request, MAX_JSON_BYTES).body()
    try:
        data = json.loads(body)
    except ValueError:
        raise HTTPException(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "Send a JSON object.")
    return data


class SecurityHeaders:
    """Adds the same protective headers to every response (no framing, no sniffing, scripts from us only)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class WebChat:
    """The routes, sharing settings, the database, Rasa and the session signer."""

    def __init__(self, *, settings: Settings, db: Database, rasa: RasaClient, sessions: Sessions):
        self.settings, self.db, self.rasa, self.sessions = settings, db, rasa, sessions

    async def _db(self, work: Callable[..., T]) -> T:
        """Run `work(session)` in one transaction off the event loop; DatabaseDown if it fails."""
        def run() -> T:
            with self.db.transaction() as session:
                return work(session)

        try:
            return await run_in_threadpool(run)
        except SQLAlchemyError:
            log.exception("web chat: database unavailable")
            raise DatabaseDown() from None

    def _session(self, request: Request) -> tuple[str, Optional[str]]:
        """This browser's session id, and a cookie to set if we had to issue a new one."""
        session_id = self.sessions.verify(request.cookies.get(COOKIE))
        return (session_id, None) if session_id else self.sessions.issue()

    def _answer(self, request: Request, payload: dict, new_cookie: Optional[str]) -> Response:
        return _set_cookie(_json(payload), request, new_cookie)

    async def _resident(self, request: Request, session_id: str) -> tuple[str, bool]:
        """The resident's language, and whether a person answers them now; creates the resident on first contact."""
        wanted = preferred_language(request.headers.get("accept-language"))

        def look_up(session) -> tuple[str, bool]:
            resident = residents.get_or_create_resident(session, channel="web", external_id=session_id,
                                                        language=wanted)
            return resident.language, live_chat.in_handoff(session, resident)

        return await self._db(look_up)

    async def _relay(self, session_id: str, **message) -> bool:
        """Give a message to the person handling this resident's chat; False if the handoff ended meanwhile."""
        return await self._db(lambda session: live_chat.relay(session, channel="web", external_id=session_id,
                                                              **message))

    async def _converse(self, session_id: str, message: str, language: str) -> list[dict]:
        sender = residents.sender_id("web", session_id)
        return [reply_json(r) for r in await converse(self.rasa, sender=sender, message=message, language=language)]

    async def index(self, request: Request) -> Response:
        """The chat page; issues a session cookie on the first visit."""
        _, new_cookie = self._session(request)
        response = FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})
        return _set_cookie(response, request, new_cookie)

    async def message(self, request: Request) -> Response:
        """Typed text (`{"text"}`) or a pressed button (`{"payload"}`), answered with the bot's replies."""
        session_id, new_cookie = self._session(request)
        body = await _json_object(request)
        text, payload = body.get("text"), body.get("payload")
        if not (isinstance(text, str) and payload is None or isinstance(payload, str) and text is None):
            raise HTTPException(400, 'Send {"text": "..."} or {"payload": "..."}.')
        language, in_handoff = await self._resident(request, session_id)
        if in_handoff and await self._relay(session_id, text=text if payload is None else live_chat.button_note(
                None, payload)):
            return self._answer(request, {"replies": []}, new_cookie)  # a person answers, through /api/updates
        replies: list[dict] = []
        if payload is not None:
            message = inbound.button_payload(payload, self.settings.reference_prefix)
            if message is None:
                replies = [channel_reply(texts.text("button_expired", language))]
        else:
            message = inbound.resident_text(text)
            if not message:
                replies = [channel_reply(texts.text("empty", language))]
            elif len(text.strip()) > inbound.MAX_TEXT_LENGTH:
                replies = [channel_reply(texts.text("too_long", language))]
        if message:
            replies += await self._converse(session_id, message, language)
        return self._answer(request, {"replies": replies}, new_cookie)

    async def location(self, request: Request) -> Response:
        """A location from the browser's geolocation, as `{"latitude", "longitude"}`."""
        session_id, new_cookie = self._session(request)
        body = await _json_object(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        try:
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for v in (latitude, longitude)):
                raise ValueError
            message = inbound.location_message(latitude, longitude)
        except (ValueError, OverflowError):  # OverflowError: an integer too large for a float
            raise HTTPException(400, "Send latitude (-90 to 90) and longitude (-180 to 180) as numbers.") from None
        language, in_handoff = await self._resident(request, session_id)
        if in_handoff and await self._relay(session_id, latitude=float(latitude), longitude=float(longitude)):
            return self._answer(request, {"replies": []}, new_cookie)
        return self._answer(request, {"replies": await self._converse(session_id, message, language)}, new_cookie)

    async def photo(self, request: Request) -> Response:
        """One photo (JPEG, PNG or WebP, at most 10 MB) uploaded as multipart field `photo`."""
        session_id, new_cookie = self._session(request)
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise HTTPException(400, "Upload the photo as multipart/form-data in the field 'photo'.")
        limited = _limited(request, MAX_PHOTO_BYTES + MULTIPART_OVERHEAD)
        async with limited.form(max_files=1, max_fields=5) as form:
            upload = form.get("photo")
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, "Upload the photo in the field 'photo'.")
            data = await upload.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise BodyTooLarge()
        extension = image_extension(data)
        if extension is None:
            raise HTTPException(400, "That file is not a photo we can read. Please send a JPEG, PNG or WebP image.")
        language, in_handoff = await self._resident(request, session_id)
        try:
            relative = await run_in_threadpool(self._save_photo, data, extension)
        except OSError:
            log.exception("web chat: could not save a photo")
            return self._answer(request, {"replies": [channel_reply(texts.text("photo_failed", language))]}, new_cookie)
        if in_handoff and await self._relay(session_id, photo_path=relative):
            return self._answer(request, {"replies": []}, new_cookie)
        replies = await self._converse(session_id, inbound.photo_message(relative), language)
        return self._answer(request, {"replies": replies}, new_cookie)

    def _save_photo(self, data: bytes, extension: str) -> str:
        """Write a photo under the media directory; its path relative to it."""
        now = utcnow()
        relative = Path("web", f"{now:%Y}", f"{now:%m}", f"{secrets.token_urlsafe(16)}.{extension}")
        target = self.settings.media_path() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as file:  # "x": never overwrite, however unlikely a clash
            file.write(data)
        return relative.as_posix()

    async def updates(self, request: Request) -> Response:
        """Pushes queued for this resident after `?after=<id>` (status changes, staff's replies), with their buttons."""
        session_id, new_cookie = self._session(request)
        after = request.query_params.get("after", "0")
        if not (after.isascii() and after.isdigit()) or len(after) > 18:
            raise HTTPException(400, "'after' must be a whole number (the last update id shown).")

        def fetch(session) -> list[dict]:
            resident = residents.find_resident(session, channel="web", external_id=session_id)
            if resident is None:
                return []
            rows = outbox.web_updates(session, resident=resident, after_id=int(after))
            return [{"id": r.id, "text": r.text, "created_at": r.created_at.isoformat(),
                     "buttons": [button for row in outbox.buttons_of(r) for button in row]} for r in rows]

        found = [] if new_cookie else await self._db(fetch)
        return self._answer(request, {"updates": found}, new_cookie)


async def healthz(request: Request) -> Response:
    """Liveness for `make run` and benchmarks."""
    return _json({"ok": True})


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return _json({"error": exc.detail}, exc.status_code)


async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
    limit = "10 MB" if request.url.path == "/api/photo" else "16 KB"
    return _json({"error": f"That is too large: the limit is {limit}."}, 413)


async def _database_down(request: Request, exc: DatabaseDown) -> Response:
    apology = texts.text("unavailable", preferred_language(request.headers.get("accept-language")))
    return _json({"error": apology, "replies": [channel_reply(apology)]}, 503)


async def _crashed(request: Request, exc: Exception) -> Response:
    # Logged by the server; the browser gets the apology, never the traceback.
    apology = texts.text("unavailable", preferred_language(request.headers.get("accept-language")))
    return _json({"error": apology, "replies": [channel_reply(apology)]}, 500)


def session_secret(settings: Settings) -> bytes:
    """The key that signs session cookies: WEB_SECRET, or one generated once and kept under VAR_DIR."""
    # Never random per process: a restart would lock residents out of their own cases.
    return bootstrap.secret(settings, "web_secret").encode()


def create_app(*, settings: Settings, db: Database, rasa: RasaClient) -> Starlette:
    """The web chat as an ASGI app (the caller owns and closes `db` and `rasa`)."""
    chat = WebChat(settings=settings, db=db, rasa=rasa, sessions=Sessions(session_secret(settings)))
    routes = [
        Route("/", chat.index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/api/messages", chat.message, methods=["POST"]),
        Route("/api/location", chat.location, methods=["POST"]),
        Route("/api/photo", chat.photo, methods=["POST"]),
        Route("/api/updates", chat.updates, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            HTTPException: _http_error, BodyTooLarge: _too_large, DatabaseDown: _database_down, Exception: _crashed,
        },
    )
