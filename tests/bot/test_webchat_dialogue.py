"""The web chat with the real dialogue: greeting, filing a case and following its updates, typed commands; forged
button payloads never reach Rasa."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.photos import clean_photo
from cases import lifecycle, queries, referrals, residents
from tests.bot.webchat_harness import (
    PNG,
    browser,
    offline_app,  # noqa: F401 - fixtures
    say,
    session_of,
    stack_app,  # noqa: F401 - fixtures
    texts_of,
    web_residents,
)
from tests.city import CITY
from tests.e2e.loop_harness import jpeg_taken_at
from tests.residents_data.notice import without_notice

REFERENCE = re.compile(r"\bHY-\d{4}-\d{5}\b")


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


async def test_a_smell_of_gas_is_answered_at_once_and_nothing_reaches_rasa(offline_app):
    gas = referrals.urgent_referral_for("gas leak")
    assert gas is not None
    async with browser(offline_app) as client:
        response = await client.post("/api/messages", json={"text": "I can smell gas outside 12 Mill Lane"})
    assert without_notice(texts_of(response)) == [gas.answer_in("en")]
    assert offline_app.state.rasa.sent == []


async def test_a_types_own_questions_are_asked_answered_and_kept_on_the_case(stack_app):
    """Through the real model and action server: the noise question by its button, the water question typed in
    Chinese after a refused skip; both answers are filed and shown in the summary."""
    db = stack_app.state.db
    async with browser(stack_app) as resident:
        asked = await say(resident, "loud music from the flat above the Crown pub at 14 Mill Lane every night")
        [question] = [r for r in asked.json()["replies"] if r["text"] == "When does the noise happen?"]
        payload = next(b["payload"] for b in question["buttons"] if b["title"] == "At night")
        assert texts_of(await resident.post("/api/messages", json={"payload": payload}))[-1].startswith("Send a photo")
        summary = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/deny"})))
        assert "When does the noise happen? At night" in summary
        done = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/affirm"})))
        with db.transaction() as session:
            case = queries.find_case(session, reference=REFERENCE.search(done).group(0))
            assert (case.request_type, case.answers) == ("noise", {"when": "night"})

    chinese = {"accept-language": "zh-CN"}
    async with browser(stack_app) as resident:
        assert texts_of(await resident.post("/api/messages", json={"text": "家里从早上开始就停水了"}, headers=chinese))
        replies = texts_of(await resident.post("/api/messages", json={"text": "幸福路12号5栋"}, headers=chinese))
        assert replies[-1] == "是只有您家，还是整条街都这样？", replies
        refused = texts_of(await resident.post("/api/messages", json={"text": "跳过"}, headers=chinese))
        assert refused == ["这个问题需要回答，才能把诉求转给合适的人。", "是只有您家，还是整条街都这样？"]
        assert texts_of(await resident.post("/api/messages", json={"text": "整条街"}, headers=chinese))
        summary = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/deny"}, headers=chinese)))
        assert "是只有您家，还是整条街都这样？ 整条街" in summary
        done = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/affirm"}, headers=chinese)))
        with db.transaction() as session:
            case = queries.find_case(session, reference=REFERENCE.search(done).group(0))
            assert (case.request_type, case.answers) == ("water_supply", {"extent": "street"})


async def test_a_photo_sent_where_the_place_is_asked_gives_the_place(stack_app, stack):
    db = stack_app.state.db
    async with browser(stack_app) as resident:
        asked = without_notice(texts_of(await say(resident, "there is a deep pothole in the road")))
        assert "Where is it?" in asked[-1]
        # The place question takes a photo too (domain.yml: custom accepts), so the upload is not refused.
        summary = await resident.post("/api/photo", files={"photo": ("spot.jpg", jpeg_taken_at(31.2197, 121.4588),
                                                                     "image/jpeg")})
        replies = texts_of(summary)
        assert replies[0].startswith("Your photo says where it was taken") and "31.21970, 121.45880" in replies[0]
        assert "31.21970, 121.45880" in replies[-1] and "Photo: yes" in replies[-1]  # the summary, place changeable
        done = " ".join(texts_of(await resident.post("/api/messages", json={"payload": "/affirm"})))
    with db.transaction() as session:
        case = queries.find_case(session, reference=REFERENCE.search(done).group(0))
        assert (round(case.latitude, 4), round(case.longitude, 4)) == (31.2197, 121.4588)
        [photo] = case.photos
        assert b"Exif" not in (stack.media_dir / photo.path).read_bytes()
