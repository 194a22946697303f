"""The shared rate limiter: counted and checked in one step, windows that end, keys that hide what they count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from cases.guards import throttle
from cases.models import Throttle

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def _take(db, key, now=NOW, limit=3):
    with db.transaction() as session:
        return throttle.take(session, key=key, limit=limit, window=WINDOW, now=now)


def test_attempts_up_to_the_limit_pass_then_wait_for_the_window(db):
    key = throttle.throttle_key("login", "lee", "10.0.0.1")
    assert [_take(db, key) for _ in range(3)] == [0, 0, 0]
    assert _take(db, key, now=NOW + timedelta(minutes=5)) == pytest.approx(600)
    assert _take(db, key, now=NOW + WINDOW) == 0  # a new window


def test_keys_are_separate_and_forget_starts_afresh(db):
    a, b = throttle.throttle_key("x", "a"), throttle.throttle_key("x", "b")
    for _ in range(3):
        _take(db, a)
    assert _take(db, a) > 0 and _take(db, b) == 0
    with db.transaction() as session:
        throttle.forget(session, key=a)
    assert _take(db, a) == 0


def test_keys_do_not_store_names_or_addresses(db):
    _take(db, throttle.throttle_key("login", "alice", "192.0.2.7"))
    with db.transaction() as session:
        stored = session.query(Throttle.key).scalar()
    assert "alice" not in stored and "192.0.2.7" not in stored and len(stored) == 64


def test_purge_drops_finished_windows(db):
    _take(db, throttle.throttle_key("old"), now=NOW - timedelta(hours=2))
    _take(db, throttle.throttle_key("new"))
    with db.transaction() as session:
        assert throttle.purge(session, before=NOW - timedelta(hours=1)) == 1


@pytest.mark.parametrize("db", ["postgres", "sqlite"], indirect=True)
def test_parallel_attempts_never_pass_more_than_the_limit(db):
    key = throttle.throttle_key("login", "parallel")
    with ThreadPoolExecutor(max_workers=20) as pool:
        waits = list(pool.map(lambda _: _take(db, key, limit=5), range(40)))
    assert sum(1 for w in waits if w == 0) == 5
