"""The web chat: a chat page and a small JSON API for residents without Telegram (routes and the app)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Optional, TypeGuard, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import inbound, live_chat, resident_data, texts
from bot.conversation import confirm_delivered, converse, urgent_answer
from bot.rasa_client import RasaClient, Reply
from bot.webchat import mydata, uploads
from bot.webchat.responses import (
    BodyTooLarge,
    DatabaseDown,
    channel_reply,
    crashed,
    database_down,
    healthz,
    http_error,
    json_object,
    json_response,
    reply_json,
    too_large,
)
from bot.webchat.sessions import COOKIE, Sessions, preferred_language, session_secret, set_cookie
from cases import outbox, residents
from cases.clock import utcnow
from cases.guards import throttle
from cases.store.db import Database
from huiyin.asgi import CatchErrors, SecurityHeaders
from huiyin.settings import Settings

log = logging.getLogger("bot.webchat")  # one logger for the web chat's modules
T = TypeVar("T")

STATIC_DIR = Path(__file__).resolve().parent / "static"  # the chat page
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' https: blob: data:; "
     b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def _finite_number(value: object) -> TypeGuard[int | float]:
    """A JSON number that is not a boolean and not infinite (OverflowError: an integer too large for a float)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
        self.decoding = asyncio.Semaphore(2)

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

    def answer(self, request: Request, payload: dict, new_cookie: Optional[str] = None) -> Response:
        """The answer as JSON, with a new session cookie if there is one."""
        return set_cookie(json_response(payload), request, new_cookie)

    def refuse(self, request: Request, key: str, language: str, status_code: int, *,
                retry_after: float = 0, new_cookie: Optional[str] = None, **extra) -> Response:
        """A polite refusal in the usual shape (the page shows `replies` whatever the status); nothing was done."""
        said = texts.text(key, language)
        response = json_response({"error": said, "replies": [channel_reply(said)], **extra}, status_code)
        if retry_after:
            response.headers["retry-after"] = str(math.ceil(retry_after))
        return set_cookie(response, request, new_cookie)

    def session_or_refusal(self, request: Request) -> str | Response:
        """This browser's session id; without a valid cookie, a fresh one and "please send that again" instead.

        The page gets its cookie from GET /, so a POST without one is a script or a lost cookie: it
        creates no resident and no conversation, and the page resends once with the new cookie.
        """
        session_id = self.sessions.verify(request.cookies.get(COOKIE))
        if session_id:
            return session_id
        _, cookie = self.sessions.issue()
        language = preferred_language(request.headers.get("accept-language"))
        return self.refuse(request, "send_again", language, 409, new_cookie=cookie, resend=True)

    def _limits(self, kind: str) -> list[tuple[str, int, timedelta]]:
        """(scope, limit, window) for a kind of request, per session first, then per address."""
        s = self.settings
        if kind == "photo":
            return [("session", s.web_photos_per_hour, timedelta(hours=1)),
                    ("address", s.web_photos_per_hour_per_address, timedelta(hours=1))]
        return [("session", s.web_messages_per_minute, timedelta(minutes=1)),
                ("address", s.web_messages_per_minute_per_address, timedelta(minutes=1))]

    async def admit(self, request: Request, session_id: str, kind: str) -> Admission:
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

    async def admit_message(self, request: Request) -> tuple[str, Admission] | Response:
        """The session and its admission for a message or a location; a refusal instead without a valid session
        cookie or over the message limits."""
        session_id = self.session_or_refusal(request)
        if isinstance(session_id, Response):
            return session_id
        admission = await self.admit(request, session_id, "message")
        if admission.wait:
            return self.refuse(request, "slow_down", admission.language, 429, retry_after=admission.wait)
        return session_id, admission

    async def _create_resident(self, request: Request, session_id: str) -> str:
        """Create the resident at their first real message; their language."""
        wanted = preferred_language(request.headers.get("accept-language"))
        return await self._db(lambda session: residents.get_or_create_resident(
            session, channel="web", external_id=session_id, language=wanted).language)

    async def relay(self, session_id: str, **message) -> bool:
        """Give a message to the person handling this resident's chat; False if the handoff ended meanwhile."""
        return await self._db(lambda session: live_chat.relay(session, channel="web", external_id=session_id,
                                                              **message))

    async def converse_turn(self, request: Request, session_id: str, admission: Admission, message: str) -> list[dict]:
        """Rasa's replies to a real message (the resident is created first if new); remembers whether they ask for a
        photo."""
        language = admission.language if admission.known else await self._create_resident(request, session_id)
        sender = residents.sender_id("web", session_id)
        replies = await converse(self.rasa, sender=sender, message=message, language=language)
        if replies != [Reply(text=texts.text("unavailable", language))]:  # Rasa answered: it says what it expects
            until = utcnow() + uploads.PHOTO_WANTED_FOR if uploads.asks_for_photo(replies) else None
            try:
                await self._db(lambda session: uploads.remember_photo_question(session, session_id, until))
            except DatabaseDown:
                pass  # logged; the replies matter more than the photo flag
        # They go back in this response: a new case's reference among them needs no held push (outbox receipts).
        await confirm_delivered(self.db, sender=sender, messages=[r.text for r in replies],
                                prefix=self.settings.reference_prefix)
        # First contact: the privacy notice as a reply of its own, after the answer (bot/resident_data.py).
        notice = await resident_data.notice_reply(self.db, self.settings, sender=sender)
        return [reply_json(r) for r in replies] + ([mydata.notice_reply(notice.text)] if notice else [])

    async def index(self, request: Request) -> Response:
        """The chat page; issues a session cookie on the first visit."""
        new_cookie = None if self.sessions.verify(request.cookies.get(COOKIE)) else self.sessions.issue()[1]
        response = FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})
        return set_cookie(response, request, new_cookie)

    async def message(self, request: Request) -> Response:
        """Typed text (`{"text"}`) or a pressed button (`{"payload"}`), answered with the bot's replies."""
        body = await json_object(request)
        text, payload = body.get("text"), body.get("payload")
        if not ((isinstance(text, str) and payload is None) or (isinstance(payload, str) and text is None)):
            raise HTTPException(400, 'Send {"text": "..."} or {"payload": "..."}.')
        admitted = await self.admit_message(request)
        if isinstance(admitted, Response):
            return admitted  # the refusal
        session_id, admission = admitted
        if admission.in_handoff and await self.relay(
                session_id, text=text if payload is None else live_chat.button_note(None, payload)):
            # A person answers, through /api/updates; a smell of gas gets what to do now at once.
            urgent = urgent_answer(text, admission.language)
            return self.answer(request, {"replies": [channel_reply(urgent)] if urgent else []})
        language, replies = admission.language, []
        if payload is not None:
            message = inbound.button_payload(payload, self.settings.reference_prefix)
            if message is None:
                return self.answer(request, {"replies": [channel_reply(texts.text("button_expired", language))]})
        else:
            assert isinstance(text, str)  # checked above: text, when there is no payload
            message = inbound.resident_text(text)
            if not message:
                return self.answer(request, {"replies": [channel_reply(texts.text("empty", language))]})
            if len(text.strip()) > inbound.MAX_TEXT_LENGTH:
                replies = [channel_reply(texts.text("too_long", language))]
        data_request = inbound.data_request(message)
        if data_request is not None:  # "my data", "delete my data": the channel answers, not Rasa
            return await mydata.answer(self, request, session_id, admission, data_request, replies)
        replies += await self.converse_turn(request, session_id, admission, message)
        return self.answer(request, {"replies": replies})

    async def location(self, request: Request) -> Response:
        """A location from the browser's geolocation, as `{"latitude", "longitude"}`."""
        body = await json_object(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        try:
            if not (_finite_number(latitude) and _finite_number(longitude)):
                raise ValueError
            message = inbound.location_message(latitude, longitude)
        except (ValueError, OverflowError):  # OverflowError: an integer too large for a float
            raise HTTPException(400, "Send latitude (-90 to 90) and longitude (-180 to 180) as numbers.") from None
        admitted = await self.admit_message(request)
        if isinstance(admitted, Response):
            return admitted  # the refusal
        session_id, admission = admitted
        if admission.in_handoff and await self.relay(session_id, latitude=float(latitude),
                                                      longitude=float(longitude)):
            return self.answer(request, {"replies": []})
        return self.answer(request, {"replies": await self.converse_turn(request, session_id, admission, message)})

    photo = uploads.photo

    async def updates(self, request: Request) -> Response:
        """Pushes queued for this resident after `?after=<id>` (status changes, staff's replies), with their buttons."""
        session_id = self.sessions.verify(request.cookies.get(COOKIE))
        after = request.query_params.get("after", "0")
        if not (after.isascii() and after.isdigit()) or len(after) > 18:
            raise HTTPException(400, "'after' must be a whole number (the last update id shown).")

        def fetch(session: Session) -> list[dict]:
            if session_id is None:
                return []
            resident = residents.find_resident(session, channel="web", external_id=session_id)
            if resident is None:
                return []
            rows = outbox.web_updates(session, resident=resident, after_id=int(after))
            return [{"id": r.id, "text": r.text, "created_at": r.created_at.isoformat(),
                     "buttons": [button for row in outbox.buttons_of(r) for button in row]} for r in rows]

        if session_id is None:  # a poll never creates anything; it gets the cookie the page should have had
            return self.answer(request, {"updates": []}, self.sessions.issue()[1])
        return self.answer(request, {"updates": await self._db(fetch)})


def create_app(*, settings: Settings, db: Database, rasa: RasaClient, lifespan: Optional[Any] = None) -> Starlette:
    """The web chat as an ASGI app (the caller owns and closes `db` and `rasa`, e.g. in `lifespan`)."""
    chat = WebChat(settings=settings, db=db, rasa=rasa, sessions=Sessions(session_secret(settings)))
    routes = [
        Route("/", chat.index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/api/messages", chat.message, methods=["POST"]),
        Route("/api/location", chat.location, methods=["POST"]),
        Route("/api/photo", chat.photo, methods=["POST"]),
        Route("/api/updates", chat.updates, methods=["GET"]),
        Route("/api/mydata", partial(mydata.download, chat), methods=["GET"]),
        Route("/privacy", partial(mydata.privacy, chat), methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        # CatchErrors answers a crash without re-raising it, so the keep-alive connection survives.
        middleware=[Middleware(SecurityHeaders, headers=SECURITY_HEADERS, hsts_max_age=settings.hsts_max_age),
                    Middleware(CatchErrors, handler=lambda scope, exc: crashed(Request(scope), exc), logger=log)],
        exception_handlers={HTTPException: http_error, BodyTooLarge: too_large, DatabaseDown: database_down},
        lifespan=lifespan,
    )
