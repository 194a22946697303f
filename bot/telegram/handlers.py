"""Telegram update handlers: admit an update once, turn it into a message for Rasa, deliver the answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from telegram import CallbackQuery, Chat, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import inbound, live_chat, photos, resident_data, texts
from bot.conversation import urgent_answer
from bot.telegram.context import (
    Deps,
    Handler,
    HuiyinContext,
    answer,
    chat_id_of,
    chat_tag,
    guarded,
    message_of,
    query_of,
    say,
)
from bot.telegram.media import message_kind, on_location, on_photo, on_unsupported, photo_in, save_photo
from bot.telegram.records import CHANNEL, admit_update, claim_button, relay_message
from bot.telegram.replies import remove_keyboard
from cases.clock import utcnow
from cases.residents import normalise_language, sender_id

__all__ = ["COMMANDS", "Deps", "Handler", "HuiyinContext", "add_handlers", "guarded", "save_photo"]

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "status", "cancel", "language")


@guarded
async def admit(update: Update, context: HuiyinContext) -> None:
    """Let through only updates from private chats, and know the resident's language (repeats never get here)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or not (update.message or update.callback_query):
        raise ApplicationHandlerStop
    if chat.type != Chat.PRIVATE:
        log.info("ignoring update %s from a %s chat: private chats only", update.update_id, chat.type)
        raise ApplicationHandlerStop
    context.language = normalise_language(user.language_code)  # until the database says otherwise
    admitted = await asyncio.to_thread(admit_update, context.deps.db, chat.id, user.full_name, user.language_code)
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
    elif (photo := photo_in(message)) is not None:
        try:
            fields["photo_path"] = (await save_photo(context, photo, message.date or utcnow())).path
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
        urgent = urgent_answer(fields.get("text"), context.language)
        if urgent:  # a smell of gas: what to do now, at once, while the person reads it
            await say(update, context, urgent)
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
    if payload == resident_data.CONFIRM:  # forgotten: the rows these last sends wrote named the chat too
        await asyncio.to_thread(resident_data.forget_traffic, context.deps.db, sender_id(CHANNEL, str(message.chat.id)))


def add_handlers(application: Application) -> None:
    """Register the handlers: admission, the handoff relay, then one handler per kind of update."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, admit), group=-2)
    application.add_handler(TypeHandler(Update, relay_during_handoff), group=-1)
    application.add_handlers([
        CommandHandler(COMMANDS, on_command, filters=private),
        MessageHandler(private & filters.TEXT, on_text),
        MessageHandler(private & filters.LOCATION, on_location),
        MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE), on_photo),
        CallbackQueryHandler(on_button),
        MessageHandler(private, on_unsupported),
    ])
