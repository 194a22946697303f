"""Telegram handlers for media: photos (downloaded, re-encoded, stored), locations, and what we cannot read.

A photo comes as a compressed picture (Telegram has already dropped its EXIF) or as an image sent as a file,
which keeps it: then its GPS position goes to Rasa with it (bot/photos.py reads it, then drops the EXIF)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import NamedTuple, Optional

from telegram import Message, Update
from telegram.error import TelegramError

from bot import inbound, photos, texts
from bot.telegram.context import HuiyinContext, answer, chat_tag, guarded, message_of, say
from bot.telegram.records import CHANNEL
from cases.clock import utcnow

log = logging.getLogger("bot.telegram.handlers")  # one logger for the handlers' modules

_FILE_ID = re.compile(r"[^A-Za-z0-9_-]")


@guarded
async def on_location(update: Update, context: HuiyinContext) -> None:
    """A shared location."""
    location = message_of(update).location
    assert location is not None, "registered for filters.LOCATION"
    await answer(update, context, inbound.location_message(location.latitude, location.longitude))


class TelegramPhoto(NamedTuple):
    """The file of a photo in a message: the largest size of a picture, or an image sent as a file."""

    file_id: str
    file_unique_id: str
    file_size: Optional[int]


class SavedPhoto(NamedTuple):
    """A stored photo: its path under the media directory and the position its EXIF gave, if any."""

    path: str
    gps: Optional[tuple[float, float]]


def photo_in(message: Message) -> Optional[TelegramPhoto]:
    """The photo a message carries, or None. An image sent as a file counts (one we cannot read, such as HEIC,
    is refused with the formats we take); other files do not."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        return TelegramPhoto(largest.file_id, largest.file_unique_id, largest.file_size)
    document = message.document
    if document is not None and (document.mime_type or "").lower().startswith("image/"):
        return TelegramPhoto(document.file_id, document.file_unique_id, document.file_size)
    return None


async def save_photo(context: HuiyinContext, photo: TelegramPhoto, sent_at: datetime) -> SavedPhoto:
    """Download a photo, re-encode it (bot/photos.py) and store it under the media directory.

    Raises photos.PhotoRefused when it is not a photo we can read, too large, or the disk is nearly full.
    """
    settings = context.deps.settings
    if (photo.file_size or 0) > photos.MAX_PHOTO_BYTES:
        raise photos.PhotoRefused("photo_invalid")  # not downloaded at all
    file = await context.bot.get_file(photo.file_id)
    data = bytes(await file.download_as_bytearray())
    clean = await asyncio.to_thread(photos.clean_photo, data)
    path = await asyncio.to_thread(
        photos.store_photo, settings.media_path(), clean, channel=CHANNEL, when=sent_at,
        name=_FILE_ID.sub("_", photo.file_unique_id), min_free_mb=settings.media_min_free_mb)
    return SavedPhoto(path, clean.gps)


@guarded
async def on_photo(update: Update, context: HuiyinContext) -> None:
    """A photo (or an image sent as a file): stored, then announced to Rasa with its position; its caption
    follows as text."""
    message = message_of(update)
    photo = photo_in(message)
    assert photo is not None, "registered for photos and image documents"
    try:
        saved = await save_photo(context, photo, message.date or utcnow())
    except photos.PhotoRefused as refused:
        await say(update, context, texts.text(refused.reason, context.language))
        return
    except (TelegramError, OSError):
        log.exception("a photo from resident %s was not saved", chat_tag(update))
        await say(update, context, texts.text("photo_failed", context.language))
        return
    caption = inbound.resident_text(message.caption)
    await answer(update, context, inbound.photo_message(saved.path, saved.gps), *([caption] if caption else []))


def message_kind(message: Message) -> str:
    """What kind of media a message we cannot read carries, in texts.MEDIA_NAMES' terms."""
    if message.sticker:
        return "sticker"
    if message.voice:
        return "voice"
    if message.video or message.video_note:
        return "video"
    if message.audio:
        return "audio"
    if message.contact:
        return "contact"
    if message.document and not message.animation:
        return "document"
    return "other"


@guarded
async def on_unsupported(update: Update, context: HuiyinContext) -> None:
    """Stickers, voice notes, files and the rest: say what we can read instead."""
    await say(update, context, texts.unsupported(message_kind(message_of(update)), context.language))
