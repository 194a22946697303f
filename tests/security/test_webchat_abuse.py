"""Issue 8, web chat abuse: photo floods, photos nobody asked for, polyglots, a full disk, orphan files,
residents and conversations created by cookie-less requests, message floods. Real database, real HTTP
handling (ASGI), Rasa unreachable (none of this needs the dialogue)."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot import texts
from bot.photos import PhotoRefused, clean_photo
from bot.webchat.app import create_app
from cases import lifecycle, residents
from cases.clock import utcnow
from cases.handoff import handoff
from cases.models import CasePhoto, Resident, Throttle
from jobs.media import remove_orphan_photos, remove_orphans
from testkit.stack import free_port
from tests.bot.webchat_harness import RecordingRasa, bare_client, browser, say, session_of, want_photo
from tests.city import make_settings


def jpeg(size=(32, 24), **save) -> bytes:
    """A real JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def upload(data: bytes, name: str = "road.jpg", kind: str = "image/jpeg") -> dict:
    return {"photo": (name, data, kind)}


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
async def make_app(sqlite_db, tmp_path):
    """A web chat on a real SQLite database with the given settings; Rasa unreachable (answers are apologies)."""
    made = []

    def make(**overrides):
        rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
        values = dict(database_url=sqlite_db.url, media_dir=tmp_path / "media", web_secret="test")
        settings = make_settings(**{**values, **overrides})
        app = create_app(settings=settings, db=sqlite_db, rasa=rasa)
        app.state.db, app.state.rasa, app.state.media = sqlite_db, rasa, settings.media_dir
        made.append(rasa)
        return app

    yield make
    for rasa in made:
        await rasa.aclose()


async def asked_for_a_photo(app, client) -> None:
    """The resident's first message, then the bot's photo question (as the report form asks it)."""
    await say(client, "there's a pothole")
    want_photo(app.state.db, client)


# --- photos -----------------------------------------------------------------------------------------


async def test_photo_flood_the_eleventh_photo_in_an_hour_is_refused_and_not_stored(make_app):
    app = make_app()
    async with browser(app) as client:
        await asked_for_a_photo(app, client)
        accepted = [await client.post("/api/photo", files=upload(jpeg())) for _ in range(10)]
        flood = await client.post("/api/photo", files=upload(jpeg()))
    assert [r.status_code for r in accepted] == [200] * 10
    assert flood.status_code == 429 and int(flood.headers["retry-after"]) > 3000
    assert flood.json()["replies"][0]["text"] == texts.text("photo_limit")
    assert len(stored_files(app.state.media)) == 10
    assert sum(m.startswith("/share_photo") for m in app.state.rasa.sent) == 10


async def test_photos_per_address_are_limited_across_sessions(make_app):
    app = make_app(web_photos_per_hour_per_address=3)
    statuses = []
    for _ in range(2):
        async with browser(app) as client:
            await asked_for_a_photo(app, client)
            statuses += [(await client.post("/api/photo", files=upload(jpeg()))).status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]
    assert len(stored_files(app.state.media)) == 3


async def test_a_photo_nobody_asked_for_is_refused_and_nothing_is_stored(make_app):
    app = make_app()
    async with browser(app) as client:
        await say(client, "hello")
        response = await client.post("/api/photo", files=upload(jpeg()))
        assert response.status_code == 409
        assert response.json()["replies"][0]["text"] == texts.text("photo_unexpected")
        # A session that never said anything is no resident yet: refused the same, and still nobody.
    async with browser(app) as stranger:
        assert (await stranger.post("/api/photo", files=upload(jpeg()))).status_code == 409
    assert stored_files(app.state.media) == []
    assert app.state.rasa.sent == ["hello"]
    assert count(app.state.db, Resident) == 1
    assert count(app.state.db, Throttle) == 2  # the two messages' counters; refused photos count nothing


async def test_the_photo_question_expires(make_app):
    app = make_app()
    async with browser(app) as client:
        await asked_for_a_photo(app, client)
        with app.state.db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            resident.photo_wanted_until = utcnow() - timedelta(seconds=1)
        assert (await client.post("/api/photo", files=upload(jpeg()))).status_code == 409
    assert stored_files(app.state.media) == []


async def test_a_person_chatting_with_the_resident_takes_photos_unasked(make_app):
    app = make_app()
    async with browser(app) as client:
        await say(client, "I need a person")
        with app.state.db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            handoff.request_handoff(session, resident=resident, reason="I need a person")
        response = await client.post("/api/photo", files=upload(jpeg()))
    assert (response.status_code, response.json()) == (200, {"replies": []})
    assert len(stored_files(app.state.media)) == 1


def _html_in_comment() -> bytes:
    data = jpeg()
    comment = b"<html><script>alert(document.cookie)</script></html>"
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0<html><body><script>alert(1)</script></body></html>",  # only the magic bytes
    jpeg() + b"<!DOCTYPE html><html><script>alert(1)</script></html>",  # a real JPEG, HTML after its end
    _html_in_comment(),  # a real JPEG, HTML in a comment segment
    b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>",
    b"GIF89a<script>alert(1)</script>",
], ids=["magic-only", "appended", "comment", "png-svg", "gif"])
async def test_files_that_start_like_an_image_but_carry_html_are_refused(make_app, data):
    app = make_app()
    async with browser(app) as client:
        await asked_for_a_photo(app, client)
        response = await client.post("/api/photo", files=upload(data))
    assert response.status_code == 400
    assert response.json()["replies"][0]["text"] == texts.text("photo_invalid")
    assert stored_files(app.state.media) == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    png = io.BytesIO()
    Image.new("L", (1, 1)).save(png, format="PNG")
    data = bytearray(png.getvalue())
    # Rewrite the header to claim 30,000 x 30,000 pixels (900 megapixels), with a valid checksum.
    ihdr = bytes(data[12:16]) + struct.pack(">II", 30_000, 30_000) + bytes(data[24:29])
    data[16:29] = ihdr[4:]
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    with pytest.raises(PhotoRefused):
        clean_photo(bytes(data))
    with pytest.raises(PhotoRefused):
        clean_photo(jpeg((400, 300)), max_pixels=100_000)


def test_reencoding_applies_orientation_reads_gps_and_drops_all_metadata():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated 90°
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 13.0, 49.44), 3: "E", 4: (121.0, 28.0, 25.32)})
    original = jpeg((64, 48), exif=exif, comment=b"shot on holiday", quality=85)
    clean = clean_photo(original + b"trailing bytes")
    assert clean.extension == "jpg" and clean.gps == (31.230400, 121.4737)
    image = Image.open(io.BytesIO(clean.data))
    assert len(image.getexif()) == 0 and b"PhoneMaker" not in clean.data  # README "Residents' data"
    assert "comment" not in image.info and b"trailing bytes" not in clean.data
    assert image.size == (48, 64)  # turned upright before the orientation tag went


def test_png_transparency_survives_and_text_chunks_do_not():
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    image.putpixel((1, 1), (255, 0, 0, 255))
    text = PngInfo()
    text.add_text("Comment", "hidden words")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=text)
    clean = Image.open(io.BytesIO(clean_photo(buffer.getvalue()).data))
    assert clean.format == "PNG" and clean.getpixel((0, 0))[3] == 0 and clean.getpixel((1, 1)) == (255, 0, 0, 255)
    assert "Comment" not in clean.info


async def test_a_real_jpeg_with_exif_loses_it_through_the_web_chat(make_app):
    exif = Image.Exif()
    exif[0x0112] = 3
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 29.0, 0.0)})
    app = make_app()
    async with browser(app) as client:
        await asked_for_a_photo(app, client)
        assert (await client.post("/api/photo", files=upload(jpeg(exif=exif)))).status_code == 200
    [stored] = stored_files(app.state.media)
    assert len(Image.open(stored).getexif()) == 0


async def test_a_nearly_full_disk_refuses_photos_and_stores_nothing(make_app, tmp_path):
    (tmp_path / "media").mkdir()
    free_mb = shutil.disk_usage(tmp_path / "media").free / (1024 * 1024)
    app = make_app(media_min_free_mb=free_mb + 1024)
    async with browser(app) as client:
        await asked_for_a_photo(app, client)
        response = await client.post("/api/photo", files=upload(jpeg()))
    assert response.status_code == 507
    assert response.json()["replies"][0]["text"] == texts.text("photo_no_room")
    assert stored_files(app.state.media) == [] and not any(m.startswith("/share_photo") for m in app.state.rasa.sent)


# --- residents and conversations only at the first real message -------------------------------------


async def test_cookieless_requests_create_no_resident_and_no_conversation(make_app):
    app = make_app()
    async with bare_client(app) as client:
        for make in (
            lambda: client.post("/api/messages", json={"text": "hello"}),
            lambda: client.post("/api/location", json={"latitude": 31.2, "longitude": 121.4}),
            lambda: client.post("/api/photo", files=upload(jpeg())),
        ):
            client.cookies.clear()
            response = await make()
            assert response.status_code == 409 and response.json()["resend"] is True
            assert response.json()["replies"][0]["text"] == texts.text("send_again")
            assert "huiyin_session" in response.cookies
        client.cookies.clear()
        polled = await client.get("/api/updates")
        assert polled.json() == {"updates": []} and "huiyin_session" in polled.cookies
    assert count(app.state.db, Resident) == 0 and count(app.state.db, Throttle) == 0
    assert app.state.rasa.sent == [] and stored_files(app.state.media) == []


async def test_requests_that_are_not_real_messages_create_nobody(make_app):
    app = make_app()
    async with browser(app) as client:
        answers = [await client.post("/api/messages", json={"text": " \u200b "}),
                   await client.post("/api/messages", json={"payload": "/restart"}),
                   await client.post("/api/messages", json={"payload": '/affirm{"x":"1"}'}),
                   await client.post("/api/location", json={"latitude": 91, "longitude": 0}),
                   await client.get("/api/updates")]
    assert [a.status_code for a in answers] == [200, 200, 200, 400, 200]
    assert count(app.state.db, Resident) == 0 and app.state.rasa.sent == []


# --- message rate limits ------------------------------------------------------------------------------


async def test_messages_over_the_session_limit_get_a_polite_429_and_reach_nobody(make_app):
    app = make_app(web_messages_per_minute=3)
    async with browser(app) as client:
        client.headers["accept-language"] = "zh-CN"
        answers = [await say(client, f"message {n}") for n in range(3)]
        over = [await say(client, "one more"),
                await client.post("/api/messages", json={"payload": "/help"}),
                await client.post("/api/location", json={"latitude": 31.2, "longitude": 121.4})]
    assert [a.status_code for a in answers] == [200] * 3
    for response in over:
        assert response.status_code == 429 and 1 <= int(response.headers["retry-after"]) <= 60
        assert response.json()["replies"] == [{"text": texts.text("slow_down", "zh"), "buttons": [], "image": None}]
    assert app.state.rasa.sent == ["message 0", "message 1", "message 2"]


async def test_a_flood_of_new_sessions_from_one_address_is_limited_and_creates_nobody_past_the_limit(make_app):
    app = make_app(web_messages_per_minute_per_address=4)
    statuses = []
    for _ in range(6):
        async with browser(app) as client:
            statuses.append((await say(client, "hello")).status_code)
    assert statuses == [200] * 4 + [429] * 2
    assert count(app.state.db, Resident) == 4 and len(app.state.rasa.sent) == 4


# --- orphan photos --------------------------------------------------------------------------------------


def _touch(media, relative: str, age: timedelta, now: datetime):
    path = media / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"photo")
    stamp = (now - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


async def test_orphan_photos_are_removed_and_referenced_ones_kept(db, tmp_path):
    media, now = tmp_path / "media", datetime.now(timezone.utc)
    old, young = timedelta(hours=30), timedelta(hours=2)
    with db.transaction() as session:
        resident = residents.get_or_create_resident(session, channel="web", external_id="s1")
        case = lifecycle.open_case(session, resident=resident, request_type="pothole", description="deep hole",
                                 address="1 Main St", reference_prefix="HY")
        session.add(CasePhoto(case=case, path="web/2026/01/case.jpg", created_at=now))
        chat = handoff.request_handoff(session, resident=resident, reason="a person please")
        handoff.record_resident_message(session, resident=resident, text="", photo_path="telegram/2026/01/chat.jpg")
        assert chat is not None
    kept = [_touch(media, "web/2026/01/case.jpg", old, now), _touch(media, "telegram/2026/01/chat.jpg", old, now),
            _touch(media, "web/2026/01/recent.jpg", young, now)]
    orphans = [_touch(media, "web/2026/01/abandoned.jpg", old, now),
               _touch(media, "web/2026/01/.half.jpg.1a2b.part", old, now)]
    outside = _touch(tmp_path / "elsewhere", "precious.jpg", old, now)
    (media / "web" / "2026" / "01" / "link.jpg").symlink_to(outside)

    settings = make_settings(database_url=db.url, media_dir=media, media_orphan_hours=24)
    removed = await remove_orphan_photos(db=db, settings=settings, now=lambda: now)
    assert sorted(removed) == ["web/2026/01/.half.jpg.1a2b.part", "web/2026/01/abandoned.jpg"]
    assert all(p.exists() for p in kept) and not any(p.exists() for p in orphans)
    assert outside.exists() and (media / "web" / "2026" / "01" / "link.jpg").is_symlink()  # links not followed
    with db.transaction() as session:
        assert remove_orphans(session, media_dir=media, older_than=now - timedelta(hours=24)) == []  # idempotent
        assert remove_orphans(session, media_dir=tmp_path / "missing", older_than=now) == []
