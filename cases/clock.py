"""The one place that reads the wall clock, so tests can pass their own `now`."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)
