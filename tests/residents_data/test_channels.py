"""The resident's own data through the chats: the privacy notice at first contact, "my data" as a file, "delete my
data" with its confirmation (Telegram on the real stack, and the web chat)."""

from __future__ import annotations

import json

import pytest

from bot import resident_data, texts
from bot.webchat.sessions import COOKIE
from cases.clock import utcnow
from cases.residents import find_resident
from cases.residents_data import conversation
from tests.bot.telegram_harness import fake, new_chat, offline, online, payloads, wait_until  # noqa: F401
from tests.bot.webchat_harness import browser, offline_app, say, session_of  # noqa: F401
from tests.residents_data.seed import leftovers, seed

PRIVACY = "Privacy: we keep your messages"


def _resident(db, channel, external_id):
    with db.transaction() as session:
        resident = find_resident(session, channel=channel, external_id=str(external_id))
        return None if resident is None else (resident.notice_version, resident.notice_shown_at,
                                              resident.consented_at)


async def test_telegram_notice_once_then_consent(offline):
    fake, chat = offline.fake, new_chat()
    first = await offline.answer(chat, lambda: fake.push_text(chat, "hello"), count=2)
    assert [m.text.startswith(PRIVACY) for m in first] == [True, False]
    assert "/privacy" in first[0].text and "30 days" in first[0].text
    version, shown, consented = _resident(offline.db, "telegram", chat)
    assert version and shown is not None and consented is None
    second = await offline.answer(chat, lambda: fake.push_text(chat, "a pothole"))
    assert not any(m.text.startswith(PRIVACY) for m in second)
    assert _resident(offline.db, "telegram", chat)[2] is not None


async def test_web_chat_notice_once_then_consent_and_the_full_notice(offline_app):
    db = offline_app.state.db
    async with browser(offline_app) as client:
        first = (await say(client, "你好")).json()["replies"]
        assert first[-1]["text"].startswith(PRIVACY)
        version, shown, consented = _resident(db, "web", session_of(client))
        assert version and shown and consented is None
        second = (await say(client, "hello again")).json()["replies"]
        assert not any(r["text"].startswith(PRIVACY) for r in second)
        assert _resident(db, "web", session_of(client))[2] is not None
        page = await client.get("/privacy")
    assert page.status_code == 200 and "Privacy notice" in page.text and "隐私说明" in page.text
    assert version in page.text and "180 days after their case closes" in page.text


async def test_web_chat_export_download_is_for_its_session_only(offline_app, tmp_path):
    db = offline_app.state.db
    async with browser(offline_app) as client:
        await say(client, "hello")
        with db.transaction() as session:
            seeded = seed(session, channel="web", external_id=session_of(client), name="Web Wanda",
                          media_dir=offline_app.state.media, now=utcnow(), tag="W5")
        replies = (await say(client, "我的数据")).json()["replies"]
        link = replies[-1]["download"]
        assert link.startswith("/api/mydata?") and replies[-1]["text"] == texts.text("export_ready", "en")
        response = await client.get(link)
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        document = json.loads(response.content.decode("utf-8"))
        async with browser(offline_app) as stranger:
            assert (await stranger.get(link)).status_code == 403
        assert (await client.get(link.replace("sig=", "sig=x"))).status_code == 403
    assert {case["reference"] for case in document["cases"]} == set(seeded.references)
    assert document["resident"]["name"] == "Web Wanda" and document["photos"][0]["case"] == seeded.references[0]
    assert document["live_chats"][0]["messages"][-1]["text"] == "My neighbour Echidna W5 saw it"
    assert document["ratings"][0]["comment"] == "Thanks from the Dingo W5"


async def test_web_chat_forget_asks_then_cancel_keeps_and_confirm_erases(offline_app):
    db = offline_app.state.db
    async with browser(offline_app) as client:
        await say(client, "hello")
        session_id = session_of(client)
        with db.transaction() as session:
            seeded = seed(session, channel="web", external_id=session_id, name="Web Walter",
                          media_dir=offline_app.state.media, now=utcnow(), tag="W6")
        asked = (await say(client, "delete my data")).json()["replies"][-1]
        assert [b["payload"] for b in asked["buttons"]] == [resident_data.CONFIRM, resident_data.CANCEL]
        assert seeded.references[0] in asked["text"] and seeded.references[1] not in asked["text"]
        kept = (await client.post("/api/messages", json={"payload": resident_data.CANCEL})).json()["replies"]
        assert kept[-1]["text"] == texts.text("forget_kept", "en")
        assert _resident(db, "web", session_id) is not None
        done = await client.post("/api/messages", json={"payload": resident_data.CONFIRM})
        assert done.json()["replies"][-1]["text"] == texts.text("forget_done", "en")
        assert client.cookies[COOKIE].split(".")[0] != session_id  # a fresh session from here on
    assert not (offline_app.state.media / seeded.photo_paths[0]).exists()
    with db.transaction() as session:
        assert leftovers(session, [*seeded.needles, session_id]) == []


@pytest.mark.e2e
async def test_telegram_export_and_forget_end_to_end(online):
    fake, chat, db, settings = online.fake, new_chat(), online.db, online.settings
    sender = f"telegram:{chat}"
    await online.answer(chat, lambda: fake.push_text(chat, "hello there, capybara question"), count=2)
    with db.transaction() as session:
        seeded = seed(session, channel="telegram", external_id=str(chat), name="Tele Tess",
                      media_dir=settings.media_dir, now=utcnow(), tag=f"T{chat}")
    sent = await online.answer(chat, lambda: fake.push_text(chat, "/mydata"), count=2)
    [document] = [m for m in sent if m.method == "sendDocument"]
    assert document.params["_filenames"]["document"].startswith("my-data-")
    export = json.loads(document.params["document"].decode("utf-8"))
    assert {case["reference"] for case in export["cases"]} == set(seeded.references)
    assert "hello there, capybara question" in [line["text"] for line in export["conversation"]]

    [asked] = await online.answer(chat, lambda: fake.push_text(chat, "删除我的数据"))
    assert payloads(asked) == [resident_data.CONFIRM, resident_data.CANCEL]
    [kept] = await online.answer(chat, lambda: fake.push_callback(chat, resident_data.CANCEL, asked.message_id))
    assert kept.text == texts.text("forget_kept", "en") and _resident(db, "telegram", chat) is not None

    [asked] = await online.answer(chat, lambda: fake.push_text(chat, "delete my data"))
    [done] = await online.answer(chat, lambda: fake.push_callback(chat, resident_data.CONFIRM, asked.message_id))
    assert done.text == texts.text("forget_done", "en")
    await online.idle()

    def clean() -> bool:
        with db.transaction() as session:
            return leftovers(session, seeded.needles) == []

    await wait_until(clean)  # the chat's lease is given up once the update is handled
    assert not (settings.media_dir / seeded.photo_paths[0]).exists()
    assert conversation.conversation_texts(settings.tracker_store_url(), settings.rasa_tracker_schema,
                                           sender=sender) == []
    assert _resident(db, "telegram", chat) is None  # a message from them now starts a new resident
