"""Tests for the fake Telegram server, driven by a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from testkit.telegram import PRIVATE_CHAT_BURST, TOKEN, FakeTelegramServer, post_update_to_webhook

CHAT = 42


@pytest.fixture(scope="module")
def server():
    """One fake server in a background thread, shared by the tests of this module."""
    with FakeTelegramServer() as running:
        yield running


@pytest.fixture
def fake(server):
    """The shared server, reset, enforcing rate limits."""
    server.reset()
    server.enforce_limits = True
    return server


@pytest.fixture
def lenient(fake):
    """The shared server, reset, recording rate-limit violations without refusing."""
    fake.enforce_limits = False
    return fake


def build_app(fake: FakeTelegramServer, *handlers) -> Application:
    """An Application pointed at the fake server."""
    app = (ApplicationBuilder().token(TOKEN).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).build())
    for handler in handlers:
        app.add_handler(handler)
    return app


@contextlib.asynccontextmanager
async def polling(fake: FakeTelegramServer, *handlers):
    """Run an Application with polling against the fake for the duration of the block."""
    app = build_app(fake, *handlers)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the received text."""
    await update.message.reply_text(f"echo: {update.message.text}")


def seconds(retry_after: int | dtm.timedelta) -> float:
    """RetryAfter.retry_after as seconds, whichever type PTB returns."""
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


async def test_polling_delivers_text_and_records_reply(fake):
    async with polling(fake, MessageHandler(filters.TEXT, echo)):
        update = fake.push_text(CHAT, "hello")
        [reply] = await fake.wait_for_messages(CHAT, 1)
    assert (reply.chat_id, reply.text, reply.method) == (CHAT, "echo: hello", "sendMessage")
    assert reply.message_id == update["message"]["message_id"] + 1
    methods = {call.method for call in fake.calls}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert fake.unknown_methods == [] and fake.violations == []


async def test_command_gets_bot_command_entity(fake):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"hi {update.effective_user.first_name}")

    async with polling(fake, CommandHandler("start", start)):
        fake.push_text(CHAT, "/start", first_name="Li", language_code="zh")
        [reply] = await fake.wait_for_messages(CHAT, 1)
    assert reply.text == "hi Li"


async def test_photo_can_be_downloaded(fake):
    image = b"\xff\xd8\xff fake jpeg"

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await context.bot.get_file(update.message.photo[-1].file_id)
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"{len(data)} bytes, caption {update.message.caption}")

    async with polling(fake, MessageHandler(filters.PHOTO, on_photo)) as app:
        update = fake.push_photo(CHAT, image, caption="look")
        [reply] = await fake.wait_for_messages(CHAT, 1)
        sizes = update["message"]["photo"]
        assert [s["width"] for s in sizes] == sorted(s["width"] for s in sizes)
        file = await app.bot.get_file(sizes[0]["file_id"])
        assert await file.download_as_bytearray() == image
    assert reply.text == f"{len(image)} bytes, caption look"


async def test_bot_sent_photo_is_recorded_and_downloadable(fake):
    async with build_app(fake) as app:
        message = await app.bot.send_photo(CHAT, photo=b"PNG bytes", caption="map")
        file = await app.bot.get_file(message.photo[-1].file_id)
        assert await file.download_as_bytearray() == b"PNG bytes"
    [sent] = fake.sent_messages(CHAT)
    assert (sent.method, sent.text, sent.message_id) == ("sendPhoto", "map", message.message_id)


async def test_callback_query_is_answered_and_message_edited(lenient):
    fake = lenient

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
        await update.message.reply_text("Report it?", reply_markup=keyboard)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("noted")
        await update.callback_query.edit_message_text(f"chosen: {update.callback_query.data}")

    async with polling(fake, CommandHandler("ask", ask), CallbackQueryHandler(on_button)):
        fake.push_text(CHAT, "/ask")
        [question] = await fake.wait_for_messages(CHAT, 1)
        assert question.reply_markup["inline_keyboard"][0][0]["callback_data"] == "yes"
        update = fake.push_callback(CHAT, "yes", message_id=question.message_id)
        for _ in range(400):
            if fake.calls_to("editMessageText"):
                break
            await asyncio.sleep(0.005)
    [answer] = fake.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert answer.params["text"] == "noted"
    edited = fake.get_message(CHAT, question.message_id)
    assert edited["text"] == "chosen: yes" and "reply_markup" not in edited
    assert fake.violations == []  # the edit came within 1 s of the send: a burst Telegram allows


@pytest.mark.parametrize(("status", "error"), [(403, Forbidden), (500, NetworkError),
                                               (502, NetworkError)])
async def test_injected_errors(fake, status, error):
    async with build_app(fake) as app:
        fake.fail_next("sendMessage", CHAT, status=status)
        with pytest.raises(error):
            await app.bot.send_message(CHAT, "x")
    assert fake.calls_to("sendMessage")[0].status == status
    assert fake.sent_messages() == []


async def test_retry_after_and_blocked_chat(fake):
    async with build_app(fake) as app:
        fake.fail_next("sendMessage", CHAT, retry_after=7)
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(CHAT, "x")
        assert seconds(caught.value.retry_after) == 7
        await app.bot.send_message(CHAT + 1, "other chat is not affected")
        fake.block_chat(CHAT + 2)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(CHAT + 2, "x")
    assert [m.chat_id for m in fake.sent_messages()] == [CHAT + 1]


async def test_more_than_a_burst_to_one_chat_within_a_second_violates(fake):
    async with build_app(fake) as app:
        for n in range(PRIVATE_CHAT_BURST):  # Telegram allows a short burst to one chat
            await app.bot.send_message(CHAT, f"message {n}")
        await app.bot.send_message(CHAT + 1, "different chat is fine")
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(CHAT, "one too many")
    assert seconds(caught.value.retry_after) == 1
    [violation] = fake.violations
    assert violation.chat_id == CHAT and "private chat" in violation.reason
    assert [m.text for m in fake.sent_messages(CHAT)] == [f"message {n}" for n in range(PRIVATE_CHAT_BURST)]


async def test_more_than_30_sends_per_second_violate(lenient):
    async with build_app(lenient) as app:
        await asyncio.gather(*(app.bot.send_message(chat, "hi") for chat in range(1, 32)))
    assert len(lenient.sent_messages()) == 31
    assert [v.reason for v in lenient.violations] == ["more than 30 sends per second overall"]


async def test_same_update_pushed_twice_is_delivered_twice(lenient):
    seen = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await update.message.reply_text(update.message.text)

    async with polling(lenient, MessageHandler(filters.TEXT, record)):
        update = lenient.push_text(CHAT, "once")
        await lenient.wait_for_messages(CHAT, 1)
        lenient.push_raw_update(update)
        await lenient.wait_for_messages(CHAT, 2)
        later = lenient.push_text(CHAT, "later")
        await lenient.wait_for_messages(CHAT, 3)
    assert seen == [update["update_id"]] * 2 + [later["update_id"]]
    assert [m.text for m in lenient.duplicates()] == ["once"]


async def test_server_on_the_event_loop():
    async with FakeTelegramServer() as fake, polling(fake, MessageHandler(filters.TEXT, echo)):
        fake.push_text(CHAT, "same loop")
        [reply] = await fake.wait_for_messages(CHAT, 1)
    assert reply.text == "echo: same loop"


async def test_sync_wait_from_another_thread(fake):
    async with polling(fake, MessageHandler(filters.TEXT, echo)):
        fake.push_text(CHAT, "from a thread")
        replies = await asyncio.to_thread(fake.wait_for_messages_sync, CHAT, 1)
    assert replies[0].text == "echo: from a thread"


async def test_webhook_mode(fake):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = build_app(fake, MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="hook",
                                        webhook_url=f"http://127.0.0.1:{port}/hook",
                                        secret_token="s3cret")
        try:
            assert (fake.webhook_url, fake.webhook_secret) == (f"http://127.0.0.1:{port}/hook",
                                                               "s3cret")
            update = fake.push_text(CHAT, "via webhook")
            assert await post_update_to_webhook(fake.webhook_url, update, "wrong") == 403
            assert await post_update_to_webhook(fake.webhook_url, update, "s3cret") == 200
            [reply] = await fake.wait_for_messages(CHAT, 1)
            with pytest.raises(Conflict, match="webhook is active"):
                await app.bot.get_updates()
        finally:
            await app.updater.stop()
            await app.stop()
    assert reply.text == "echo: via webhook"
    assert fake.calls_to("setWebhook") and fake.unknown_methods == []


async def test_unknown_method_and_second_consumer(fake):
    async with build_app(fake) as app, build_app(fake) as other:
        with pytest.raises(EndPointNotFound):
            await app.bot.do_api_request("frobnicate")
        first = asyncio.create_task(app.bot.get_updates(timeout=3))
        await asyncio.sleep(0.1)
        assert await other.bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict):
            await first
    assert [call.method for call in fake.unknown_methods] == ["frobnicate"]


async def test_edit_rules_group_limit_and_polling_failure(lenient):
    fake = lenient
    async with build_app(fake) as app:
        user_message = fake.push_text(CHAT, "mine")["message"]
        with pytest.raises(BadRequest, match="can't be edited"):
            await app.bot.edit_message_text("x", CHAT, user_message["message_id"])
        sent = await app.bot.send_message(CHAT, "same")
        with pytest.raises(BadRequest, match="not modified"):
            await sent.edit_text("same")
        for i in range(21):
            await app.bot.send_message(-5, f"group message {i}")
        fake.fail_next("getUpdates", status=502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.get_updates()
    assert [v.reason for v in fake.violations if v.chat_id == -5] == [
        "more than 20 sends per minute to a group"]


async def test_other_pushes_parse_in_ptb(fake):
    async with build_app(fake) as app:
        location = Update.de_json(fake.push_location(CHAT, 1.5, 2.5), app.bot).message.location
        sticker = Update.de_json(fake.push_sticker(CHAT, "👍"), app.bot).message.sticker
        voice = Update.de_json(fake.push_voice(CHAT, b"OggS..", duration=3), app.bot).message.voice
        document = Update.de_json(fake.push_document(CHAT, b"a,b", file_name="x.csv",
                                                     mime_type="text/csv"), app.bot).message
        custom = fake.push_update({"edited_message": fake.get_message(CHAT, 1)})
        file = await app.bot.get_file(document.document.file_id)
        assert await file.download_as_bytearray() == b"a,b"
    assert (location.latitude, location.longitude) == (1.5, 2.5)
    assert sticker.emoji == "👍" and voice.duration in (3, dtm.timedelta(seconds=3))
    assert (document.document.file_name, document.document.mime_type) == ("x.csv", "text/csv")
    assert custom["update_id"] == 5 and custom["edited_message"]["location"]["latitude"] == 1.5


async def test_bot_sent_document_is_recorded_with_its_name_and_bytes(fake):
    async with polling(fake, CommandHandler("start", echo)) as app:
        message = await app.bot.send_document(CHAT, document=b'{"a": 1}', filename="my-data.json", caption="yours")
    [sent] = fake.calls_to("sendDocument")
    recorded = fake.sent_messages(CHAT)[-1]
    assert (sent.status, recorded.method, recorded.text) == (200, "sendDocument", "yours")
    assert recorded.params["document"] == b'{"a": 1}' and message.document.file_name == "my-data.json"
