"""Pushes a web chat resident reads by polling: only their own, with their buttons."""

from __future__ import annotations

from cases import lifecycle, residents
from tests.bot.webchat_harness import browser, offline_app, say, session_of  # noqa: F401 - fixtures
from tests.city import CITY, NO_QUIET_HOURS


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
