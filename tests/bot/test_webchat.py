"""The web chat end to end: real Rasa, real action server, real database; only the browser is httpx."""

from __future__ import annotations

import io
import re
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
import yaml
from PIL import Image

from bot import texts
from bot.photos import clean_photo
from bot.rasa_client import Button, RasaClient, Reply
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from bot.webchat.uploads import MAX_PHOTO_BYTES, asks_for_photo
from cases import lifecycle, queries, residents
from cases.clock import utcnow
from cases.store.db import Database
from huiyin.settings import PROJECT_ROOT
from testkit.stack import free_port
from tests.city import CITY, NO_QUIET_HOURS, make_settings

REFERENCE = re.compile(r"\bHY-\d{4}-\d{5}\b")
# The smallest valid PNG (1x1 pixel): enough for the magic-byte check and for a case photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


class RecordingRasa(RasaClient):
    """The real Rasa client, remembering what the web chat sent it."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.sent: list[str] = []

    async def send(self, sender, message):
        self.sent.append(message)
        return await super().send(sender, message)


def bare_client(app) -> httpx.AsyncClient:
    """A client that has not loaded the page: no cookie until the server issues one."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@asynccontextmanager
async def browser(app):
    """A fresh browser that has opened the chat page, which issues the session cookie (as chat.js relies on)."""
    async with bare_client(app) as client:
        (await client.get("/")).raise_for_status()
        yield client


def want_photo(db, client) -> None:
    """Mark the resident behind `client` as asked for a photo (as the bot's photo question does)."""
    with db.transaction() as session:
        resident = residents.find_resident(session, channel="web", external_id=session_of(client))
        resident.photo_wanted_until = utcnow() + timedelta(hours=1)


def web_residents(db) -> int:
    """How many web chat residents exist."""
    from sqlalchemy import func, select

    from cases.models import Resident

    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Resident).where(Resident.channel == "web"))


def texts_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def session_of(client: httpx.AsyncClient) -> str:
    return client.cookies[COOKIE].split(".")[0]


async def say(client, text):
    return await client.post("/api/messages", json={"text": text})


@pytest.fixture
async def stack_app(stack):
    """The web chat wired to the running stack, as bot/__main__ would wire it."""
    db, rasa = Database(stack.database_url), RecordingRasa(stack.rasa_url)
    app = create_app(settings=stack.settings(media_dir=stack.media_dir), db=db, rasa=rasa)
    app.state.db, app.state.rasa = db, rasa
    yield app
    await rasa.aclose()
    db.dispose()


@pytest.fixture
async def offline_app(sqlite_db, tmp_path):
    """The web chat on a real database with nobody listening where Rasa should be."""
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    app = create_app(settings=_settings(tmp_path, sqlite_db.url), db=sqlite_db, rasa=rasa)
    app.state.db, app.state.rasa, app.state.media = sqlite_db, rasa, tmp_path / "media"
    yield app
    await rasa.aclose()


def _settings(tmp_path, database_url):
    return make_settings(database_url=database_url, media_dir=tmp_path / "media", web_secret="test")


# --- with the real dialogue --------------------------------------------------------------


async def test_greeting_is_answered(stack_app):
    async with browser(stack_app) as client:
        replies = texts_of(await say(client, "hello"))
    assert replies and all(replies)
    assert texts.text("unavailable") not in replies


async def test_filing_a_case_and_following_its_updates(stack_app, stack):
    db = stack_app.state.db
    async with browser(stack_app) as resident:
        assert (await resident.get("/")).status_code == 200
        assert texts_of(await say(resident, "there's a big pothole on my street"))
        assert texts_of(await resident.post("/api/location", json={"latitude": 31.2304, "longitude": 121.4737}))
        summary = await resident.post("/api/photo", files={"photo": ("road.png", PNG, "image/png")})
        payloads = [b["payload"] for reply in summary.json()["replies"] for b in reply["buttons"]]
        assert "/affirm" in payloads, summary.json()
        with db.transaction() as session:  # the summary asks no more for a photo: the next one is refused
            assert (
                residents.find_resident(session, channel="web", external_id=session_of(resident)).photo_wanted_until
                is None
            )
        again = await resident.post("/api/photo", files={"photo": ("road.png", PNG, "image/png")})
        assert again.status_code == 409 and again.json()["replies"][0]["text"] == texts.text("photo_unexpected")
        done = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/affirm"})))
        reference = REFERENCE.search(done).group(0)

        with db.transaction() as session:
            case = queries.find_case(session, reference=reference)
            assert (case.resident.channel, case.resident.external_id) == ("web", session_of(resident))
            assert case.request_type == "pothole"
            assert (round(case.latitude, 4), round(case.longitude, 4)) == (31.2304, 121.4737)
            [photo] = case.photos
            assert re.fullmatch(r"web/\d{4}/\d{2}/[\w-]+\.png", photo.path)
            assert (stack.media_dir / photo.path).read_bytes() == clean_photo(PNG).data
            lifecycle.change_status(
                session,
                case=case,
                to_status="in_progress",
                actor="staff",
                public_note="A crew is booked for Tuesday.",
                **CITY,
            )
        with db.transaction() as session:
            lifecycle.change_status(
                session,
                case=queries.find_case(session, reference=reference),
                to_status="resolved",
                actor="staff",
                **CITY,
            )

        updates = (await resident.get("/api/updates")).json()["updates"]
        assert len(updates) == 2 and updates[0]["id"] < updates[1]["id"]
        assert all(reference in u["text"] for u in updates)
        assert "A crew is booked for Tuesday." in updates[0]["text"]
        after = (await resident.get(f"/api/updates?after={updates[-1]['id']}")).json()["updates"]
        assert after == []
        own_status = " ".join(texts_of(await say(resident, f"what is the status of {reference}")))

    # Someone else (no cookie) is another resident and learns nothing about this case.
    async with browser(stack_app) as stranger:
        other_status = " ".join(texts_of(await say(stranger, f"what is the status of {reference}")))
        assert session_of(stranger) != session_of(resident)
        assert (await stranger.get("/api/updates")).json()["updates"] == []
    assert "resolved" in own_status.lower()
    assert "resolved" not in other_status.lower() and "Tuesday" not in other_status


async def test_typed_slash_commands_reach_rasa_as_plain_text(stack_app):
    async with browser(stack_app) as client:
        replies = texts_of(await say(client, "/restart"))
        replies += texts_of(await say(client, '/inform{"reference":"HY-2026-00001"}'))
    assert stack_app.state.rasa.sent == ["restart", 'inform{"reference":"HY-2026-00001"}']
    assert replies and texts.text("unavailable") not in replies


@pytest.mark.parametrize("payload", ["/restart", '/share_location{"latitude":1}', "hello", '/affirm{"x":"1"}'])
async def test_forged_button_payload_is_an_expired_button(offline_app, payload):
    async with browser(offline_app) as client:
        response = await client.post("/api/messages", json={"payload": payload})
    assert texts_of(response) == [texts.text("button_expired")]
    assert offline_app.state.rasa.sent == []
    assert web_residents(offline_app.state.db) == 0  # not a real message: nobody is created


# --- the channel's own answers and refusals (no dialogue needed) -----------------------------


async def test_page_health_and_session_cookie(offline_app):
    async with bare_client(offline_app) as client:
        page = await client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert "://" not in page.text  # nothing fetched from elsewhere
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert (await client.get("/static/chat.js")).status_code == 200
        assert (await client.get("/")).headers.get("set-cookie") is None  # the same session continues
        assert (await client.get("/healthz")).json() == {"ok": True}


async def test_a_cookie_we_did_not_sign_gets_a_new_session_and_is_asked_to_resend(offline_app):
    async with bare_client(offline_app) as client:
        client.cookies.set(COOKIE, "chosen-by-me.fake")
        response = await say(client, "hello")
        assert response.status_code == 409 and response.json()["resend"] is True
        assert response.json()["replies"] == [{"text": texts.text("send_again"), "buttons": [], "image": None}]
        assert COOKIE in response.cookies and not response.cookies[COOKIE].startswith("chosen-by-me")
        assert offline_app.state.rasa.sent == [] and web_residents(offline_app.state.db) == 0
        assert texts_of(await say(client, "hello")) == [texts.text("unavailable")]  # resent with the new cookie
    with offline_app.state.db.transaction() as session:
        assert residents.find_resident(session, channel="web", external_id="chosen-by-me") is None


async def test_language_comes_from_accept_language(offline_app):
    async with browser(offline_app) as client:
        response = await client.post(
            "/api/messages", json={"text": "你好"}, headers={"accept-language": "fr;q=0.9, zh-CN;q=0.8, en;q=0.5"}
        )
        with offline_app.state.db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            assert resident.language == "zh"
    assert texts_of(response) == [texts.text("unavailable", "zh")]


async def test_rasa_down_gets_an_apology(offline_app):
    async with browser(offline_app) as client:
        assert texts_of(await say(client, "there's a pothole")) == [texts.text("unavailable")]


async def test_empty_and_overlong_text(offline_app):
    async with browser(offline_app) as client:
        assert texts_of(await say(client, "  \u200b ")) == [texts.text("empty")]
        assert offline_app.state.rasa.sent == [] and web_residents(offline_app.state.db) == 0
        replies = texts_of(await say(client, "pothole " * 600))
    assert replies[0] == texts.text("too_long")
    assert len(offline_app.state.rasa.sent[0]) == 4096


@pytest.mark.parametrize(
    "content, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b'["a list"]', "application/json", 400),
        (b'{"text": 42}', "application/json", 400),
        (b'{"text": "a", "payload": "/affirm"}', "application/json", 400),
        (b"text=hello", "application/x-www-form-urlencoded", 400),
        (b'{"text": "' + b"a" * 17_000 + b'"}', "application/json", 413),
        (b"[" * 8_000 + b"]" * 8_000, "application/json", 400),  # deeper than the JSON parser recurses
        (b'{"text": "\xff\xfe"}', "application/json", 400),  # not UTF-8
    ],
)
async def test_bad_message_bodies_are_refused_clearly(offline_app, content, content_type, status):
    async with browser(offline_app) as client:
        response = await client.post("/api/messages", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.json()["error"]
    assert offline_app.state.rasa.sent == []


async def test_oversized_body_without_content_length_is_refused(offline_app):
    async def chunks():
        for _ in range(20):
            yield b"x" * 1024

    async with browser(offline_app) as client:
        response = await client.post("/api/messages", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "16 KB" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -180.5},
        {"latitude": "31", "longitude": 121},
        {"latitude": True, "longitude": 121},
        {"latitude": 31},
        {},
        {"latitude": 10**400, "longitude": 0},
    ],
)
async def test_bad_coordinates_are_refused(offline_app, body):
    async with browser(offline_app) as client:
        response = await client.post("/api/location", json=body)
    assert response.status_code == 400 and "latitude" in response.json()["error"]
    assert offline_app.state.rasa.sent == []


@pytest.mark.parametrize(
    "files, status",
    [
        ({"photo": ("road.jpg", b"this is not an image", "image/jpeg")}, 400),
        ({"photo": ("road.gif", b"GIF89a" + b"\0" * 100, "image/gif")}, 400),
        ({"photo": ("empty.png", b"", "image/png")}, 400),
        ({"picture": ("road.png", PNG, "image/png")}, 400),
        ({"photo": ("huge.jpg", b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES, "image/jpeg")}, 413),
    ],
)
async def test_bad_photos_are_refused_and_nothing_is_saved(offline_app, files, status):
    async with browser(offline_app) as client:
        await say(client, "hi")
        want_photo(offline_app.state.db, client)
        offline_app.state.rasa.sent.clear()
        response = await client.post("/api/photo", files=files)
        twice = await client.post("/api/photo", files={"photo": ("a.png", PNG), "photo2": ("b.png", PNG)})
    assert response.status_code == status and response.json()["error"]
    assert twice.status_code == 400
    assert not (offline_app.state.media / "web").exists()
    assert offline_app.state.rasa.sent == []


async def test_photo_is_saved_under_media_and_sent_as_a_path(offline_app):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(buffer, format="WEBP")
    webp = buffer.getvalue()
    async with browser(offline_app) as client:
        await say(client, "hi")
        want_photo(offline_app.state.db, client)
        response = await client.post("/api/photo", files={"photo": ("x.bin", webp, "application/octet-stream")})
    assert texts_of(response) == [texts.text("unavailable")]
    [_, message] = offline_app.state.rasa.sent
    path = re.fullmatch(r'/share_photo\{"photo":"(web/\d{4}/\d{2}/[\w-]+\.webp)"\}', message).group(1)
    stored = (offline_app.state.media / path).read_bytes()
    assert stored == clean_photo(webp).data and Image.open(io.BytesIO(stored)).size == (8, 6)


def test_the_photo_question_is_recognised_in_every_language_and_nothing_else_is():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variations in domain["responses"].items():
        for variation in variations:
            buttons = tuple(
                Button(b["title"], b["payload"].replace("{{", "{").replace("}}", "}"))
                for b in variation.get("buttons") or []
            )
            reply = Reply(text=variation.get("text", ""), buttons=buttons)
            assert asks_for_photo([reply]) == (name == "utter_ask_photo"), name


async def test_updates_belong_to_their_resident_only(offline_app):
    db = offline_app.state.db
    async with browser(offline_app) as owner, browser(offline_app) as other:
        await say(owner, "hi")
        await say(other, "hi")
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(owner))
            case = lifecycle.open_case(
                session,
                resident=resident,
                request_type="streetlight",
                description="lamp out",
                address="1 Main St",
                reference_prefix="HY",
            )
            lifecycle.change_status(session, case=case, to_status="in_progress", actor="staff", **CITY)
        first = (await owner.get("/api/updates?after=0")).json()["updates"]
        assert len(first) == 1 and case.reference in first[0]["text"]
        assert (await owner.get(f"/api/updates?after={first[0]['id']}")).json()["updates"] == []
        assert (await other.get("/api/updates")).json()["updates"] == []
        assert (await owner.get("/api/updates?after=-1")).status_code == 400
        assert (await owner.get("/api/updates?after=abc")).status_code == 400
        assert (await owner.get("/api/updates?after=²")).status_code == 400


async def test_database_down_answers_503_with_the_apology(tmp_path):
    # A directory where the SQLite file should be: every connection fails.
    broken = Database(f"sqlite:///{tmp_path}")
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    app = create_app(settings=_settings(tmp_path, broken.url), db=broken, rasa=rasa)
    async with browser(app) as client:
        responses = [
            await say(client, "there's a pothole"),
            await client.post("/api/location", json={"latitude": 31.2, "longitude": 121.4}),
            await client.post("/api/photo", files={"photo": ("road.png", PNG, "image/png")}),
        ]
        responses.append(await client.get("/api/updates"))
    for response in responses:
        assert response.status_code == 503
        assert response.json()["error"] == texts.text("unavailable")
        assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
    assert responses[0].json()["replies"][0]["text"] == texts.text("unavailable")
    assert rasa.sent == [] and not (tmp_path / "media" / "web").exists()
    await rasa.aclose()
    broken.dispose()


# --- a person answering (handoff) and pushes with buttons -------------------------------------------


def agent(session):
    """A member of staff who answers residents."""
    from cases.clock import utcnow
    from cases.models import StaffUser

    staff = StaffUser(
        username=f"agent{utcnow().timestamp()}",
        display_name="Wang Fang",
        password_hash="x",
        role="agent",
        created_at=utcnow(),
    )
    session.add(staff)
    session.flush()
    return staff


async def test_during_a_handoff_messages_go_to_the_transcript_and_the_bot_is_silent(offline_app):
    from cases.handoff import handoff

    db, rasa = offline_app.state.db, offline_app.state.rasa
    async with browser(offline_app) as client:
        await say(client, "hi")
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            handoff.request_handoff(session, resident=resident, reason="I need a person")
        sent_before = list(rasa.sent)
        answers = [
            await say(client, "is anyone there?"),
            await client.post("/api/location", json={"latitude": 31.2, "longitude": 121.4}),
            await client.post("/api/photo", files={"photo": ("road.png", PNG, "image/png")}),
            await client.post("/api/messages", json={"payload": "/check_status"}),
            await say(client, "   "),
        ]
        assert [(a.status_code, a.json()) for a in answers] == [(200, {"replies": []})] * 5
        assert rasa.sent == sent_before  # Rasa heard nothing
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            current = handoff.open_handoff_for(session, resident)
            messages = [(m.direction, m.text, m.latitude, bool(m.photo_path)) for m in current.messages]
            assert messages == [
                ("resident", "I need a person", None, False),
                ("resident", "is anyone there?", None, False),
                ("resident", "[location]", 31.2, False),
                ("resident", "[photo]", None, True),
                ("resident", "[pressed a button: /check_status]", None, False),
            ]
            photo = current.messages[3].photo_path
            assert (offline_app.state.media / photo).read_bytes() == clean_photo(PNG).data
            staff = agent(session)
            handoff.take(session, handoff=current, staff=staff)
            handoff.agent_reply(session, handoff=current, staff=staff, text="Hello, how can I help?")
        updates = (await client.get("/api/updates")).json()["updates"]
        assert [u["text"] for u in updates] == [
            "Wang Fang from the city has joined the chat.",
            "Wang Fang (city staff): Hello, how can I help?",
        ]
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            handoff.end(session, handoff=handoff.open_handoff_for(session, resident), staff=agent(session))
        assert texts_of(await say(client, "thanks")) == [texts.text("unavailable")]  # the assistant again
        assert rasa.sent == [*sent_before, "thanks"]


async def test_pushed_updates_carry_their_buttons(offline_app):
    from cases import outbox
    from cases.followup.survey import survey_buttons

    db = offline_app.state.db
    async with browser(offline_app) as client:
        await say(client, "hi")
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            outbox.queue(
                session,
                resident=resident,
                text="Is it fixed?",
                buttons=survey_buttons("HY-2026-00042", "en"),
                quiet_hours=NO_QUIET_HOURS,
            )
            outbox.queue(session, resident=resident, text="Plain update", quiet_hours=NO_QUIET_HOURS)
        question, plain = (await client.get("/api/updates")).json()["updates"]
    assert [b["payload"] for b in question["buttons"]] == [
        f'/rate_case{{"reference":"HY-2026-00042","rating":"{n}"}}' for n in range(1, 6)
    ]
    assert question["buttons"][4]["title"] == "5 ★★★★★ Excellent"
    assert plain["buttons"] == []
