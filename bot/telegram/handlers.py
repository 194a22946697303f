"""Telegram update handlers: admit an update once, turn it into a message for Rasa, deliver the answer."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from telegram import CallbackQuery, Chat, Message, PhotoSize, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import inbound, live_chat, photos, texts
from bot.conversation import confirm_delivered, converse
from bot.rasa_client import RasaClient, Reply
from bot.telegram.records import CHANNEL, admit_update, claim_button, relay_message
from bot.telegram.replies import ChatPacer, remove_keyboard, send_replies
from cases.clock import utcnow
from cases.privacy import resident_tag
from cases.residents import normalise_language, sender_id
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "status", "cancel", "language")
_FILE_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Deps:
    """What the handlers need, kept in the Application's bot_data."""

    settings: Settings
    db: Database
    rasa: RasaClient
    pacer: ChatPacer


class HuiyinContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's callback context plus our dependencies and the resident's language."""

    language: str = "en"
    in_handoff: bool = False  # a person answers this resident now: their messages go to the transcript

    @property
    def deps(self) -> Deps:
        """The settings, database, Rasa client and pacer of this bot."""
        return self.bot_data["deps"]


Handler = Callable[[Update, HuiyinContext], Coroutine[Any, Any, None]]


def chat_id_of(update: Update) -> int:
    """The update's chat."""
    chat = update.effective_chat
    assert chat is not None, "admit lets no update without a chat through"
    return chat.id


def message_of(update: Update) -> Message:
    """The update's message, in a handler whose filters take message updates only."""
    assert update.message is not None, "a handler for messages got an update without one"
    return update.message


def query_of(update: Update) -> CallbackQuery:
    """The update's pressed button, in the handler for button presses."""
    assert update.callback_query is not None, "the button handler got an update without a button press"
    return update.callback_query


async def say(update: Update, context: HuiyinContext, text: str) -> None:
    """Send one of the bot's own texts to the chat."""
    deps = context.deps
    await send_replies(context.bot, chat_id_of(update), [Reply(text=text)], deps.pacer)


async def answer(update: Update, context: HuiyinContext, *messages: str) -> None:
    """Send `messages` to Rasa one after another, delivering each answer before the next message."""
    chat_id, deps = chat_id_of(update), context.deps
    sender = sender_id(CHANNEL, str(chat_id))
    for message in messages:
        replies = await converse(deps.rasa, sender=sender, message=message, language=context.language)
        await send_replies(context.bot, chat_id, replies, deps.pacer)
        # Telegram has them: a new case's reference among them needs no push (a failed send raised above).
        await confirm_delivered(deps.db, sender=sender, messages=[reply.text for reply in replies],
                                prefix=deps.settings.reference_prefix)
        if replies == [Reply(text=texts.text("unavailable", context.language))]:
            break  # Rasa is down: the next message (a photo's caption) would only repeat the apology


def chat_tag(update: Update) -> str:
    """The chat's resident as logs may name them: a pseudonym, never the chat id."""
    chat = update.effective_chat
    return resident_tag(CHANNEL, chat.id) if chat is not None else "-"


def guarded(handler: Handler) -> Handler:
    """Run a handler so that a failure is logged with its stack trace and the resident gets an apology."""

    @functools.wraps(handler)
    async def run(update: Update, context: HuiyinContext) -> None:
        try:
            await handler(update, context)
        except ApplicationHandlerStop:
            raise
        except Forbidden as exc:  # the resident blocked the bot: an apology would be refused too
            log.warning("resident %s refuses messages: %s", chat_tag(update), exc)
            raise ApplicationHandlerStop from None
        except Exception:
            log.exception("%s failed on update %s", handler.__name__, update.update_id)
            try:
                await say(update, context, texts.text("unavailable", context.language))
            except Exception:  # Telegram itself may be the problem; the log has it
                log.exception("could not apologise for update %s", update.update_id)
            raise ApplicationHandlerStop from None  # nothing else runs for this update

    return run


@guarded
async def admit(update: Update, context: HuiyinContext) -> None:
    """Let through only new updates from private chats, and know the resident's language."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or not (update.message or update.callback_query):
        raise ApplicationHandlerStop
    if chat.type != Chat.PRIVATE:
        log.info("ignoring update %s from a %s chat: private chats only", update.update_id, chat.type)
        raise ApplicationHandlerStop
    context.language = normalise_language(user.language_code)  # until the database says otherwise
    # update_id counts per bot, so the bot's id keeps two bots sharing a database apart.
    key = f"{context.bot.id}:{update.update_id}"
    admitted = await asyncio.to_thread(
        admit_update, context.deps.db, key, chat.id, user.full_name, user.language_code
    )
    if admitted is None:
        log.info("update %s already handled; ignoring the repeat", update.update_id)
        raise ApplicationHandlerStop
    context.language, context.in_handoff = admitted.language, admitted.in_handoff


def pressed_title(query: CallbackQuery) -> Optional[str]:
    """The title of the inline button that was pressed, if the message still shows it."""
    shown = query.message
    markup = shown.reply_markup if isinstance(shown, Message) and shown.is_accessible else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


@guarded
async def relay_during_handoff(update: Update, context: HuiyinContext) -> None:
    """While a person handles the chat, every message (commands too) goes to the transcript and the bot is silent."""
    if not context.in_handoff:
        return
    query, message = update.callback_query, update.message
    fields: dict = {}
    if query is not None:
        await query.answer()  # stops the spinner; the keyboard stays, to be pressed after the handoff
        fields["text"] = live_chat.button_note(pressed_title(query), query.data)
    elif message is None:
        raise AssertionError("admit lets through only messages and button presses")
    elif message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        try:
            fields["photo_path"] = await save_photo(context, largest, message.date or utcnow())
        except photos.PhotoRefused as refused:
            await say(update, context, texts.text(refused.reason, context.language))
            raise ApplicationHandlerStop from None
        except (TelegramError, OSError):
            log.exception("a photo from resident %s was not saved", chat_tag(update))
            await say(update, context, texts.text("photo_failed", context.language))
            raise ApplicationHandlerStop from None
        fields["text"] = message.caption or ""
    elif message.location:
        fields.update(latitude=message.location.latitude, longitude=message.location.longitude)
    elif message.text:
        fields["text"] = message.text
    else:
        fields["text"] = f"[{message_kind(message)}]"
    relayed = await asyncio.to_thread(relay_message, context.deps.db, chat_id_of(update), **fields)
    if relayed:
        raise ApplicationHandlerStop
    # The person ended the chat a moment ago: the assistant answers after all.


async def answer_text(update: Update, context: HuiyinContext, raw: str) -> None:
    """Typed text to Rasa as plain text, never as an intent trigger; the bot itself answers empty text."""
    text = inbound.resident_text(raw)
    if not text:
        await say(update, context, texts.text("empty", context.language))
        return
    if len(raw.strip()) > inbound.MAX_TEXT_LENGTH:
        await say(update, context, texts.text("too_long", context.language))
    await answer(update, context, text)


@guarded
async def on_text(update: Update, context: HuiyinContext) -> None:
    """Typed text, including slash commands that are not ours."""
    await answer_text(update, context, message_of(update).text or "")


@guarded
async def on_command(update: Update, context: HuiyinContext) -> None:
    """/start, /help, /status, /cancel, /language; with words after them, the whole text is read as text."""
    text = message_of(update).text or ""  # a command always has its text
    if context.args:  # "/status HY-2026-00042": the reference matters, so NLU reads it all
        await answer_text(update, context, text)
        return
    command = inbound.command_message(text.split()[0])
    assert command is not None, "registered for COMMANDS only"
    await answer(update, context, command)


@guarded
async def on_location(update: Update, context: HuiyinContext) -> None:
    """A shared location."""
    location = message_of(update).location
    assert location is not None, "registered for filters.LOCATION"
    await answer(update, context, inbound.location_message(location.latitude, location.longitude))


async def save_photo(context: HuiyinContext, photo: PhotoSize, sent_at: datetime) -> str:
    """Download a photo, re-encode it (bot/photos.py) and store it under the media directory; its relative path.

    Raises photos.PhotoRefused when it is not a photo we can read or the disk is nearly full.
    """
    settings = context.deps.settings
    file = await context.bot.get_file(photo.file_id)
    data = bytes(await file.download_as_bytearray())
    clean = await asyncio.to_thread(photos.clean_photo, data)
    return await asyncio.to_thread(
        photos.store_photo, settings.media_path(), clean, channel=CHANNEL, when=sent_at,
        name=_FILE_ID.sub("_", photo.file_unique_id), min_free_mb=settings.media_min_free_mb)


@guarded
async def on_photo(update: Update, context: HuiyinContext) -> None:
    """A photo: stored, then announced to Rasa; its caption follows as text."""
    message = message_of(update)
    largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
    try:
        relative = await save_photo(context, largest, message.date or utcnow())
    except photos.PhotoRefused as refused:
        await say(update, context, texts.text(refused.reason, context.language))
        return
    except (TelegramError, OSError):
        log.exception("a photo from resident %s was not saved", chat_tag(update))
        await say(update, context, texts.text("photo_failed", context.language))
        return
    caption = inbound.resident_text(message.caption)
    await answer(update, context, inbound.photo_message(relative), *([caption] if caption else []))


@guarded
async def on_button(update: Update, context: HuiyinContext) -> None:
    """A pressed inline button: only payloads shaped like ours, and each keyboard only once."""
    query = query_of(update)
    await query.answer()  # stops the client's spinner whatever happens next
    payload = inbound.button_payload(query.data, context.deps.settings.reference_prefix)
    message = query.message if isinstance(query.message, Message) and query.message.is_accessible else None
    if payload is None or message is None or not await asyncio.to_thread(
            claim_button, context.deps.db, context.bot.id, message.chat.id, message.message_id):
        await say(update, context, texts.text("button_expired", context.language))
        return
    await answer(update, context, payload)
    # After the answer: the per-chat interval would otherwise delay the answer by a second.
    await remove_keyboard(context.bot, message.chat.id, message.message_id, context.deps.pacer)


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


def add_handlers(application: Application) -> None:
    """Register the handlers: admission, the handoff relay, then one handler per kind of update."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, admit), group=-2)
    application.add_handler(TypeHandler(Update, relay_during_handoff), group=-1)
    application.add_handlers([
        CommandHandler(COMMANDS, on_command, filters=private),
        MessageHandler(private & filters.TEXT, on_text),
        MessageHandler(private & filters.LOCATION, on_location),
        MessageHandler(private & filters.PHOTO, on_photo),
        CallbackQueryHandler(on_button),
        MessageHandler(private, on_unsupported),
    ])
