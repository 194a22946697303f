"""Fixtures for the jobs that talk to Telegram: the fake Bot API, settings pointing at it, the push bot."""

from __future__ import annotations

import pytest

from bot.delivery.push import PushLimiter, push_bot
from testkit.telegram import TOKEN, FakeTelegramServer
from tests.city import make_settings

CONSOLE = "http://console.test"


@pytest.fixture
def telegram():
    """The fake Bot API in a thread, Telegram's limits enforced (429 on a violation)."""
    with FakeTelegramServer() as server:
        yield server


@pytest.fixture
def jobs_settings(telegram):
    """Settings for the jobs: the fake Telegram, a console address, reports Mondays at 08:00 Shanghai time."""
    return make_settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url,
                    telegram_file_base_url=telegram.base_file_url, console_public_url=CONSOLE,
                    timezone="Asia/Shanghai", report_weekday="mon", report_hour=8)


@pytest.fixture
async def telegram_bot(jobs_settings):
    """The push bot, initialised against the fake."""
    async with push_bot(jobs_settings) as bot:
        yield bot


@pytest.fixture
def push_limiter(jobs_settings):
    """The process-wide limiter the push, alert and report jobs share."""
    return PushLimiter.from_settings(jobs_settings)
