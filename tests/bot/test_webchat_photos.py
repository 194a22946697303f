"""Photos through the web chat: bad uploads refused with nothing saved, a good one stored clean and sent as a path,
and the photo question that opens the upload recognised in every language."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from PIL import Image

from bot import texts
from bot.photos import clean_photo
from bot.rasa_client import Button, Reply
from bot.webchat.uploads import MAX_PHOTO_BYTES, asks_for_photo
from huiyin.settings import PROJECT_ROOT
from tests.bot.webchat_harness import PNG, browser, offline_app, say, texts_of, want_photo  # noqa: F401 - fixtures


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
