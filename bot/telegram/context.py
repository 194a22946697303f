"""What every Telegram handler shares: its dependencies and context, answering in the chat, and guarded."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot import inbound, resident_data, texts
from bot.conversation import confirm_delivered, converse
from bot.rasa_client import RasaClient, Reply
from bot.telegram.records import CHANNEL
from bot.telegram.replies import ChatPacer, send_document, send_replies
from cases.guards.privacy import resident_tag
from cases.residents import sender_id
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger("bot.telegram.handlers")  # one logger for the handlers' modules


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
        request = inbound.data_request(message)
        if request is not None:  # "my data", "delete my data": the channel answers (bot/resident_data.py)
            await answer_data_request(context, chat_id, sender, request)
            continue
        notice = await resident_data.notice_reply(deps.db, deps.settings, sender=sender)
        if notice is not None:  # first contact: the privacy notice, a message of its own before the answer
            await send_replies(context.bot, chat_id, [notice], deps.pacer)
        replies = await converse(deps.rasa, sender=sender, message=message, language=context.language)
        await send_replies(context.bot, chat_id, replies, deps.pacer)
        # Telegram has them: a new case's reference among them needs no push (a failed send raised above).
        await confirm_delivered(deps.db, sender=sender, messages=[reply.text for reply in replies],
                                prefix=deps.settings.reference_prefix)
        if replies == [Reply(text=texts.text("unavailable", context.language))]:
            break  # Rasa is down: the next message (a photo's caption) would only repeat the apology


async def answer_data_request(context: HuiyinContext, chat_id: int, sender: str, request: str) -> None:
    """Answer a request about the resident's own data: texts and buttons, the export as a document."""
    deps = context.deps
    turn = await resident_data.answer_data_request(deps.db, deps.settings, sender=sender, request=request,
                                                   language=context.language)
    await send_replies(context.bot, chat_id, turn.replies, deps.pacer)
    if turn.document is not None:
        await send_document(context.bot, chat_id, turn.document.filename, turn.document.data, deps.pacer)


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
