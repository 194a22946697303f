"""Rasa's replies as Telegram messages: as few messages as the buttons allow, each within Telegram's limits."""

from bot.rasa_client import Button, Reply
from bot.telegram.replies import MAX_MESSAGE_LENGTH, coalesce, keyboard, split_text

YES = (Button("Yes", "/affirm"),)


def test_texts_without_buttons_join_the_next_message():
    joined = coalesce([Reply("Got it."), Reply("Where is it?"), Reply("Photo?", buttons=YES)])
    assert joined == [Reply("Got it.\n\nWhere is it?\n\nPhoto?", buttons=YES)]


def test_buttons_and_images_keep_their_own_messages():
    replies = [Reply("Pick one", buttons=YES), Reply("Or type it"), Reply(image="http://x/a.png"), Reply("Done")]
    assert coalesce(replies) == [Reply("Pick one", buttons=YES), Reply("Or type it"),
                                 Reply(image="http://x/a.png"), Reply("Done")]


def test_texts_that_would_exceed_telegrams_limit_stay_apart():
    long = Reply("a" * (MAX_MESSAGE_LENGTH - 10))
    assert coalesce([long, Reply("b" * 20)]) == [long, Reply("b" * 20)]


def test_long_texts_are_split_within_telegrams_limit():
    text = ("word " * 2000).strip() + "\n" + "🙂" * 3000
    pieces = split_text(text)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert split_text("short") == ["short"]


def test_payloads_telegram_cannot_carry_are_dropped(caplog):
    markup = keyboard([Button("Pothole", '/choose{"request_type":"pothole"}'), Button("Long", "/" + "x" * 70)])
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ['/choose{"request_type":"pothole"}']]
    assert "dropped" in caplog.text
