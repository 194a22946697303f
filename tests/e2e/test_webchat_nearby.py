"""Someone already reported this, through the web chat and the real dialogue: a second resident reporting the same
pothole follows the first one's case instead of filing another, and then gets its status changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cases import lifecycle, queries, residents
from cases.models import Case
from tests.bot.webchat_harness import (
    browser,
    buttons_of,
    say,
    session_of,
    stack_app,  # noqa: F401 - fixtures
    texts_of,
)
from tests.city import CITY

pytestmark = pytest.mark.e2e
REFERENCE = re.compile(r"\bHY-\d{4}-\d{5}\b")
PIN = {"latitude": 48.8566, "longitude": 2.3522}
FIVE_METRES_NORTH = {"latitude": 48.85665, "longitude": 2.3522}


async def test_a_second_resident_follows_the_first_report_and_gets_its_updates(stack_app):
    db = stack_app.state.db
    async with browser(stack_app) as first:
        assert texts_of(await say(first, "there's a deep pothole in the road outside the school"))
        assert texts_of(await first.post("/api/location", json=PIN))
        summary = await first.post("/api/messages", json={"payload": "/deny"})  # no photo
        assert "/affirm" in [b["payload"] for b in buttons_of(summary)], summary.json()
        done = " ".join(texts_of(await first.post("/api/messages", json={"payload": "/affirm"})))
        reference = REFERENCE.search(done).group(0)

    async with browser(stack_app) as second:
        assert texts_of(await say(second, "huge pothole here, I nearly came off my bike"))
        offer = await second.post("/api/location", json=FIVE_METRES_NORTH)
        offered = " ".join(texts_of(offer))
        assert reference in offered and "Pothole" in offered, offer.json()
        payloads = [b["payload"] for b in buttons_of(offer)]
        assert payloads == [f'/follow_case{{"reference":"{reference}"}}', "/deny"]
        followed = " ".join(texts_of(await second.post("/api/messages", json={"payload": payloads[0]})))
        assert reference in followed and "follow" in followed
        with db.transaction() as session:
            case = queries.find_case(session, reference=reference)
            follower = residents.find_resident(session, channel="web", external_id=session_of(second))
            assert [r.id for r in queries.followers(session, case)] == [follower.id]
            assert follower.filing_started_at is None
            assert session.scalar(select(func.count()).select_from(Case).where(Case.resident_id == follower.id)) == 0
            lifecycle.change_status(session, case=case, to_status="in_progress", actor="staff",
                                    public_note="A crew is booked for Tuesday.", **CITY)
        updates = (await second.get("/api/updates")).json()["updates"]
        assert len(updates) == 1 and reference in updates[0]["text"]
        assert "A crew is booked for Tuesday." in updates[0]["text"]
        # The form is over: the next message starts afresh, and the list of requests shows the one followed.
        listing = " ".join(texts_of(await say(second, "show my open requests")))
        assert reference in listing and "(following)" in listing
