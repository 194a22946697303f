"""Property-based fuzzing of both channels with hostile inputs, on the real Rasa, actions and database.

Each generated input comes from a new resident (a new web chat session or Telegram chat), so no single
message can legitimately file a case: any case a fuzzing resident owns was filed by injection. A victim
with a case of their own is in the same database; nothing of theirs may appear in any answer, and their
case must come through untouched. Fixed seed (derandomize), so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import texts
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases import lifecycle, queries, residents
from cases.models import Case, Resident
from cases.store.db import Database
from testkit.telegram import FakeTelegramServer
from tests.bot.telegram_harness import WAIT, RecordingRasa, telegram_bot
from tests.security.hostile import (
    VICTIM_ADDRESS,
    VICTIM_SECRET,
    hostile_images,
    hostile_json_bodies,
    hostile_text,
)

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("HUIYIN_FUZZ_EXAMPLES", "1000"))  # per channel; issue 8 asks for 1,000
FUZZ = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
UNAVAILABLE = {texts.text("unavailable", language) for language in ("en", "zh")}
BATCH = 4
_addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())  # RFC 2544 benchmark range
_chats = itertools.count(7_700_000_000)


def _victim(db: Database, channel: str, external_id: str) -> tuple[str, int]:
    """A resident of `channel` with an open case; its reference and case id."""
    with db.transaction() as session:
        victim = residents.get_or_create_resident(session, channel=channel, external_id=external_id)
        case = lifecycle.open_case(
            session,
            resident=victim,
            request_type="streetlight",
            description=f"{VICTIM_SECRET} the lamp by my door is out",
            address=VICTIM_ADDRESS,
            reference_prefix="HY",
        )
        return case.reference, case.id


def _victim_status(db: Database, reference: str) -> str:
    with db.transaction() as session:
        return queries.find_case(session, reference=reference).status


def _cases_of(db: Database, channel: str, external_ids: list[str]) -> int:
    with db.transaction() as session:
        return session.scalar(
            select(func.count())
            .select_from(Case)
            .join(Resident)
            .where(Resident.channel == channel, Resident.external_id.in_(external_ids))
        )


def _assert_nothing_of_the_victim(answer: str, *identifiers: str) -> None:
    for secret in (VICTIM_SECRET, VICTIM_ADDRESS, *identifiers):
        assert secret not in answer, f"an answer leaked {secret!r}: {answer[:300]!r}"


def _finite_or_odd_numbers() -> st.SearchStrategy:
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.booleans(),
        st.none(),
        st.text(max_size=8),
        st.sampled_from([10**400, -(10**30), 90.0000001, -180.5]),
    )


def web_moves(victim_ref: str) -> st.SearchStrategy[tuple]:
    """One request a hostile browser or script makes."""
    return st.one_of(
        st.tuples(st.just("text"), hostile_text(victim_ref)),
        st.tuples(st.just("payload"), hostile_text(victim_ref)),
        st.tuples(
            st.just("json"), st.sampled_from(["/api/messages", "/api/location"]), hostile_json_bodies(victim_ref)
        ),
        st.tuples(st.just("location"), _finite_or_odd_numbers(), _finite_or_odd_numbers()),
        st.tuples(st.just("photo"), hostile_images(), st.sampled_from(["photo", "file", "photo[]"])),
        st.tuples(st.just("updates"), st.one_of(st.text(max_size=30), st.integers().map(str))),
    )


async def _web_request(client: httpx.AsyncClient, move: tuple) -> httpx.Response:
    kind = move[0]
    if kind in ("text", "payload"):
        # As a browser's JSON.stringify writes it: lone surrogates escaped (\ud800), not refused.
        return await client.post(
            "/api/messages", content=json.dumps({kind: move[1]}).encode(), headers={"content-type": "application/json"}
        )
    if kind == "json":
        _, path, (content_type, body) = move
        return await client.post(path, content=body, headers={"content-type": content_type} if content_type else {})
    if kind == "location":
        body = {"latitude": move[1], "longitude": move[2]}
        # json.dumps writes NaN and Infinity, as a broken client would, and huge integers as digits
        return await client.post(
            "/api/location", content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )
    if kind == "photo":
        return await client.post("/api/photo", files={move[2]: ("x.jpg", move[1], "image/jpeg")})
    return await client.get("/api/updates", params={"after": move[1]})


@pytest.fixture
def loop():
    """An event loop of the test's own: Hypothesis calls the test synchronously, once per example."""
    running = asyncio.new_event_loop()
    yield running
    running.run_until_complete(running.shutdown_asyncgens())
    running.close()


def test_hostile_web_chat_requests(stack, loop, caplog):
    db, rasa = Database(stack.database_url), RecordingRasa(stack.rasa_url)
    app = create_app(settings=stack.settings(media_dir=stack.media_dir, web_secret="fuzz"), db=db, rasa=rasa)
    victim_session = "victim-session-4f2a9c"
    victim_ref, _ = _victim(db, "web", victim_session)
    sessions: list[str] = []
    statuses: dict[int, int] = {}

    async def one(move: tuple) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(next(_addresses), 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://chat.test") as client:
            await client.get("/")
            response = await _web_request(client, move)
            if COOKIE in client.cookies:
                sessions.append(client.cookies[COOKIE].split(".")[0])
        return response

    @FUZZ
    @given(move=web_moves(victim_ref))
    def one_request(move):
        response = loop.run_until_complete(one(move))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (move, response.text[:300])
        body = response.json()  # every answer, refusals included, is JSON the page can show
        _assert_nothing_of_the_victim(response.text, victim_session)
        assert not (UNAVAILABLE & {r.get("text") for r in body.get("replies", [])}), (move, response.text[:300])

    caplog.set_level(logging.ERROR)
    try:
        one_request()
    finally:
        loop.run_until_complete(rasa.aclose())
    print(f"\nweb chat fuzz: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= EXAMPLES
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert _cases_of(db, "web", sessions) == 0, "a case was filed by a single hostile request"
    assert _victim_status(db, victim_ref) == "submitted"
    db.dispose()


def _utf8(text: str) -> str:
    """What Telegram can carry: its updates are UTF-8, so lone surrogates never arrive from it."""
    return "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)


def telegram_moves(victim_ref: str) -> st.SearchStrategy[tuple]:
    """One update a hostile Telegram user (or a broken client) sends."""
    text = hostile_text(victim_ref).map(_utf8)
    names = st.one_of(st.just("Ana"), text.map(lambda t: t[:64] or "x"))
    return st.one_of(
        st.tuples(st.just("text"), text.filter(bool), names),
        st.tuples(st.just("callback"), text.map(lambda t: t[:64]), names),
        st.tuples(st.just("photo"), hostile_images(), st.one_of(st.none(), text)),
        st.tuples(st.just("location"), st.floats(-90, 90), st.floats(-180, 180)),
        st.tuples(st.just("document"), hostile_images(), text.map(lambda t: t[:40] or "x")),
    )


def _push(fake: FakeTelegramServer, chat: int, move: tuple) -> None:
    kind = move[0]
    if kind == "text":
        fake.push_text(chat, move[1], first_name=move[2])
    elif kind == "callback":
        fake.push_callback(chat, move[1], message_id=1, first_name=move[2])
    elif kind == "photo":
        fake.push_photo(chat, move[1], caption=move[2])
    elif kind == "location":
        fake.push_location(chat, move[1], move[2])
    else:
        fake.push_document(chat, move[1], file_name=move[2])


async def _answered(bot, chat: int, callbacks_before: int) -> list:
    """The bot's messages to `chat` once it answered the update (a message, or a callback answer)."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while not (bot.fake.sent_messages(chat) or len(bot.fake.calls_to("answerCallbackQuery")) > callbacks_before):
        assert asyncio.get_running_loop().time() < deadline, f"no answer in chat {chat}"
        await asyncio.sleep(0.02)
    await bot.idle()
    return bot.fake.sent_messages(chat)


def test_hostile_telegram_updates(stack, loop, tmp_path, caplog):
    fake = FakeTelegramServer(token="7700:FUZZ")
    loop.run_until_complete(fake.start_async())
    settings_ = stack.settings(
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_file_base_url=fake.base_file_url,
        media_dir=stack.media_dir,
        telegram_webhook_url=None,
    )
    db, rasa = Database(stack.database_url), RecordingRasa(stack.rasa_url)
    victim_chat = "7699999999"
    victim_ref, _ = _victim(db, "telegram", victim_chat)
    harness = telegram_bot(fake, settings_, db, rasa)
    bot = loop.run_until_complete(harness.__aenter__())
    chats: list[str] = []
    kinds: dict[str, int] = {}

    async def answers(batch: list[tuple[int, tuple]], callbacks_before: int) -> list[list]:
        return [await _answered(bot, chat, callbacks_before) for chat, _ in batch]

    # Updates go out BATCH at a time (each from its own chat), as Telegram delivers them, to keep the run short.
    @settings(FUZZ, max_examples=math.ceil(EXAMPLES / BATCH))
    @given(moves=st.lists(telegram_moves(victim_ref), min_size=BATCH, max_size=BATCH))
    def one_batch(moves):
        batch = [(next(_chats), move) for move in moves]
        callbacks_before = len(fake.calls_to("answerCallbackQuery"))
        for chat, move in batch:
            chats.append(str(chat))
            _push(fake, chat, move)
        replies = loop.run_until_complete(answers(batch, callbacks_before))
        for (_chat, move), messages in zip(batch, replies, strict=True):
            kinds[move[0]] = kinds.get(move[0], 0) + 1
            for message in messages:
                _assert_nothing_of_the_victim(message.text or "", victim_chat)
                assert message.text not in UNAVAILABLE, (move, message.text)

    caplog.set_level(logging.ERROR)
    try:
        one_batch()
        print(f"\nTelegram fuzz: {sum(kinds.values())} updates, by kind {kinds}")
        assert sum(kinds.values()) >= EXAMPLES
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert fake.violations == [] and fake.unknown_methods == []
        assert _cases_of(db, "telegram", chats) == 0, "a case was filed by a single hostile update"
        assert _victim_status(db, victim_ref) == "submitted"
    finally:
        loop.run_until_complete(harness.__aexit__(None, None, None))
        loop.run_until_complete(fake.stop_async())
