"""Per-chat pacing shared through the database (cases.outbox.pacing): a token bucket kept as one time per chat."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from cases.outbox import pacing

KEY = "telegram:42"
START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def reserve(db, at: datetime, *, interval=1.0, burst=3) -> float:
    with db.transaction() as session:
        return pacing.reserve(session, key=KEY, now=at, interval=interval, burst=burst)


@pytest.mark.parametrize("db", ["sqlite", "postgres"], indirect=True)
def test_a_burst_goes_at_once_then_one_send_per_interval(db):
    assert [reserve(db, START) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert reserve(db, START) == pytest.approx(1.0)  # the bucket is empty: one is back after an interval
    assert reserve(db, START + timedelta(seconds=0.5)) == pytest.approx(0.5)
    assert reserve(db, START + timedelta(seconds=1.0)) == 0.0
    assert reserve(db, START + timedelta(seconds=1.0)) == pytest.approx(1.0)
    # quiet for a while: the whole burst is back, no more
    later = START + timedelta(seconds=60)
    assert [reserve(db, later) for _ in range(4)][-2:] == [0.0, pytest.approx(1.0)]


@pytest.mark.parametrize("db", ["sqlite", "postgres"], indirect=True)
def test_a_slow_send_pushes_the_next_ones_back_and_an_unsent_one_gives_its_token_back(db):
    assert [reserve(db, START, burst=1) for _ in range(1)] == [0.0]
    with db.transaction() as session:  # the send took 0.4 s to be answered: Telegram may have stamped it late
        pacing.settle(session, key=KEY, sent_at=START, answered_at=START + timedelta(seconds=0.4))
    assert reserve(db, START + timedelta(seconds=1.0), burst=1) == pytest.approx(0.4)
    assert reserve(db, START + timedelta(seconds=1.4), burst=1) == 0.0
    with db.transaction() as session:  # that one never went out
        pacing.refund(session, key=KEY, interval=1.0)
    assert reserve(db, START + timedelta(seconds=1.4), burst=1) == 0.0


@pytest.mark.parametrize("db", ["sqlite", "postgres"], indirect=True)
def test_parallel_senders_together_take_no_more_than_the_burst(db):
    reserve(db, START - timedelta(hours=1))  # the chat's row exists; its bucket is long full
    results: list[float] = []
    barrier = threading.Barrier(8)

    def sender() -> None:
        barrier.wait()
        results.append(reserve(db, START))

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results)[:3] == [0.0, 0.0, 0.0] and all(wait > 0 for wait in sorted(results)[3:])


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_old_chats_are_forgotten(db):
    reserve(db, START)
    with db.transaction() as session:
        assert pacing.purge(session, before=START + timedelta(hours=1)) == 1
