"""The web chat: a chat page and a small JSON API for residents without Telegram."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Callable, Optional, TypeVar

from sqlalchemy import update
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

from bot import inbound, live_chat, photos, texts
from bot.conversation import confirm_delivered, converse
from bot.rasa_client import RasaClient, Reply
from cases import outbox, residents, throttle
from cases.clock import utcnow
from cases.models import Resident
from cases.store.db import Database
from huiyin import bootstrap
from huiyin.asgi import CatchErrors, SecurityHeaders
from huiyin.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE = "huiyin_session"
COOKIE_MAX_AGE = 365 * 24 * 3600  # residents come back to read updates weeks later
MAX_JSON_BYTES = 16 * 1024
MAX_PHOTO_BYTES = photos.MAX_PHOTO_BYTES
MULTIPART_OVERHEAD = 64 * 1024
# The report form asks for a photo with a single "Skip" button (domain.yml utter_ask_photo); a Rasa
# session lasts 2 hours (session_config), after which the half-filed report is gone.
PHOTO_SKIP_PAYLOAD = "/deny"
PHOTO_WANTED_FOR = timedelta(hours=2)
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
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise HTTPException(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "Send a JSON object.")
    return data


def asks_for_photo(replies: list[Reply]) -> bool:
    """Whether the bot's replies ask for a photo: the report form's photo question is the one reply whose only button
    is Skip (/deny)."""
    return any([button.payload for button in reply.buttons] == [PHOTO_SKIP_PAYLOAD] for reply in replies)


def _remember_photo_question(session, session_id: str, until: Optional[datetime]) -> None:
    """Store until when the resident may send a photo (None: not now)."""
    query = update(Resident).where(Resident.channel == "web", Resident.external_id == session_id)
    if until is None:
        query = query.where(Resident.photo_wanted_until.is_not(None))  # most turns: nothing to write
    session.execute(query.values(photo_wanted_until=until).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Admission:
    """What the web chat knows before it acts on a request: the resident's language and state, and any refusal."""

    language: str
    in_handoff: bool
    known: bool  # the resident exists (else they are created at their first real message)
    wait: float = 0.0  # over a rate limit: seconds until one is allowed again
    refused: Optional[str] = None  # a texts key: the request is refused outright


class WebChat:
    """The routes, sharing settings, the database, Rasa and the session signer."""

    def __init__(self, *, settings: Settings, db: Database, rasa: RasaClient, sessions: Sessions):
        self.settings, self.db, self.rasa, self.sessions = settings, db, rasa, sessions
        # Decoding a photo takes up to ~160 MB and a core: a few at a time, whatever arrives at once.
        self._decoding = asyncio.Semaphore(2)

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

    def _answer(self, request: Request, payload: dict, new_cookie: Optional[str] = None) -> Response:
        return _set_cookie(_json(payload), request, new_cookie)

    def _refuse(self, request: Request, key: str, language: str, status_code: int, *,
                retry_after: float = 0, new_cookie: Optional[str] = None, **extra) -> Response:
        """A polite refusal in the usual shape (the page shows `replies` whatever the status); nothing was done."""
        said = texts.text(key, language)
        response = _json({"error": said, "replies": [channel_reply(said)], **extra}, status_code)
        if retry_after:
            response.headers["retry-after"] = str(math.ceil(retry_after))
        return _set_cookie(response, request, new_cookie)

    def _session_or_refusal(self, request: Request) -> tuple[Optional[str], Optional[Response]]:
        """This browser's session id; without a valid cookie, a fresh one and "please send that again" instead.

        The page gets its cookie from GET /, so a POST without one is a script or a lost cookie: it
        creates no resident and no conversation, and the page resends once with the new cookie.
        """
        session_id = self.sessions.verify(request.cookies.get(COOKIE))
        if session_id:
            return session_id, None
        _, cookie = self.sessions.issue()
        language = preferred_language(request.headers.get("accept-language"))
        return None, self._refuse(request, "send_again", language, 409, new_cookie=cookie, resend=True)

    def _limits(self, kind: str) -> list[tuple[str, int, timedelta]]:
        """(scope, limit, window) for a kind of request, per session first, then per address."""
        s = self.settings
        if kind == "photo":
            return [("session", s.web_photos_per_hour, timedelta(hours=1)),
                    ("address", s.web_photos_per_hour_per_address, timedelta(hours=1))]
        return [("session", s.web_messages_per_minute, timedelta(minutes=1)),
                ("address", s.web_messages_per_minute_per_address, timedelta(minutes=1))]

    async def _admit(self, request: Request, session_id: str, kind: str) -> Admission:
        """Count this request against its limits and look the resident up (never creating them), in one transaction."""
        wanted_language = preferred_language(request.headers.get("accept-language"))
        address = request.client.host if request.client else "unknown"

        def admit(session) -> Admission:
            now = utcnow()
            resident = residents.find_resident(session, channel="web", external_id=session_id)
            in_handoff = resident is not None and live_chat.in_handoff(session, resident)
            language = resident.language if resident is not None else wanted_language
            if kind == "photo" and not in_handoff and not (
                    resident is not None and resident.photo_wanted_until is not None
                    and resident.photo_wanted_until > now):
                return Admission(language, in_handoff, resident is not None, refused="photo_unexpected")
            # The session's count first: a session over its limit does not use up its address's share.
            for scope, limit, window in self._limits(kind):
                who = session_id if scope == "session" else address
                wait = throttle.take(session, key=throttle.throttle_key("webchat", kind, scope, who),
                                     limit=limit, window=window, now=now)
                if wait:
                    return Admission(language, in_handoff, resident is not None, wait=wait)
            return Admission(language, in_handoff, resident is not None)

        return await self._db(admit)

    async def _create_resident(self, request: Request, session_id: str) -> str:
        """Create the resident at their first real message; their language."""
        wanted = preferred_language(request.headers.get("accept-language"))
        return await self._db(lambda session: residents.get_or_create_resident(
            session, channel="web", external_id=session_id, language=wanted).language)

    async def _relay(self, session_id: str, **message) -> bool:
        """Give a message to the person handling this resident's chat; False if the handoff ended meanwhile."""
        return await self._db(lambda session: live_chat.relay(session, channel="web", external_id=session_id,
                                                              **message))

    async def _converse(self, request: Request, session_id: str, admission: Admission, message: str) -> list[dict]:
        """Rasa's replies to a real message (the resident is created first if new); remembers whether they ask for a
        photo."""
        language = admission.language if admission.known else await self._create_resident(request, session_id)
        sender = residents.sender_id("web", session_id)
        replies = await converse(self.rasa, sender=sender, message=message, language=language)
        if replies != [Reply(text=texts.text("unavailable", language))]:  # Rasa answered: it says what it expects
            until = utcnow() + PHOTO_WANTED_FOR if asks_for_photo(replies) else None
            try:
                await self._db(lambda session: _remember_photo_question(session, session_id, until))
            except DatabaseDown:
                pass  # logged; the replies matter more than the photo flag
        # They go back in this response: a new case's reference among them needs no held push (outbox receipts).
        await confirm_delivered(self.db, sender=sender, messages=[r.text for r in replies],
                                prefix=self.settings.reference_prefix)
        return [reply_json(r) for r in replies]

    async def index(self, request: Request) -> Response:
        """The chat page; issues a session cookie on the first visit."""
        new_cookie = None if self.sessions.verify(request.cookies.get(COOKIE)) else self.sessions.issue()[1]
        response = FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})
        return _set_cookie(response, request, new_cookie)

    async def message(self, request: Request) -> Response:
        """Typed text (`{"text"}`) or a pressed button (`{"payload"}`), answered with the bot's replies."""
        body = await _json_object(request)
        text, payload = body.get("text"), body.get("payload")
        if not ((isinstance(text, str) and payload is None) or (isinstance(payload, str) and text is None)):
            raise HTTPException(400, 'Send {"text": "..."} or {"payload": "..."}.')
        session_id, refusal = self._session_or_refusal(request)
        if refusal:
            return refusal
        admission = await self._admit(request, session_id, "message")
        if admission.wait:
            return self._refuse(request, "slow_down", admission.language, 429, retry_after=admission.wait)
        if admission.in_handoff and await self._relay(
                session_id, text=text if payload is None else live_chat.button_note(None, payload)):
            return self._answer(request, {"replies": []})  # a person answers, through /api/updates
        language, replies = admission.language, []
        if payload is not None:
            message = inbound.button_payload(payload, self.settings.reference_prefix)
            if message is None:
                return self._answer(request, {"replies": [channel_reply(texts.text("button_expired", language))]})
        else:
            message = inbound.resident_text(text)
            if not message:
                return self._answer(request, {"replies": [channel_reply(texts.text("empty", language))]})
            if len(text.strip()) > inbound.MAX_TEXT_LENGTH:
                replies = [channel_reply(texts.text("too_long", language))]
        replies += await self._converse(request, session_id, admission, message)
        return self._answer(request, {"replies": replies})

    async def location(self, request: Request) -> Response:
        """A location from the browser's geolocation, as `{"latitude", "longitude"}`."""
        body = await _json_object(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        try:
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for v in (latitude, longitude)):
                raise ValueError
            message = inbound.location_message(latitude, longitude)
        except (ValueError, OverflowError):  # OverflowError: an integer too large for a float
            raise HTTPException(400, "Send latitude (-90 to 90) and longitude (-180 to 180) as numbers.") from None
        session_id, refusal = self._session_or_refusal(request)
        if refusal:
            return refusal
        admission = await self._admit(request, session_id, "message")
        if admission.wait:
            return self._refuse(request, "slow_down", admission.language, 429, retry_after=admission.wait)
        if admission.in_handoff and await self._relay(session_id, latitude=float(latitude),
                                                      longitude=float(longitude)):
            return self._answer(request, {"replies": []})
        return self._answer(request, {"replies": await self._converse(request, session_id, admission, message)})

    async def photo(self, request: Request) -> Response:
        """One photo (JPEG, PNG or WebP, at most 10 MB) uploaded as multipart field `photo`, when one is wanted.

        Checked in order of cost, nothing read or stored before the cheap checks pass: a session, a
        conversation that asked for a photo (or a person chatting), the limits, free disk space; then
        the upload is decoded and re-encoded (bot/photos.py) and only the clean copy is stored.
        """
        session_id, refusal = self._session_or_refusal(request)
        if refusal:
            return refusal
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise HTTPException(400, "Upload the photo as multipart/form-data in the field 'photo'.")
        admission = await self._admit(request, session_id, "photo")
        language = admission.language
        if admission.refused:
            return self._refuse(request, admission.refused, language, 409)
        if admission.wait:
            return self._refuse(request, "photo_limit", language, 429, retry_after=admission.wait)
        media_dir, min_free = self.settings.media_dir, self.settings.media_min_free_mb
        if not await run_in_threadpool(photos.has_room, media_dir, min_free):
            log.error("web chat: photo refused, less than %s MB free under the media directory", min_free)
            return self._refuse(request, "photo_no_room", language, 507)
        limited = _limited(request, MAX_PHOTO_BYTES + MULTIPART_OVERHEAD)
        async with limited.form(max_files=1, max_fields=5) as form:
            upload = form.get("photo")
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, "Upload the photo in the field 'photo'.")
            data = await upload.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise BodyTooLarge()
        try:
            async with self._decoding:
                clean = await run_in_threadpool(photos.clean_photo, data)
            relative = await run_in_threadpool(partial(
                photos.store_photo, media_dir, clean, channel="web", when=utcnow(), min_free_mb=min_free))
        except photos.PhotoRefused as refused:
            return self._refuse(request, refused.reason, language, 507 if refused.reason == "photo_no_room" else 400)
        except OSError:
            log.exception("web chat: could not save a photo")
            return self._answer(request, {"replies": [channel_reply(texts.text("photo_failed", language))]})
        if admission.in_handoff and await self._relay(session_id, photo_path=relative):
            return self._answer(request, {"replies": []})
        return self._answer(request, {"replies": await self._converse(
            request, session_id, admission, inbound.photo_message(relative))})

    async def updates(self, request: Request) -> Response:
        """Pushes queued for this resident after `?after=<id>` (status changes, staff's replies), with their buttons."""
        session_id = self.sessions.verify(request.cookies.get(COOKIE))
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

        if session_id is None:  # a poll never creates anything; it gets the cookie the page should have had
            return self._answer(request, {"updates": []}, self.sessions.issue()[1])
        return self._answer(request, {"updates": await self._db(fetch)})


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
        # CatchErrors answers a crash without re-raising it, so the keep-alive connection survives.
        middleware=[Middleware(SecurityHeaders, headers=SECURITY_HEADERS, hsts_max_age=settings.hsts_max_age),
                    Middleware(CatchErrors, handler=lambda scope, exc: _crashed(Request(scope), exc), logger=log)],
        exception_handlers={HTTPException: _http_error, BodyTooLarge: _too_large, DatabaseDown: _database_down},
    )
