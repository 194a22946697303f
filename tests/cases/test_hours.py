"""Office hours (open, next opening) and quiet hours (overnight window, release time, the outbox holding pushes)."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from cases import outbox
from cases.hours import OfficeHours, QuietHours, parse_days, parse_time
from tests.cases.builders import TZ, notifications, resident

ZONE = ZoneInfo(TZ)
OFFICE = OfficeHours(parse_days("mon-fri"), time(9, 0), time(18, 0), TZ)
NIGHT = QuietHours(time(21, 0), time(8, 0), TZ)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, city time (2 March is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


def test_parsing():
    assert parse_days("mon-fri") == frozenset({0, 1, 2, 3, 4})
    assert parse_days("Mon, Wed ,fri") == frozenset({0, 2, 4})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_time("08:30") == time(8, 30) and parse_time("9") == time(9, 0)


def test_office_hours_open_and_next_opening_across_the_weekend():
    assert OFFICE.is_open(local(6, 9)) and OFFICE.is_open(local(6, 17, 59))  # Friday
    assert not OFFICE.is_open(local(6, 18)) and not OFFICE.is_open(local(7, 12))  # Friday evening, Saturday
    assert OFFICE.next_opening(local(6, 18)) == local(9, 9)  # Friday evening -> Monday 09:00
    assert OFFICE.next_opening(local(8, 23)) == local(9, 9)  # Sunday night
    assert OFFICE.next_opening(local(9, 8, 59)) == local(9, 9)  # Monday before opening
    assert OFFICE.next_opening(local(3, 12)) == local(3, 12)  # open now: now
    # a UTC moment is read in city time: 01:30 UTC on Monday is 09:30 in Shanghai
    assert OFFICE.is_open(datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc))


def test_quiet_hours_overnight_window_and_release_time():
    assert not NIGHT.is_quiet(local(3, 20, 59)) and NIGHT.is_quiet(local(3, 21))
    assert NIGHT.is_quiet(local(4, 2)) and not NIGHT.is_quiet(local(4, 8))
    assert NIGHT.release_time(local(3, 23)) == local(4, 8)  # late evening -> next morning
    assert NIGHT.release_time(local(4, 2)) == local(4, 8)  # after midnight -> the same morning
    assert NIGHT.release_time(local(4, 12)) == local(4, 12)
    assert NIGHT.release_time(local(3, 23).astimezone(timezone.utc)).tzinfo == timezone.utc
    lunch = QuietHours(time(12, 0), time(13, 0), TZ)
    assert lunch.is_quiet(local(3, 12, 30)) and not lunch.is_quiet(local(3, 13))
    assert lunch.release_time(local(3, 12, 30)) == local(3, 13)
    assert not QuietHours(time(0, 0), time(0, 0), TZ).is_quiet(local(3, 3))  # equal ends: never quiet


def test_the_outbox_holds_ordinary_pushes_until_morning_but_not_urgent_ones(db):
    late = local(3, 23).astimezone(timezone.utc)
    with db.transaction() as s:
        ana = resident(s)
        outbox.queue(s, resident=ana, text="your case moved", quiet_hours=NIGHT, now=late)
        outbox.queue(s, resident=ana, text="an agent replied", urgent=True, quiet_hours=NIGHT, now=late)
    with db.transaction() as s:
        held, urgent = notifications(s)
        assert (held.urgent, held.next_attempt_at) == (False, local(4, 8))
        assert (urgent.urgent, urgent.next_attempt_at) == (True, late)
        claimed = outbox.claim_due(s, channel="telegram", limit=10, now=local(4, 1))
        assert [row.text for row in claimed] == ["an agent replied"]
        outbox.mark_sent(s, notification_id=claimed[0].id, now=local(4, 1))
    with db.transaction() as s:
        assert [row.text for row in outbox.claim_due(s, channel="telegram", limit=10, now=local(4, 8))] == [
            "your case moved"]
