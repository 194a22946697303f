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
from bot.rasa_client import Reply, parse_replies
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


def test_the_questions_that_take_a_photo_are_recognised_in_every_language_and_nothing_else_is():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variations in domain["responses"].items():
        for variation in variations:
            buttons = [{"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
                       for b in variation.get("buttons") or []]
            # As Rasa's REST channel sends it: the text (and buttons), then `custom` as a message of its own.
            sent = [{"text": variation.get("text", ""), "buttons": buttons},
                    *([{"custom": variation["custom"]}] if variation.get("custom") else [])]
            wanted = name in ("utter_ask_photo", "utter_ask_location")
            assert asks_for_photo(parse_replies(sent)) == wanted, name


def test_custom_accepts_marks_the_reply_before_it_and_shows_nothing():
    replies = parse_replies([{"text": "Where is it?"}, {"custom": {"accepts": ["photo"]}}, {"text": "Thanks"}])
    assert replies == [Reply(text="Where is it?", accepts=("photo",)), Reply(text="Thanks")]
    assert parse_replies([{"custom": {"accepts": ["photo"]}}]) == []  # nothing before it: nothing to mark
    assert parse_replies([{"text": "x"}, {"custom": {"accepts": "photo"}}]) == [Reply(text="x")]  # not a list


async def test_a_photo_with_a_position_tells_rasa_where_it_was_taken(offline_app):
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 13.0, 49.5), 3: "E", 4: (121.0, 28.0, 25.4)})
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(buffer, format="JPEG", exif=exif)
    async with browser(offline_app) as client:
        await say(client, "hi")
        want_photo(offline_app.state.db, client)
        await client.post("/api/photo", files={"photo": ("spot.jpg", buffer.getvalue(), "image/jpeg")})
    [_, message] = offline_app.state.rasa.sent
    match = re.fullmatch(r'/share_photo\{"photo":"(web/[\w/-]+\.jpg)","latitude":31.230417,"longitude":121.473722\}',
                         message)
    assert match is not None, message
    assert b"Exif" not in (offline_app.state.media / match.group(1)).read_bytes()
