"""A push sender in its own process, for tests that kill it mid-send (`python -m tests.bot.sender_process DB API`)."""

from __future__ import annotations

import asyncio
import sys

from bot.delivery.pacing import ChatPacer
from bot.delivery.push import PushLimiter, deliver_due, push_bot
from cases.store.db import Database
from testkit.telegram import TOKEN
from tests.city import make_settings


async def main(database_url: str, api_url: str) -> None:
    """Send whatever is due, once."""
    settings = make_settings(telegram_bot_token=TOKEN, telegram_api_base_url=api_url,
                             telegram_file_base_url=api_url, console_public_url="http://console.test")
    db = Database(database_url)
    limiter = PushLimiter.from_settings(settings)
    async with push_bot(settings) as bot:
        await deliver_due(db=db, bot=bot, limiter=limiter, settings=settings,
                          pacer=ChatPacer(db, limiter.chat_interval, burst=settings.push_per_chat_burst))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
