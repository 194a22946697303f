"""Issue 8, finding 8 (part): lone surrogates and control characters are cleaned where residents' text enters.

A lone surrogate ("\\ud800 hi") during a live chat made the database write fail with a 500. Every channel
now cleans text at its edge (cases.guards.cleaning.clean_text): messages, captions, display names, live-chat text.
"""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from bot import texts
from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases.guards.cleaning import clean_line, clean_text
from cases.handoff import handoff
from cases.models import HandoffMessage, Resident
from cases.residents import find_resident, get_or_create_resident
from testkit.stack import free_port
from tests.bot.telegram_harness import fake, new_chat, offline  # noqa: F401  (fixtures: fake Bot API, bot without Rasa)
from tests.city import make_settings
from tests.residents_data.notice import without_notice

HOSTILE = "\ud800 hi\x00 there\u202e\u200b\x07"
CLEAN = "hi there"


def test_clean_text_drops_what_cannot_be_stored_or_is_invisible():
    assert clean_text(HOSTILE).strip() == CLEAN
    assert clean_text("line one\nline\ttwo") == "line one\nline\ttwo"
    assert clean_text("人民路 🚧 café") == "人民路 🚧 café"
    assert clean_text("\udfff\udbff") == "" and clean_text(None) == ""
    assert clean_line("Ana\n\ud800 Li\u202e") == "Ana Li"
    # Whatever comes out can be encoded, so stored.
    clean_text("".join(chr(c) for c in range(0xD700, 0xE100))).encode("utf-8")


class RecordingRasa(RasaClient):
    """The real client (nobody listening: Rasa is down), remembering what it was asked to send."""

    def __init__(self, base_url: str):
        super().__init__(base_url, timeout=2)
        self.sent: list[str] = []

    async def send(self, sender, message):
        self.sent.append(message)
        return await super().send(sender, message)


@pytest.fixture
async def web(sqlite_db, tmp_path):
    """The web chat on a real database, Rasa down; a browser that already has its session cookie."""
    settings = make_settings(database_url=sqlite_db.url, media_dir=tmp_path / "media", var_dir=tmp_path,
                        rasa_url=f"http://127.0.0.1:{free_port()}")
    rasa = RecordingRasa(settings.rasa_url)
    app = create_app(settings=settings, db=sqlite_db, rasa=rasa)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await client.get("/")
        client.rasa, client.db = rasa, sqlite_db
        client.session_id = client.cookies[COOKIE].split(".")[0]
        yield client
    await rasa.aclose()


async def post_raw_text(client, text: str) -> httpx.Response:
    """Send text as JSON with \\u escapes, the only way a lone surrogate travels (it has no UTF-8 form)."""
    return await client.post("/api/messages", content=json.dumps({"text": text}),
                             headers={"content-type": "application/json"})


def open_live_chat(db, channel: str, external_id: str) -> None:
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel=channel, external_id=external_id)
        handoff.request_handoff(session, resident=resident, reason="help", trigger="talk_to_human")


def transcript(db, channel: str, external_id: str) -> list[str]:
    with db.transaction() as session:
        resident = find_resident(session, channel=channel, external_id=external_id)
        return [m.text for m in session.scalars(
            select(HandoffMessage).join(HandoffMessage.handoff).where(HandoffMessage.direction == "resident")
            .order_by(HandoffMessage.id)) if m.handoff.resident_id == resident.id]


async def test_web_chat_live_chat_stores_clean_text(web):
    open_live_chat(web.db, "web", web.session_id)
    response = await post_raw_text(web, HOSTILE)
    assert response.status_code == 200, response.text
    assert response.json() == {"replies": []}
    assert transcript(web.db, "web", web.session_id)[-1] == CLEAN  # after the handoff's reason
    assert web.rasa.sent == []


async def test_web_chat_message_reaches_rasa_clean(web):
    response = await post_raw_text(web, HOSTILE)
    assert response.status_code == 200, response.text
    # Rasa is down; the first-contact privacy notice comes with the apology.
    assert without_notice([r["text"] for r in response.json()["replies"]]) == [texts.text("unavailable")]
    assert web.rasa.sent == [CLEAN]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


async def test_telegram_message_and_display_name_are_cleaned(offline):
    chat = new_chat()
    await offline.answer(chat, lambda: offline.fake.push_text(chat, HOSTILE, first_name="Ana\ud800\u202e\x07"))
    assert offline.rasa.messages(chat) == [CLEAN]
    with offline.db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.external_id == str(chat)))
        assert resident.display_name == "Ana"


async def test_telegram_live_chat_text_and_caption_are_stored_clean(offline):
    chat = new_chat()
    await offline.answer(chat, lambda: offline.fake.push_text(chat, "hello"))  # the resident exists
    open_live_chat(offline.db, "telegram", str(chat))
    offline.fake.push_text(chat, HOSTILE)
    offline.fake.push_photo(chat, jpeg(), caption="\ud800look\u200b here\x00")
    for _ in range(200):
        await offline.idle()
        if len(transcript(offline.db, "telegram", str(chat))) == 3:
            break
    assert transcript(offline.db, "telegram", str(chat))[1:] == [CLEAN, "look here"]  # after the handoff's reason
    assert offline.rasa.messages(chat) == ["hello"]  # a person answers now: nothing more went to Rasa
