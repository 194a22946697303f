"""Conversations survive Rasa: a replica killed (-9) halfway through a report and started again carries on where it
was, and the other replica's residents do not notice."""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from bot import texts
from bot.rasa_client import RasaClient, replica_for
from bot.webchat.app import create_app
from cases.clock import utcnow
from cases.models import Case
from cases.store.db import Database
from jobs import casework
from testkit.stack import StackError, start_stack
from tests.bot.webchat_harness import browser, say, session_of, texts_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own, with two Rasa replicas: these tests kill one, which the shared stack must not see."""
    try:
        running = start_stack(tmp_path_factory.mktemp("restart"), rasa_replicas=2)
    except StackError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()


@pytest.fixture
async def chat(own_stack):
    db, rasa = Database(own_stack.database_url), RasaClient(own_stack.rasa_urls)
    yield create_app(settings=own_stack.settings(media_dir=own_stack.media_dir), db=db, rasa=rasa), db
    await rasa.aclose()
    db.dispose()


def payloads(response) -> list[str]:
    return [b["payload"] for reply in response.json()["replies"] for b in reply.get("buttons") or []]


@asynccontextmanager
async def residents_on_each_replica(app, replicas: list[str]):
    """One web chat resident per replica (browsers are opened until each replica has one)."""
    async with AsyncExitStack() as opened:
        found: dict[str, httpx.AsyncClient] = {}
        while len(found) < len(replicas):
            client = await opened.enter_async_context(browser(app))
            found.setdefault(replica_for(f"web:{session_of(client)}", replicas), client)
        yield [found[url] for url in replicas]


async def file_to_the_end(client, location: str) -> list[str]:
    """From the location question: the location, Skip photo, Confirm; the texts of the last answer."""
    answer = await say(client, location)
    assert "/deny" in payloads(answer), texts_of(answer)  # the location is taken and the photo asked for
    assert "/affirm" in payloads(await client.post("/api/messages", json={"payload": "/deny"}))
    return texts_of(await client.post("/api/messages", json={"payload": "/affirm"}))


async def test_a_report_half_filed_when_its_rasa_is_killed_carries_on_and_the_other_replica_is_untouched(
        own_stack, chat):
    app, db = chat
    async with residents_on_each_replica(app, own_stack.rasa_urls) as (ana, ben):
        for client in (ana, ben):
            asked = texts_of(await say(client, "there is a big pothole in the road, my bike nearly went in"))
            assert any("where" in text.lower() for text in asked), asked  # the form asks for the location

        own_stack.kill_rasa(0)  # Ana's replica
        # While it is down Ana gets the apology, and nothing is lost; Ben files as if nothing happened.
        assert texts_of(await say(ana, "12 Park Lane, opposite the bakery")) == [texts.text("unavailable")]
        assert any("HY-" in text for text in await file_to_the_end(ben, "3 Mill Road, by the school"))
        own_stack.start_rasa(0)

        # Ana's conversation, from the question it was at.
        assert any("HY-" in text for text in await file_to_the_end(ana, "12 Park Lane, opposite the bakery"))

    with db.transaction() as session:
        cases = session.scalars(select(Case).where(Case.description.like("%pothole in the road%"))).all()
        assert sorted(case.address.split(",")[0] for case in cases) == ["12 Park Lane", "3 Mill Road"]
        assert session.scalar(select(func.count()).select_from(Case)) == 2


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
