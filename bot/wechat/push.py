"""The sender of queued WeChat messages (residents' status pushes, receipts, surveys, live-chat replies; staff alerts
and report summaries), run by the jobs process beside the Telegram one.

Rows are claimed, leased and marked as Telegram's are (cases/outbox/sending.py, bot/delivery/outcomes.py). WeChat's
rule decides how a row goes: a customer-service message only within 48 hours of the resident's last message to us
(`residents.last_inbound_at`); beyond it, a template message (WECHAT_STATUS_TEMPLATE_ID) carrying the case's
reference, status and time, or nothing, recorded as failed with the reason. WeChat's answer decides the rest:
unfollowed or blocked makes the resident unreachable, out of the window falls back to the template, limits and
network errors are retried with back-off.

A staff member on WeChat (StaffUser.wechat_openid) is under the same rule: their window is their own last message to
the account (the channel records whoever writes as a resident, staff too). Beyond it, an alert about a case goes as
the template message naming the case and what the alert is about, linking to the console; a report summary, about
no case, is recorded as failed with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.delivery.outcomes import GONE, PAUSED, RETRY, DeliveryStats, Item, Outcomes, in_transaction
from bot.delivery.push import BATCH_SIZE, LEASE_SECONDS, MAX_SWEEP_SECONDS
from bot.delivery.sweep import LEASE_MARGIN
from bot.rasa_client import Button, Reply
from bot.wechat import choices, records
from bot.wechat.api import TOKEN_REFUSED, WeChatApi, WeChatApiError
from cases import i18n, messages, outbox
from cases.clock import utcnow
from cases.models import Case, CaseEvent, Notification, StaffAlert, StaffUser
from cases.residents import find_resident
from cases.staff import alerts
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger("bot.wechat.push")

WINDOW = timedelta(hours=48)  # customer-service messages: within 48 hours of the resident's last message
WINDOW_MARGIN = timedelta(minutes=10)  # our clock and WeChat's, and the time the message took to reach us
MAX_TEXT_BYTES = 2048  # a customer-service text's content, in UTF-8 bytes
TOKEN_PAUSE_SECONDS = 60.0

OUT_OF_WINDOW = 45015  # "response out of time limit": no message from the resident for 48 hours
# The resident unfollowed the account (43004) or blocked it (43019): WeChat refuses them every message.
UNREACHABLE = frozenset({43004, 43019})
# Busy (-1), over the API's daily quota (45009), over the messages allowed per window (45047): later may do.
TRANSIENT = frozenset({-1, 45009, 45047})


@dataclass(frozen=True)
class Push:
    """A claimed WeChat row with what deciding its way needs, detached from its session."""

    item: Item
    language: str
    unreachable: bool
    last_inbound_at: Optional[datetime]
    reference: Optional[str]  # the case it reports, if any
    status: Optional[str]  # the status it reports (the event's, else the case's)
    queued_at: datetime
    headline: Optional[str] = None  # a staff alert's: what it is about (the template's second field, for status)
    link: Optional[str] = None  # a staff alert's: its console page (the template's link, for the public board's)


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """A text cut into parts of at most `limit` UTF-8 bytes: at paragraph ends, else line ends, else anywhere."""
    if len(text.encode()) <= limit:
        return [text]
    for separator in ("\n\n", "\n", ""):
        cut = _last_fit(text, limit, separator)
        if cut:
            head, rest = text[:cut].rstrip(), text[cut:].lstrip("\n")
            return [head, *split_text(rest, limit)] if head else split_text(rest, limit)
    raise AssertionError("a single character fits any limit of 4 bytes or more")


def _last_fit(text: str, limit: int, separator: str) -> int:
    """The longest prefix within `limit` bytes ending at `separator` (any character with ""); 0 if none."""
    fits = len(text.encode()[:limit].decode(errors="ignore"))
    if not separator:
        return fits
    at = text.rfind(separator, 0, fits)
    return at + len(separator) if at > 0 else 0


def template_data(push: Push, *, timezone: str) -> dict[str, dict[str, str]]:
    """The template's fields: keyword1 the case reference, keyword2 its status, keyword3 the time (city time)."""
    assert push.reference is not None and (push.status is not None or push.headline is not None)
    moment = push.queued_at.astimezone(ZoneInfo(timezone))
    return {"keyword1": {"value": push.reference},
            "keyword2": {"value": push.headline or messages.status_label(push.status or "", push.language)},
            "keyword3": {"value": f"{moment:%Y-%m-%d %H:%M}"}}


def board_link(settings: Settings, reference: str, language: str) -> Optional[str]:
    """The case's page on the public board (as a filed case's reply links it), if the board's address is set."""
    if not settings.board_public_url:
        return None
    return f"{settings.board_public_url.rstrip('/')}/board/cases/{reference}?lang={language}"


class WeChatSender:
    """Claims WeChat rows and sends each resident's in order; `stats` counts what became of them."""

    def __init__(self, *, db: Database, api: WeChatApi, settings: Settings, now: Callable[[], datetime],
                 lease_seconds: float):
        self.db, self.api, self.settings, self.now, self.lease_seconds = db, api, settings, now, lease_seconds
        self.stats = DeliveryStats()
        self.outcomes = Outcomes(channel=records.CHANNEL, settings=settings, now=now, stats=self.stats,
                                 write=self._write)

    async def _write(self, work: Callable[[Session], Any], item: Optional[Item] = None) -> Any:
        return await in_transaction(self.db, work)

    async def claim(self, limit: int) -> list[Push]:
        """Claim up to `limit` due rows, oldest first (a resident's rows in order)."""

        def claim(session: Session) -> list[Push]:
            rows = outbox.claim_due(session, channel=records.CHANNEL, limit=limit, lease_seconds=self.lease_seconds,
                                    now=self.now())
            return [self._push(session, row) if row.staff_id is None else self._staff_push(session, row)
                    for row in rows]

        try:
            return await self._write(claim)
        except OperationalError:
            log.exception("could not claim WeChat notifications")
            return []

    @staticmethod
    def _push(session: Session, row: Notification) -> Push:
        assert row.claimed_at is not None  # claim_due has just set it
        item = Item(row.id, row.resident_id, row.chat_id, row.text, row.attempts, row.claimed_at,
                    tuple(outbox.buttons_of(row)))
        resident, case = row.resident, session.get(Case, row.case_id) if row.case_id is not None else None
        event = session.get(CaseEvent, row.event_id) if row.event_id is not None else None
        status = (event.to_status if event is not None and event.to_status else None) or (
            case.status if case is not None else None)
        return Push(item, resident.language if resident else "zh", bool(resident and resident.unreachable_at),
                    resident.last_inbound_at if resident else None, case.reference if case is not None else None,
                    status, row.created_at)

    def _staff_push(self, session: Session, row: Notification) -> Push:
        """A staff member's row: an alert worded in their language now, their own window, the alert's case."""
        assert row.claimed_at is not None  # claim_due has just set it
        member = session.get(StaffUser, row.staff_id)
        language = i18n.language_for(member.language if member else None, None, self.settings.staff_language)
        text = alerts.copy_for_sending(session, row, default_language=self.settings.staff_language)
        console = self.settings.console_public_url
        item = Item(row.id, None, row.chat_id, alerts.with_console(text, console), row.attempts, row.claimed_at, ())
        reader = find_resident(session, channel=records.CHANNEL, external_id=row.chat_id)
        alert = session.get(StaffAlert, row.alert_id) if row.alert_id is not None else None
        case = session.get(Case, alert.case_id) if alert is not None and alert.case_id is not None else None
        reference = case.reference if case is not None else None
        return Push(item, language, bool(reader and reader.unreachable_at), reader.last_inbound_at if reader else None,
                    reference, None, row.created_at,
                    headline=alerts.kind_label(alert.kind, language) if alert is not None else None,
                    link=alerts.with_console(alerts.console_path(alert, case_reference=reference), console)
                    if alert is not None and console else None)

    async def send_all(self, pushes: list[Push]) -> None:
        """Send the claimed rows: residents at once, each resident's rows one after another."""
        by_resident: dict[str, list[Push]] = defaultdict(list)
        for push in pushes:
            by_resident[push.item.chat_id].append(push)
        await asyncio.gather(*(self._send_in_order(rows) for rows in by_resident.values()))

    async def _send_in_order(self, pushes: list[Push]) -> None:
        """One resident's rows in order; after a retry the rest go back, after an unreachable answer they fail."""
        rest, gone = list(pushes), None
        try:
            while rest:
                if (self.now() - rest[0].item.claimed_at).total_seconds() > self.lease_seconds - LEASE_MARGIN:
                    break  # another sender may take it soon: hand it back
                push = rest.pop(0)
                sending = asyncio.ensure_future(self.send(push))
                try:
                    outcome, error = await asyncio.shield(sending)
                except asyncio.CancelledError:  # shutting down: a send on the wire finishes and is marked
                    await asyncio.gather(sending, return_exceptions=True)
                    raise
                if outcome in (RETRY, PAUSED):
                    break
                if outcome == GONE:
                    gone = error
                    break
        except Exception:  # e.g. the database is down: the rows come back after their lease
            log.exception("WeChat push worker failed")
        finally:
            if rest:
                await asyncio.shield(self.outcomes.settle_rest([push.item for push in rest], gone))

    async def send(self, push: Push) -> tuple[str, Optional[str]]:
        """Send one row the way WeChat allows now and record the outcome; returns (outcome, error)."""
        item = push.item
        if push.unreachable:  # unfollowed (or refused before): WeChat would refuse it too
            return await self.outcomes.failed(item, "not sent: the resident unfollowed the account (unreachable)",
                                              gone=True)
        try:
            if self._in_window(push):
                try:
                    await self._send_texts(push)
                    return await self.outcomes.sent(item)
                except WeChatApiError as exc:
                    if exc.code != OUT_OF_WINDOW:
                        raise
            return await self._send_template(push)
        except WeChatApiError as exc:
            return await self._refused(item, exc)

    def _in_window(self, push: Push) -> bool:
        return push.last_inbound_at is not None and self.now() - push.last_inbound_at < WINDOW - WINDOW_MARGIN

    async def _send_texts(self, push: Push) -> None:
        """The row as customer-service texts: its buttons as numbered choices (kept for the resident's answer),
        cut to WeChat's length."""
        item = push.item
        reply = Reply(text=item.text, buttons=tuple(Button(b["title"], b["payload"]) for row in item.buttons
                                                    for b in row))
        if reply.buttons:
            await asyncio.to_thread(records.offer, self.db, item.chat_id, choices.choices_in([reply]))
        for text in choices.render([reply], push.language):
            for part in split_text(text):
                await self.api.send_text(item.chat_id, part)

    async def _send_template(self, push: Push) -> tuple[str, Optional[str]]:
        """Outside the window: the template message about the row's case, or the row fails with the reason."""
        template_id = self.settings.wechat_status_template_id
        if not template_id:
            return await self.outcomes.failed(
                push.item, "not deliverable: outside WeChat's 48-hour window and WECHAT_STATUS_TEMPLATE_ID is not set")
        if push.reference is None or (push.status is None and push.headline is None):
            return await self.outcomes.failed(
                push.item, "not deliverable: outside WeChat's 48-hour window and not about a case (no template)")
        link = push.link if push.headline is not None else board_link(self.settings, push.reference, push.language)
        await self.api.send_template(push.item.chat_id, template_id,
                                     template_data(push, timezone=self.settings.timezone), link)
        return await self.outcomes.sent(push.item)

    async def _refused(self, item: Item, exc: WeChatApiError) -> tuple[str, Optional[str]]:
        """Record WeChat's refusal: unreachable, retried, handed back (our token) or failed for good."""
        if exc.code in UNREACHABLE:
            return await self.outcomes.failed(item, str(exc), unreachable=True)
        if exc.code in TOKEN_REFUSED:  # refused even once renewed: our credentials, not the row
            log.error("WeChat refused a renewed access token; pausing this row for %.0f s", TOKEN_PAUSE_SECONDS)
            return await self.outcomes.handed_back(item, TOKEN_PAUSE_SECONDS)
        if exc.code is None or exc.code in TRANSIENT:  # network, HTTP errors, busy, limits
            return await self.outcomes.retried(item, str(exc))
        return await self.outcomes.failed(item, str(exc))


async def deliver_due(*, db: Database, api: WeChatApi, settings: Settings, now: Callable[[], datetime] = utcnow,
                      lease_seconds: float = LEASE_SECONDS, batch_size: int = BATCH_SIZE,
                      max_seconds: float = MAX_SWEEP_SECONDS) -> DeliveryStats:
    """Send due WeChat messages until none is due (or `max_seconds` passed); `now` is the clock.

    At least once, as Telegram's: a sender that dies mid-send leaves its rows to another after the lease.
    """
    sender = WeChatSender(db=db, api=api, settings=settings, now=now, lease_seconds=lease_seconds)
    started = time.monotonic()
    try:
        while time.monotonic() - started < max_seconds:
            pushes = await sender.claim(batch_size)
            if not pushes:
                break
            await sender.send_all(pushes)
    finally:
        stats = sender.stats
        stats.seconds = time.monotonic() - started
        if stats.sent or stats.retried or stats.failed or stats.released:
            log.info("wechat pushes: %s", stats)
    return sender.stats
