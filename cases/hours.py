"""Office hours (when people answer handed-over chats) and quiet hours (when pushes wait), in city time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_time(text: str) -> time:
    """'08:00' -> time(8, 0)."""
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri' or 'mon-sun' -> weekday numbers (Monday 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        start, end = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        day = start
        while True:
            days.add(day)
            if day == end:
                break
            day = (day + 1) % 7
    return frozenset(days)


@dataclass(frozen=True)
class OfficeHours:
    """Days and opening times of the people who answer residents."""

    days: frozenset[int]
    opens: time
    closes: time
    timezone: str

    def is_open(self, moment: datetime) -> bool:
        """Whether people are at work at this moment."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The moment itself if open, else the next opening (aware, in city time)."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        if self.is_open(moment):
            return local
        for days_ahead in range(0, 8):
            day = (local + timedelta(days=days_ahead)).date()
            opening = datetime.combine(day, self.opens, tzinfo=zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise ValueError("office hours have no working day")


@dataclass(frozen=True)
class QuietHours:
    """The night, in city time, during which non-urgent pushes wait (start may be after end: overnight)."""

    start: time
    end: time
    timezone: str

    def is_quiet(self, moment: datetime) -> bool:
        """Whether this moment falls in quiet hours."""
        if self.start == self.end:
            return False
        now = moment.astimezone(ZoneInfo(self.timezone)).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def release_time(self, moment: datetime) -> datetime:
        """When a non-urgent message queued at `moment` may go: now, or the end of these quiet hours (UTC)."""
        if not self.is_quiet(moment):
            return moment
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end.astimezone(moment.tzinfo or ZoneInfo("UTC"))
