"""Weekly and monthly reports pushed to supervisors on Telegram, once per period and department."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from telegram import Bot

from bot.delivery.limits import PushLimiter
from cases.clock import utcnow
from cases.reporting import figures as reports
from cases.reporting import runs as report_runs
from cases.store.db import Database
from huiyin.settings import Settings
from jobs.telegram_send import SENT, TRANSIENT, send_staff_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Run:
    """A claimed run and what to send for it."""

    run_id: int
    period: str
    start: date
    department: str  # "" for the whole city
    text: str
    chat_ids: tuple[str, ...]


def _claim(db: Database, settings: Settings, now: datetime) -> list[_Run]:
    """Claim every due run not pushed yet and build its summary."""
    claimed = []
    with db.transaction() as session:
        for period, start, end in report_runs.due_periods(now=now, timezone=settings.timezone,
                                                          report_weekday=settings.report_weekday,
                                                          report_hour=settings.report_hour):
            departments = report_runs.report_departments(session, start=start, end=end, timezone=settings.timezone)
            for department in ["", *departments]:
                run = report_runs.claim_run(session, period=period, start=start, department=department, now=now)
                if run is None:
                    continue
                report = reports.build_report(session, period=period, start=start, end=end,
                                              department=department or None, timezone=settings.timezone, now=now)
                link = report_runs.report_link(settings.console_public_url, period=period, start=start,
                                               department=department)
                chats = tuple(dict.fromkeys(s.telegram_chat_id
                                            for s in report_runs.report_recipients(session, department)))
                claimed.append(_Run(run.id, period, start, department, reports.report_summary(report, link), chats))
    return claimed


def _mark_pushed(db: Database, run_id: int, now: datetime) -> None:
    with db.transaction() as session:
        report_runs.mark_pushed(session, run_id=run_id, now=now)


async def send_due_reports(*, db: Database, bot: Bot, limiter: PushLimiter, settings: Settings,
                           now: Callable[[], datetime] = utcnow) -> list[tuple[str, date, str]]:
    """Push the reports that are due; returns (period, start, department) of each run pushed."""
    pushed = []
    for run in await asyncio.to_thread(_claim, db, settings, now()):
        outcomes = await asyncio.gather(*(send_staff_message(bot, limiter, chat, run.text) for chat in run.chat_ids))
        if outcomes and all(outcome == TRANSIENT for outcome in outcomes):
            log.warning("%s report %s (%s) not delivered; it will be tried again", run.period, run.start,
                        run.department or "city")
            continue  # pushed_at stays empty: the run is retried once its claim is old enough
        await asyncio.to_thread(_mark_pushed, db, run.run_id, now())
        pushed.append((run.period, run.start, run.department))
        log.info("%s report from %s for %s sent to %d chat(s)", run.period, run.start, run.department or "the city",
                 outcomes.count(SENT))
    return pushed
