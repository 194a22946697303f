"""Photos residents upload in the web chat: only when the conversation asked for one, checked cheapest first,
re-encoded (bot/photos.py) before anything is stored."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Optional

from sqlalchemy import update
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot import inbound, photos, texts
from bot.rasa_client import Reply
from bot.webchat.responses import BodyTooLarge, channel_reply, limited
from cases.clock import utcnow
from cases.models import Resident

if TYPE_CHECKING:
    from bot.webchat.app import WebChat

log = logging.getLogger("bot.webchat")

MAX_PHOTO_BYTES = photos.MAX_PHOTO_BYTES
MULTIPART_OVERHEAD = 64 * 1024
# The report form asks for a photo with a single "Skip" button (domain.yml utter_ask_photo); a Rasa
# session lasts 2 hours (session_config), after which the half-filed report is gone.
PHOTO_SKIP_PAYLOAD = "/deny"
PHOTO_WANTED_FOR = timedelta(hours=2)


def asks_for_photo(replies: list[Reply]) -> bool:
    """Whether the bot's replies ask for a photo, or a question that takes one: the report form's photo question
    is the one reply whose only button is Skip (/deny); the location question accepts a photo (its position can
    be the place; domain.yml says so with `custom: {accepts: [photo]}`)."""
    return any([button.payload for button in reply.buttons] == [PHOTO_SKIP_PAYLOAD] or "photo" in reply.accepts
               for reply in replies)


def remember_photo_question(session, session_id: str, until: Optional[datetime]) -> None:
    """Store until when the resident may send a photo (None: not now)."""
    query = update(Resident).where(Resident.channel == "web", Resident.external_id == session_id)
    if until is None:
        query = query.where(Resident.photo_wanted_until.is_not(None))  # most turns: nothing to write
    session.execute(query.values(photo_wanted_until=until).execution_options(synchronize_session=False))


async def photo(chat: WebChat, request: Request) -> Response:
    """One photo (JPEG, PNG or WebP, at most 10 MB) uploaded as multipart field `photo`, when one is wanted.

    Checked in order of cost, nothing read or stored before the cheap checks pass: a session, a
    conversation that asked for a photo (or a person chatting), the limits, free disk space; then
    the upload is decoded and re-encoded (bot/photos.py) and only the clean copy is stored.
    """
    session_id = chat.session_or_refusal(request)
    if isinstance(session_id, Response):
        return session_id  # the refusal
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise HTTPException(400, "Upload the photo as multipart/form-data in the field 'photo'.")
    admission = await chat.admit(request, session_id, "photo")
    language = admission.language
    if admission.refused:
        return chat.refuse(request, admission.refused, language, 409)
    if admission.wait:
        return chat.refuse(request, "photo_limit", language, 429, retry_after=admission.wait)
    media_dir, min_free = chat.settings.media_dir, chat.settings.media_min_free_mb
    if not await run_in_threadpool(photos.has_room, media_dir, min_free):
        log.error("web chat: photo refused, less than %s MB free under the media directory", min_free)
        return chat.refuse(request, "photo_no_room", language, 507)
    capped = limited(request, MAX_PHOTO_BYTES + MULTIPART_OVERHEAD)
    async with capped.form(max_files=1, max_fields=5) as form:
        upload = form.get("photo")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "Upload the photo in the field 'photo'.")
        data = await upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise BodyTooLarge()
    try:
        async with chat.decoding:
            clean = await run_in_threadpool(photos.clean_photo, data)
        relative = await run_in_threadpool(partial(
            photos.store_photo, media_dir, clean, channel="web", when=utcnow(), min_free_mb=min_free))
    except photos.PhotoRefused as refused:
        return chat.refuse(request, refused.reason, language, 507 if refused.reason == "photo_no_room" else 400)
    except OSError:
        log.exception("web chat: could not save a photo")
        return chat.answer(request, {"replies": [channel_reply(texts.text("photo_failed", language))]})
    if admission.in_handoff and await chat.relay(session_id, photo_path=relative):
        return chat.answer(request, {"replies": []})
    return chat.answer(request, {"replies": await chat.converse_turn(
        request, session_id, admission, inbound.photo_message(relative, clean.gps))})
