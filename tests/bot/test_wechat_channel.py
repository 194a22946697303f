"""The WeChat channel's server URL over HTTP, on a real database, with only WeChat's servers faked (the fake API
records what the channel sends) and Rasa unreachable (its answers are the apology; what reached it is recorded)."""

from __future__ import annotations

import json
import time

import pytest
from PIL import Image

from bot import texts
from bot.rasa_client import Button, Reply
from bot.wechat import choices
from testkit.stack import free_port
from testkit.wechat import gps_jpeg
from tests.bot.webchat_harness import RecordingRasa
from tests.bot.wechat_harness import TOKEN, new_aes_key, new_openid, wechat_channel

APOLOGY = texts.text("unavailable", "zh")


@pytest.fixture
async def rasa():
    client = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    yield client
    await client.aclose()


async def test_url_check_echoes_only_a_call_signed_with_our_token(sqlite_db, rasa, tmp_path):
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        good = await channel.wechat.verify("echo-123")
        assert (good.status_code, good.text) == (200, "echo-123")
        forged = await channel.wechat.verify("echo-123", token="not-our-token")
        assert forged.status_code == 403 and "echo" not in forged.text
        bare = await channel.wechat.client.get("/wechat", params={"echostr": "echo-123"})
        assert bare.status_code == 403


async def test_plain_mode_numbered_choices_round_trip(sqlite_db, rasa, tmp_path):
    openid = new_openid()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        answer = await channel.wechat.text(openid, "删除我的数据")
        assert (answer.status_code, answer.text) == (200, "success")
        [asked] = await channel.fake.wait_for_texts(openid, 1)
        assert "1. 是，删除我的数据\n2. 不，保留" in asked and asked.endswith("回复数字选择")
        assert channel.resident(openid).offered_choices is not None
        await channel.wechat.text(openid, "２")  # full-width, as Chinese keyboards type it
        texts_sent = await channel.fake.wait_for_texts(openid, 2)
        assert texts_sent[1] == "没有删除任何数据。"
        assert rasa.sent == []  # the resident's own data is the channel's to answer
        assert len(channel.fake.tokens) == 1  # one access token for every call


async def test_safe_mode_decrypts_calls_and_refuses_plain_or_forged_ones(sqlite_db, rasa, tmp_path):
    openid, key = new_openid(), new_aes_key()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media", aes_key=key) as channel:
        assert (await channel.wechat.verify("echo-safe")).text == "echo-safe"
        answer = await channel.wechat.text(openid, "there is a broken street light outside 12 Acacia Avenue")
        assert (answer.status_code, answer.text) == (200, "success")
        await channel.fake.wait_for_texts(openid, 2)  # the privacy notice, then the apology (Rasa is down)
        assert rasa.sent == ["there is a broken street light outside 12 Acacia Avenue"]

        # The same message in plain: refused, since safe mode's second signature would be skipped.
        query = channel.wechat.signed_query()
        plain = await channel.wechat.client.post("/wechat", params=query,
                                                 content=channel.wechat.text_xml(openid, "plain").encode())
        assert plain.status_code == 400
        # Encrypted, but msg_signature made with another token.
        forged = await channel.wechat.post_xml(channel.wechat.text_xml(openid, "forged"), token="not-our-token")
        assert forged.status_code == 403
        assert rasa.sent == ["there is a broken street light outside 12 Acacia Avenue"]


async def test_a_message_wechat_sends_again_is_handled_once(db, rasa, tmp_path):
    openid = new_openid()
    async with wechat_channel(db, rasa, tmp_path / "media") as channel:
        xml = channel.wechat.text_xml(openid, "hello", msg_id=987654321)
        answers = [await channel.wechat.post_xml(xml) for _ in range(3)]  # WeChat retries after 5 s without answer
        assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 3
        await channel.fake.wait_until_quiet(openid)
        assert rasa.sent == ["hello"]
        assert channel.fake.texts_to(openid)[-1] == APOLOGY
        assert channel.fake.texts_to(openid).count(APOLOGY) == 1


async def test_subscribe_greets_unsubscribe_marks_unreachable_and_menu_clicks_are_payloads(sqlite_db, rasa, tmp_path):
    openid = new_openid()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        created = int(time.time())
        for _ in range(2):  # a retried event is the same sender, time and event
            assert (await channel.wechat.event(openid, "subscribe", created=created)).text == "success"
        notice, apology = await channel.fake.wait_until_quiet(openid)
        assert notice.startswith("隐私说明") and apology == APOLOGY  # first contact: the privacy notice first
        assert rasa.sent == ["/greet"]  # what /start sends on Telegram
        assert channel.resident(openid).language == "zh"

        await channel.wechat.event(openid, "unsubscribe", created=created + 1)
        await channel.settle()
        assert channel.resident(openid).unreachable_at is not None
        await channel.wechat.event(openid, "subscribe", created=created + 2)  # back, a little later
        await channel.settle()
        assert channel.resident(openid).unreachable_at is None

        await channel.wechat.event(openid, "CLICK", "/help")
        await channel.wechat.event(openid, "CLICK", "/restart")  # not a payload a menu may carry
        await channel.settle()
        assert rasa.sent == ["/greet", "/greet", "/help"]
        assert channel.fake.texts_to(openid)[-1] == texts.text("button_expired", "zh")


async def test_a_number_without_such_a_choice_is_read_as_text(sqlite_db, rasa, tmp_path):
    openid = new_openid()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        await channel.wechat.text(openid, "删除我的数据")  # offers two choices
        await channel.fake.wait_for_texts(openid, 1)
        await channel.wechat.text(openid, "7")
        await channel.settle()
        assert rasa.sent == ["7"]


async def test_photo_is_fetched_with_the_token_stored_without_exif_and_its_position_kept(sqlite_db, rasa, tmp_path):
    openid, media = new_openid(), tmp_path / "media"
    async with wechat_channel(sqlite_db, rasa, media) as channel:
        await channel.wechat.image(openid, channel.fake.add_media(gps_jpeg(31.2304, 121.4737)))
        await channel.wechat.location(openid, 31.2301, 121.4741, "人民广场")
        await channel.settle()
        photo, location = rasa.sent
        assert photo.startswith("/share_photo")
        entities = json.loads(photo[len("/share_photo"):])
        assert (entities["latitude"], entities["longitude"]) == (31.2304, 121.4737)
        assert entities["photo"].startswith("wechat/")
        with Image.open(media / entities["photo"]) as stored:
            assert not stored.getexif()
        assert location == '/share_location{"latitude":31.2301,"longitude":121.4741}'


async def test_broken_or_unsigned_bodies_get_4xx_and_no_trace(sqlite_db, rasa, tmp_path, caplog):
    openid = new_openid()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        wechat = channel.wechat
        for body in (b"", b"not xml at all", b"<xml><FromUserName>x</FromUserName></xml>", b"<xml><unclosed>",
                     "<xml>\udcff</xml>".encode("utf-8", "surrogatepass")):
            answer = await wechat.client.post("/wechat", params=wechat.signed_query(), content=body)
            assert answer.status_code == 400, body
            assert "Traceback" not in answer.text and len(answer.text) < 40
        huge = await wechat.client.post("/wechat", params=wechat.signed_query(), content=b"<xml>" + b"a" * 100_000)
        assert huge.status_code == 413
        unsigned = await wechat.client.post("/wechat", content=wechat.text_xml(openid, "hi").encode())
        assert unsigned.status_code == 403
        # An AES call to a plain-mode channel is refused too.
        aes = await wechat.client.post("/wechat", params={**wechat.signed_query(), "encrypt_type": "aes"},
                                       content=wechat.text_xml(openid, "hi").encode())
        assert aes.status_code == 400
        await channel.settle()
        assert rasa.sent == [] and channel.fake.sent == []
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        assert TOKEN not in caplog.text


def test_buttons_render_as_numbered_choices_across_replies_and_numbers_pick_them():
    replies = [Reply(text="Did you mean:", buttons=(Button("Pothole", "/report_pothole"), Button("Other", "/other"))),
               Reply(text="Or:", buttons=(Button("Talk to a person", "/talk_to_human"),)),
               Reply(text="See https://example.org/x", image="https://example.org/map.png")]
    rendered = choices.render(replies, "en")
    assert rendered == ["Did you mean:\n\n1. Pothole\n2. Other",
                        "Or:\n\n3. Talk to a person\n\nReply with a number to choose.",
                        "See https://example.org/x\n\nhttps://example.org/map.png"]
    offered = choices.loaded(choices.stored(choices.choices_in(replies)))
    assert [choices.chosen(text, offered) for text in ("1", " 3. ", "３", "4", "0", "1 pothole", "")] == [
        "/report_pothole", "/talk_to_human", "/talk_to_human", None, None, None, None]
    assert choices.chosen("1", []) is None
    assert choices.loaded("not json") == [] and choices.stored([]) is None
