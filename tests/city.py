"""The city the tests run in: its time zone, no quiet hours unless a test sets its own, settings built from values.

Tests construct settings (`make_settings`) rather than change the environment; processes a test starts get
`QUIET_HOURS_OFF_ENV` in theirs, so nothing a test sends waits for the morning whatever the time of day.
"""

from __future__ import annotations

from datetime import time

from cases.hours import QuietHours
from huiyin.settings import Settings
from testkit.stack import QUIET_HOURS_OFF, QUIET_HOURS_OFF_ENV  # noqa: F401  (QUIET_HOURS_OFF_ENV: for tests)

TZ = "Asia/Shanghai"
NO_QUIET_HOURS = QuietHours(time(0), time(0), TZ)  # equal start and end: off
# What the domain's status changes and pushes need from the city, as keyword arguments.
CITY = {"timezone": TZ, "quiet_hours": NO_QUIET_HOURS}


def make_settings(**values) -> Settings:
    """Settings from these values and the defaults (never `.env`); quiet hours off unless given."""
    return Settings(_env_file=None, **{**QUIET_HOURS_OFF, **values})
