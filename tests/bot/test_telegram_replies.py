"""A turn's texts become as few Telegram messages as the buttons allow."""

from bot.rasa_client import Button, Reply
from bot.telegram.replies import MAX_MESSAGE_LENGTH, coalesce

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
