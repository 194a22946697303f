"""Staff alerts to Telegram: each alert once, to every addressee who has a Telegram chat id."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from telegram import Bot

from bot.delivery.limits import PushLimiter
from cases.clock import utcnow
from cases.models import Case, StaffAlert
from cases.staff import alerts
from cases.store.db import Database
from huiyin.settings import Settings
from jobs.telegram_send import SENT, TRANSIENT, send_staff_message

log = logging.getLogger(__name__)
BATCH = 50


@dataclass(frozen=True)
class _Outgoing:
    """A claimed alert: its id, its text with a console link, and where it goes."""

    alert_id: int
    text: str
    chat_ids: tuple[str, ...]


def _message(session, alert: StaffAlert, console_url: str) -> str:
    """The alert's text and the console page to act on it."""
    base = console_url.rstrip("/")
    if alert.case_id is not None:
        case = session.get(Case, alert.case_id)
        return f"{alert.text}\n{base}/cases/{case.reference}"
    if alert.handoff_id is not None:
        return f"{alert.text}\n{base}/inbox/{alert.handoff_id}"
    return f"{alert.text}\n{base}/alerts"


def _claim(db: Database, console_url: str, now: datetime) -> list[_Outgoing]:
    """Take the unsent alerts (telegram_sent_at set now); alerts nobody gets on Telegram are simply done."""
    with db.transaction() as session:
        outgoing = []
        for alert in alerts.pending_telegram(session, limit=BATCH):
            if not alerts.claim_for_telegram(session, alert_id=alert.id, now=now):
                continue  # another scheduler has it
            chats = tuple(dict.fromkeys(s.telegram_chat_id for s in alerts.addressees(session, alert)
                                        if s.telegram_chat_id))
            if chats:
                outgoing.append(_Outgoing(alert.id, _message(session, alert, console_url), chats))
        return outgoing


def _release(db: Database, alert_id: int) -> None:
    with db.transaction() as session:
        alerts.release_for_telegram(session, alert_id=alert_id)


async def deliver_alerts(*, db: Database, bot: Bot, limiter: PushLimiter, settings: Settings,
                         now: Callable[[], datetime] = utcnow) -> int:
    """Send every unsent alert; returns how many messages went out.

    An alert is marked before it is sent, so two schedulers never both send it; if every send of an
    alert failed for a passing reason it is handed back for the next sweep. (A crash mid-send loses
    the Telegram copy only: the alert stays in the console.)
    """
    outgoing = await asyncio.to_thread(_claim, db, settings.console_public_url, now())
    sent = 0
    for item in outgoing:
        outcomes = await asyncio.gather(*(send_staff_message(bot, limiter, chat, item.text) for chat in item.chat_ids))
        sent += outcomes.count(SENT)
        if all(outcome == TRANSIENT for outcome in outcomes):
            await asyncio.to_thread(_release, db, item.alert_id)
    if outgoing:
        log.info("staff alerts: %d alert(s), %d Telegram message(s) sent", len(outgoing), sent)
    return sent
