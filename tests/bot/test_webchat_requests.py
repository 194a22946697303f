"""The web chat's own answers and refusals (no dialogue needed): page, session cookie, language, Rasa or the
database down, empty, overlong or malformed messages and locations."""

from __future__ import annotations

import pytest

from bot import texts
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases import residents
from cases.store.db import Database
from testkit.stack import free_port
from tests.bot.webchat_harness import (
    PNG,
    RecordingRasa,
    bare_client,
    browser,
    offline_app,  # noqa: F401 - fixtures
    say,
    session_of,
    texts_of,
    web_residents,
    web_settings,
)
from tests.residents_data.notice import without_notice


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
        # Resent with the new cookie (and, a first contact, with the privacy notice).
        assert without_notice(texts_of(await say(client, "hello"))) == [texts.text("unavailable")]
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
    assert without_notice(texts_of(response)) == [texts.text("unavailable", "zh")]


async def test_rasa_down_gets_an_apology(offline_app):
    async with browser(offline_app) as client:
        assert without_notice(texts_of(await say(client, "there's a pothole"))) == [texts.text("unavailable")]


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


async def test_database_down_answers_503_with_the_apology(tmp_path):
    # A directory where the SQLite file should be: every connection fails.
    broken = Database(f"sqlite:///{tmp_path}")
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    app = create_app(settings=web_settings(tmp_path, broken.url), db=broken, rasa=rasa)
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
