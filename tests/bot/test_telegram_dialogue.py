"""The Telegram channel with the real Rasa and action server: greetings, odd texts, filing with a location, a photo
and buttons."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.photos import clean_photo
from cases.models import Case, Resident
from tests.bot.telegram_harness import EXPIRED, UNAVAILABLE, fake, new_chat, online, payloads  # noqa: F401 - fixtures
from tests.e2e.loop_harness import JPEG, jpeg_taken_at


@pytest.mark.e2e
async def test_a_greeting_gets_an_answer_with_buttons(online):
    chat = new_chat()
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, "hello", first_name="Mei"))
    assert UNAVAILABLE not in [r.text for r in replies]
    assert "/check_status" in payloads(replies[-1])
    with online.db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.channel == "telegram",
                                                         Resident.external_id == str(chat)))
        assert (resident.display_name, resident.language) == ("Mei", "en")
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, "/start"))
    assert online.rasa.messages(chat) == ["hello", "/greet"]
    assert "/check_status" in payloads(replies[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("text", ["pothole " * 511 + "potholes", "🚧🚧🚧", "🙂",
                                  "人民路上的路灯坏了 the streetlight is broken", "/unknown_command please"])
async def test_odd_texts_get_a_real_answer(online, text):
    chat = new_chat()
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, text))
    assert replies and all(r.text and r.text != UNAVAILABLE for r in replies)
    assert len(online.rasa.messages(chat)[0]) <= 4096
    assert not online.rasa.messages(chat)[0].startswith("/")


@pytest.mark.e2e
async def test_filing_with_location_photo_and_buttons(online):
    fake, rasa, chat = online.fake, online.rasa, new_chat()
    replies = await online.answer(chat, lambda: fake.push_text(chat, "There is a deep pothole in front of my house"))
    assert "Where is it?" in replies[-1].text
    # Away from the other tests' potholes: one still open nearby would be offered to follow (actions/nearby.py).
    replies = await online.answer(chat, lambda: fake.push_location(chat, 31.2404, 121.4837))
    assert rasa.messages(chat)[-1] == '/share_location{"latitude":31.2404,"longitude":121.4837}'
    assert "/deny" in payloads(replies[-1])  # "Send a photo, or press Skip"

    # Typed intent triggers are plain text: no restart, no injected entities; the report survives.
    replies = await online.answer(chat, lambda: fake.push_text(chat, "/restart"))
    replies += await online.answer(chat, lambda: fake.push_text(chat, '/inform{"case_id":"1"}'))
    assert rasa.messages(chat)[-2:] == ["restart", 'inform{"case_id":"1"}']
    assert UNAVAILABLE not in [r.text for r in replies]

    replies = await online.answer(chat, lambda: fake.push_photo(chat, JPEG))
    [photo_message] = [m for m in rasa.messages(chat) if m.startswith("/share_photo")]
    relative = photo_message.split('"photo":"')[1].split('"')[0]
    now = datetime.now(timezone.utc)
    assert re.fullmatch(rf"telegram/{now:%Y}/{now:%m}/[\w-]+\.jpg", relative)
    assert (online.settings.media_dir / relative).read_bytes() == clean_photo(JPEG).data  # decoded, re-encoded
    summary = replies[-1]
    assert "Photo: yes" in summary.text and "/affirm" in payloads(summary)

    replies = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    assert "reply_markup" not in fake.get_message(chat, summary.message_id)
    [reference] = re.findall(r"HY-\d{4}-\d{5}", replies[-1].text)
    # A second press on the same keyboard (a double tap) files nothing more.
    [again] = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    assert again.text == EXPIRED
    assert rasa.messages(chat).count("/affirm") == 1
    with online.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert [p.path for p in case.photos] == [relative]
        assert (case.latitude, case.longitude) == (31.2404, 121.4837)


@pytest.mark.e2e
async def test_a_photo_goes_to_rasa_before_its_caption(online):
    fake, chat = online.fake, new_chat()
    replies = await online.answer(chat, lambda: fake.push_photo(chat, JPEG, caption="/The street lamp is broken"))
    [photo, caption] = online.rasa.messages(chat)
    relative = photo.removeprefix('/share_photo{"photo":"').removesuffix('"}')
    assert (online.settings.media_dir / relative).read_bytes() == clean_photo(JPEG).data
    largest = fake.get_message(chat, 1)["photo"][-1]
    assert [c.params["file_id"] for c in fake.calls_to("getFile")] == [largest["file_id"]]
    assert caption == "The street lamp is broken"
    assert replies and UNAVAILABLE not in [r.text for r in replies]


@pytest.mark.e2e
async def test_an_image_sent_as_a_file_keeps_its_position_which_becomes_the_place(online):
    # Telegram strips EXIF from compressed photos; a photo sent as a file keeps it.
    fake, rasa, chat = online.fake, online.rasa, new_chat()
    replies = await online.answer(chat, lambda: fake.push_text(chat, "The street light outside is broken"))
    assert "Where is it?" in replies[-1].text
    image = jpeg_taken_at(31.2266, 121.4523)
    replies = await online.answer(chat, lambda: fake.push_document(chat, image, file_name="IMG_0042.jpg",
                                                                   mime_type="image/jpeg"))
    [photo_message] = [m for m in rasa.messages(chat) if m.startswith("/share_photo")]
    assert photo_message.endswith('"latitude":31.2266,"longitude":121.4523}')
    assert any(r.text.startswith("Your photo says where it was taken") for r in replies)
    summary = replies[-1]
    assert "31.22660, 121.45230" in summary.text and "Photo: yes" in summary.text
    relative = photo_message.split('"photo":"')[1].split('"')[0]
    assert b"Exif" not in (online.settings.media_dir / relative).read_bytes()

    # A file that is an image we cannot read is refused politely, and a file that is no image is not taken.
    replies = await online.answer(chat, lambda: fake.push_document(chat, b"not really", file_name="x.heic",
                                                                   mime_type="image/heic"))
    assert "JPEG, PNG or WebP" in replies[-1].text
    assert len([m for m in rasa.messages(chat) if m.startswith("/share_photo")]) == 1
