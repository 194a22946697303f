"""Rasa's replies as Telegram messages: split to Telegram's length limit, buttons as inline keyboards, paced per
chat (bot.delivery.pacing: shared with the jobs' sender through the database)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Optional

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.delivery.pacing import ChatPacer
from bot.rasa_client import Button, Reply
from cases.guards.privacy import resident_tag

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64


def _utf16_length(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """`text` in pieces Telegram accepts, cut at a line break or space where possible."""
    pieces = []
    text = text.strip()
    while text:
        # Telegram counts UTF-16 code units, so an emoji may take two of the `limit`.
        end, units = 0, 0
        while end < len(text) and units + _utf16_length(text[end]) <= limit:
            units += _utf16_length(text[end])
            end += 1
        if end < len(text):
            cut = max(text.rfind("\n", 0, end + 1), text.rfind(" ", 0, end + 1))
            end = cut if cut > limit // 2 else end
        pieces.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return pieces


def keyboard(buttons: Iterable[Button]) -> Optional[InlineKeyboardMarkup]:
    """One button per row, the payload as callback data; payloads Telegram cannot carry are left out."""
    rows = [[InlineKeyboardButton(button.title or button.payload, callback_data=button.payload)]
            for button in buttons if _fits(button.title, button.payload)]
    return InlineKeyboardMarkup(rows) if rows else None


def _fits(title: str, payload: str) -> bool:
    """Whether Telegram can carry this payload as callback data (1-64 bytes); logged when not."""
    if 1 <= len((payload or "").encode()) <= MAX_CALLBACK_DATA_BYTES:
        return True
    log.warning("button %r dropped: payload %r is not 1-64 bytes", title, payload)
    return False


def keyboard_rows(rows: Sequence[Sequence[dict]]) -> Optional[InlineKeyboardMarkup]:
    """Rows of {"title", "payload"} buttons (as stored with a push) as an inline keyboard, rows kept."""
    markup = []
    for row in rows or ():
        buttons = [InlineKeyboardButton(b.get("title") or b["payload"], callback_data=b["payload"])
                   for b in row if _fits(b.get("title", ""), b.get("payload", ""))]
        if buttons:
            markup.append(buttons)
    return InlineKeyboardMarkup(markup) if markup else None


async def send_text(bot: Bot, chat_id: int, text: str, pacer: ChatPacer,
                    markup: Optional[InlineKeyboardMarkup] = None) -> None:
    """Send `text`, split if too long; the keyboard goes with the last piece."""
    pieces = split_text(text) or ["…"]  # Telegram refuses a keyboard without text
    for number, piece in enumerate(pieces, start=1):
        async with pacer.turn(chat_id):
            await bot.send_message(chat_id, piece, reply_markup=markup if number == len(pieces) else None)


def coalesce(replies: Iterable[Reply]) -> list[Reply]:
    """Join a turn's consecutive texts into one message where no buttons or image sit between them.

    Every message to a chat waits a second after the previous one (Telegram's per-chat limit),
    so "Got it." + "Where is it?" as two messages would make the resident wait a second more.
    """
    joined: list[Reply] = []
    for reply in replies:
        last = joined[-1] if joined else None
        if (last is not None and not last.buttons and not last.image and not reply.image
                and len(last.text) + len(reply.text) + 2 <= MAX_MESSAGE_LENGTH):
            joined[-1] = Reply(text=f"{last.text}\n\n{reply.text}".strip(), buttons=reply.buttons)
        else:
            joined.append(reply)
    return joined


async def send_replies(bot: Bot, chat_id: int, replies: Iterable[Reply], pacer: ChatPacer) -> None:
    """Deliver Rasa's replies in order: images as photos, texts with their buttons."""
    for reply in coalesce(replies):
        if reply.image:
            try:
                async with pacer.turn(chat_id):
                    await bot.send_photo(chat_id, reply.image)
            except BadRequest as exc:  # a broken image link should not cost the resident the text
                log.warning("image %r not sent to resident %s: %s", reply.image, resident_tag("telegram", chat_id), exc)
        markup = keyboard(reply.buttons)
        if reply.text.strip() or markup:
            await send_text(bot, chat_id, reply.text, pacer, markup)


async def remove_keyboard(bot: Bot, chat_id: int, message_id: int, pacer: ChatPacer) -> None:
    """Take the buttons off a message so they cannot be pressed again."""
    try:
        async with pacer.turn(chat_id):
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:  # already removed, or the message is gone: nothing left to press
        log.info("keyboard of a message to resident %s not removed: %s", resident_tag("telegram", chat_id), exc)


async def send_document(bot: Bot, chat_id: int, filename: str, data: bytes, pacer: ChatPacer,
                        caption: Optional[str] = None) -> None:
    """Send a file (the resident's data export) as a Telegram document."""
    async with pacer.turn(chat_id):
        await bot.send_document(chat_id, document=data, filename=filename, caption=caption)
