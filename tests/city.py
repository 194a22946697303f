"""The city the tests run in: its time zone, no quiet hours unless a test sets its own, settings built from values.

Tests construct settings (`make_settings`) rather than change the environment; processes a test starts get
`QUIET_HOURS_OFF_ENV` in theirs, so nothing a test sends waits for the morning whatever the time of day.
"""

from __future__ import annotations

from datetime import time

from cases.hours import QuietHours
from huiyin.settings import Settings

TZ = "Asia/Shanghai"
NO_QUIET_HOURS = QuietHours(time(0), time(0), TZ)  # equal start and end: off
# What the domain's status changes and pushes need from the city, as keyword arguments.
CITY = {"timezone": TZ, "quiet_hours": NO_QUIET_HOURS}
QUIET_HOURS_OFF = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
QUIET_HOURS_OFF_ENV = {"QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}


def make_settings(**values) -> Settings:
    """Settings from these values and the defaults (never `.env`); quiet hours off unless given."""
    return Settings(_env_file=None, **{**QUIET_HOURS_OFF, **values})
