"""Conversations survive Rasa: killed (-9) halfway through a report and started again, it carries on where it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from bot import texts
from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from cases.clock import utcnow
from cases.models import Case
from cases.store.db import Database
from jobs import casework
from testkit.stack import StackError, start_stack
from tests.bot.webchat_harness import browser, say, texts_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: this test kills its Rasa, which the session's shared stack must not see."""
    try:
        running = start_stack(tmp_path_factory.mktemp("restart"))
    except StackError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()


@pytest.fixture
async def chat(own_stack):
    db, rasa = Database(own_stack.database_url), RasaClient(own_stack.rasa_url)
    yield create_app(settings=own_stack.settings(media_dir=own_stack.media_dir), db=db, rasa=rasa), db
    await rasa.aclose()
    db.dispose()


def payloads(response) -> list[str]:
    return [b["payload"] for reply in response.json()["replies"] for b in reply.get("buttons") or []]


async def test_a_report_half_filed_when_rasa_is_killed_carries_on_after_the_restart(own_stack, chat):
    app, db = chat
    async with browser(app) as client:
        asked = texts_of(await say(client, "there is a big pothole in the road, my bike nearly went in"))
        assert any("where" in text.lower() for text in asked), asked  # the form asks for the location

        own_stack.kill_rasa()
        # While Rasa is down the resident gets the apology, and nothing is lost.
        assert texts_of(await say(client, "12 Park Lane, opposite the bakery")) == [texts.text("unavailable")]
        own_stack.start_rasa()

        # The same conversation, from the question it was at: the location is taken and the photo asked for.
        answer = await say(client, "12 Park Lane, opposite the bakery")
        assert "/deny" in payloads(answer), texts_of(answer)
        assert "/affirm" in payloads(await client.post("/api/messages", json={"payload": "/deny"}))
        filed = texts_of(await client.post("/api/messages", json={"payload": "/affirm"}))
        assert any("HY-" in text for text in filed), filed

    with db.transaction() as session:
        [case] = session.scalars(select(Case).where(Case.description.like("%pothole in the road%"))).all()
        assert case.address.startswith("12 Park Lane")
        assert session.scalar(select(func.count()).select_from(Case)) == 1


async def test_old_conversation_events_are_pruned_and_recent_ones_kept(own_stack, chat):
    app, _ = chat
    async with browser(app) as client:
        texts_of(await say(client, "hello"))
    settings = own_stack.settings()

    assert await casework.prune_conversations(settings=settings) == 0  # nothing is 30 days old
    pruned = await casework.prune_conversations(settings=settings, now=lambda: utcnow() + timedelta(days=31))
    assert pruned > 0
    engine = create_engine(settings.tracker_store_url())
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM events")) == 0
    finally:
        engine.dispose()
