"""A person answering (handoff) in the web chat: messages go to the transcript, the bot is silent, the agent's
answers come as updates."""

from __future__ import annotations

from bot import texts
from bot.photos import clean_photo
from cases import residents
from tests.bot.webchat_harness import PNG, browser, offline_app, say, session_of, texts_of  # noqa: F401 - fixtures


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


async def hand_over(db, client) -> None:
    """The browser's resident, who said hi, now waits for a person."""
    from cases.handoff import handoff

    await say(client, "hi")
    with db.transaction() as session:
        resident = residents.find_resident(session, channel="web", external_id=session_of(client))
        handoff.request_handoff(session, resident=resident, reason="I need a person")


async def test_during_a_handoff_messages_go_to_the_transcript_and_the_bot_is_silent(offline_app):
    from cases.handoff import handoff

    db, rasa = offline_app.state.db, offline_app.state.rasa
    async with browser(offline_app) as client:
        await hand_over(db, client)
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


async def test_a_smell_of_gas_during_a_handoff_is_relayed_and_answered_at_once(offline_app):
    from cases.handoff import handoff
    from cases.referrals import urgent_referral_for

    db = offline_app.state.db
    async with browser(offline_app) as client:
        await hand_over(db, client)
        answer = await say(client, "there's a strong smell of gas in the stairwell now")
        gas = urgent_referral_for("gas leak")
        assert gas is not None and texts_of(answer) == [gas.answer_in("en")]
        with db.transaction() as session:
            resident = residents.find_resident(session, channel="web", external_id=session_of(client))
            said = [m.text for m in handoff.open_handoff_for(session, resident).messages]
        assert said[-1] == "there's a strong smell of gas in the stairwell now"  # the person sees it too
