"""A person answering (handoff) on Telegram: every message is stored for the agent and the bot stays silent."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from bot.photos import clean_photo
from cases.models import Resident
from cases.store.db import Database
from tests.bot.telegram_harness import UNAVAILABLE, WAIT, fake, new_chat, offline, wait_until  # noqa: F401 - fixtures
from tests.e2e.loop_harness import JPEG


def transcript(db: Database, chat: int) -> list[tuple]:
    """The resident's messages in their latest handoff."""
    from cases.models import HandoffRequest

    with db.transaction() as session:
        request = session.scalar(select(HandoffRequest).join(Resident).where(Resident.external_id == str(chat))
                                 .order_by(HandoffRequest.id.desc()))
        return [(m.text, m.latitude, m.photo_path) for m in request.messages if m.direction == "resident"]


async def hand_over(bot, chat: int) -> None:
    """The chat's resident, who said hello (Rasa is down here: an apology), now waits for a person."""
    from cases.handoff import handoff

    await bot.answer(chat, lambda: bot.fake.push_text(chat, "hello"))
    with bot.db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.external_id == str(chat)))
        handoff.request_handoff(session, resident=resident, reason="a person please")


async def test_during_a_handoff_every_message_is_stored_and_the_bot_stays_silent(offline):
    from cases.handoff import handoff
    from cases.models import StaffUser

    fake, chat, db = offline.fake, new_chat(), offline.db
    await hand_over(offline, chat)
    sent_before, rasa_before = len(fake.sent_messages(chat)), list(offline.rasa.messages(chat))
    fake.push_text(chat, "are you there?")
    fake.push_location(chat, 31.2304, 121.4737)
    fake.push_photo(chat, JPEG, caption="the hole")
    fake.push_sticker(chat)
    fake.push_text(chat, "/start")
    fake.push_callback(chat, "/check_status", message_id=1)
    await wait_until(lambda: len(transcript(db, chat)) == 7)
    await offline.idle()
    stored = transcript(db, chat)
    assert [text for text, _, _ in stored] == ["a person please", "are you there?", "[location]", "the hole",
                                               "[sticker]", "/start", "[pressed a button: /check_status]"]
    assert stored[2][1] == 31.2304
    assert (offline.settings.media_dir / stored[3][2]).read_bytes() == clean_photo(JPEG).data
    assert len(fake.sent_messages(chat)) == sent_before  # not a word from the bot
    assert offline.rasa.messages(chat) == rasa_before  # and Rasa heard nothing
    assert fake.calls_to("answerCallbackQuery")  # the button's spinner stopped all the same

    with db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.external_id == str(chat)))
        staff = StaffUser(username=f"agent{chat}", display_name="Wang Fang", password_hash="x", role="agent",
                          created_at=datetime.now(timezone.utc))
        session.add(staff)
        session.flush()
        handoff.end(session, handoff=handoff.open_handoff_for(session, resident), staff=staff)
    [reply] = await offline.answer(chat, lambda: fake.push_text(chat, "hello again"))
    assert reply.text == UNAVAILABLE and offline.rasa.messages(chat) == [*rasa_before, "hello again"]


async def test_a_smell_of_gas_during_a_handoff_is_relayed_and_answered_at_once(offline):
    from cases.referrals import urgent_referral_for

    fake, chat, db = offline.fake, new_chat(), offline.db
    await hand_over(offline, chat)
    [reply] = await offline.answer(chat, lambda: fake.push_text(chat, "楼道里有一股很重的煤气味"))
    gas = urgent_referral_for("燃气泄漏")
    assert gas is not None and reply.text == gas.answer_in("en")  # the resident's language: Telegram's en
    assert transcript(db, chat)[-1][0] == "楼道里有一股很重的煤气味"
