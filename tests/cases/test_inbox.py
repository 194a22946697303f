"""Updates kept until handled (cases.store.inbox): stored once, taken in order under a chat's lease, taken over
when a worker's lease lapses, and never handled by two live workers at once; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from cases.models import ChatLease, InboundUpdate, PendingUpdate
from cases.store import inbox

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
TTL = 15.0


def put(db, key: str, sequence: int, chat: str = "telegram:1:42", channel: str = "telegram") -> bool:
    with db.transaction() as session:
        return inbox.store(session, channel=channel, key=key, sequence=sequence, chat_key=chat,
                           payload=f'{{"update_id": {sequence}}}', now=NOW)


def take(db, chat: str = "telegram:1:42", holder: str = "a", now: datetime = NOW):
    with db.transaction() as session:
        return inbox.take_next(session, chat_key=chat, holder=holder, now=now, ttl=TTL)


def finish_and_take(db, done: int, chat: str = "telegram:1:42", holder: str = "a", now: datetime = NOW):
    with db.transaction() as session:
        return inbox.finish_and_take_next(session, done=done, chat_key=chat, holder=holder, now=now, ttl=TTL)


def release(db, chat: str = "telegram:1:42", holder: str = "a") -> bool:
    with db.transaction() as session:
        return inbox.release(session, chat_key=chat, holder=holder)


def test_an_update_is_stored_once_even_after_it_was_handled(db):
    assert put(db, "1:7", 7)
    assert not put(db, "1:7", 7)  # Telegram sent it again before we answered
    first = take(db)
    assert first is not None and first.payload == '{"update_id": 7}'
    assert finish_and_take(db, first.id) is None
    assert not put(db, "1:7", 7)  # ...or after it was handled
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(PendingUpdate)) == 0


def test_a_chat_goes_in_platform_order_whatever_order_its_updates_were_stored_in(db):
    for sequence in (12, 10, 11):
        put(db, f"1:{sequence}", sequence)
    handled, pending = [], take(db)
    while pending is not None:
        handled.append(pending.update_id)
        pending = finish_and_take(db, pending.id)
    assert handled == ["1:10", "1:11", "1:12"]


def test_a_live_lease_keeps_other_workers_out_until_it_lapses(db):
    put(db, "1:1", 1)
    put(db, "1:2", 2)
    first = take(db, holder="a")
    assert first is not None and first.update_id == "1:1"
    assert take(db, holder="b", now=NOW + timedelta(seconds=TTL - 1)) is None
    with db.transaction() as session:
        assert inbox.ready_chats(session, channel="telegram", now=NOW + timedelta(seconds=1), limit=10) == []
    with db.transaction() as session:  # "a" lives: its lease is renewed
        assert inbox.renew(session, holder="a", now=NOW + timedelta(seconds=10), ttl=TTL) == 1
    assert take(db, holder="b", now=NOW + timedelta(seconds=TTL + 1)) is None
    # "a" died while handling its first update: once the lease lapses, "b" handles it again, then the rest.
    later = NOW + timedelta(seconds=10 + TTL + 1)
    with db.transaction() as session:
        assert inbox.ready_chats(session, channel="telegram", now=later, limit=10) == ["telegram:1:42"]
    again = take(db, holder="b", now=later)
    assert again is not None and (again.update_id, again.attempts) == ("1:1", 2)
    nxt = finish_and_take(db, again.id, holder="b", now=later)
    assert nxt is not None and nxt.update_id == "1:2"


def test_release_says_whether_updates_came_in_meanwhile(db):
    put(db, "1:1", 1)
    first = take(db)
    assert first is not None
    assert finish_and_take(db, first.id) is None
    put(db, "1:2", 2)  # stored by another worker, which found the lease taken
    assert release(db) is True
    nxt = take(db, holder="b")
    assert nxt is not None and nxt.update_id == "1:2"
    assert finish_and_take(db, nxt.id, holder="b") is None
    assert release(db, holder="b") is False
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ChatLease)) == 0


def test_releasing_someone_elses_lease_does_nothing(db):
    put(db, "1:1", 1)
    assert take(db, holder="a") is not None
    release(db, holder="b")
    assert take(db, holder="b") is None


def test_an_update_that_keeps_failing_is_dropped_after_max_attempts(db):
    put(db, "1:1", 1)
    put(db, "1:2", 2)
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        moment = NOW + timedelta(seconds=attempt * (TTL + 1))  # each worker died with it in hand
        pending = take(db, holder=f"w{attempt}", now=moment)
        assert pending is not None and (pending.update_id, pending.attempts) == ("1:1", attempt)
    nxt = take(db, holder="last", now=NOW + timedelta(days=1))
    assert nxt is not None and nxt.update_id == "1:2"


def test_ready_chats_oldest_first_and_per_channel(db):
    put(db, "1:1", 1, chat="telegram:1:a")
    put(db, "1:2", 2, chat="telegram:1:b")
    put(db, "1:3", 3, chat="telegram:1:a")
    put(db, "x", 1, chat="other:1", channel="other")
    take(db, chat="telegram:1:b", holder="a")
    with db.transaction() as session:
        assert inbox.ready_chats(session, channel="telegram", now=NOW, limit=10) == ["telegram:1:a"]
        assert inbox.ready_chats(session, channel="other", now=NOW, limit=10) == ["other:1"]


def test_forgetting_seen_keys_keeps_recent_ones_and_other_channels(db):
    put(db, "1:1", 1)
    with db.transaction() as session:
        inbox.remember(session, "telegram_button", "1:42:7", NOW - timedelta(days=30))
        inbox.remember(session, "telegram", "1:0", NOW - timedelta(days=30))
        assert inbox.forget_seen(session, channel="telegram", before=NOW - timedelta(days=7)) == 1
        assert set(session.scalars(select(InboundUpdate.update_id))) == {"1:1", "1:42:7"}
