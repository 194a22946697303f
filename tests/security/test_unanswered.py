"""Issue 8, finding 5: a case filed whose reply never reached the resident is pushed to them, exactly once.

Filing queues, in the same transaction, the case's reference as a push held back RECEIPT_DELAY_SECONDS;
the channel cancels it once the reply carrying the reference has been delivered. Killed in between, the
bot never confirms, and the sweep pushes the reference when the delay is over.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from actions.filing import ActionOpenCase
from actions.runtime.deps import Deps
from bot.conversation import confirm_delivered, references_in
from bot.delivery.push import PushLimiter, deliver_due, push_bot
from cases import outbox
from cases.clock import utcnow
from cases.models import Case, Notification
from cases.residents import find_resident
from tests.actions.conftest import backend_db, deps, domain  # noqa: F401  (fixtures: actions on each backend)
from tests.actions.trackers import RESIDENT, run, tracker

# `fake`: the fake Bot API with a token of its own; `online`: our bot on it and the real stack.
from tests.bot.telegram_harness import fake, new_chat, online, payloads  # noqa: F401
from tests.city import make_settings

REFERENCE = re.compile(r"HY-\d{4}-\d{5}")
CHAT = int(RESIDENT.split(":")[1])
SLOTS = {
    "request_type": "pothole",
    "description": "deep pothole in the cycle lane",
    "location": "42 Park Lane",
    "latitude": None,
    "longitude": None,
    "photo": None,
    "confirmed": True,
}


def later(seconds: float):
    """A clock `seconds` ahead of the wall clock."""
    return lambda: utcnow() + timedelta(seconds=seconds)


_POINTS: dict[str, int] = {}  # each confirmation's point in the conversation (filing is idempotent per point)


async def file_case(deps, domain, message_id: str = "m-1", sender: str = RESIDENT) -> str:
    """Press Confirm as the action server sees it; the reference the reply carries (not yet delivered).

    Each `message_id` is a confirmation at its own point of the conversation (the same id: the same
    confirmation again), so different ids file different cases.
    """
    confirm = tracker("/affirm", "affirm", slots=SLOTS, message_id=message_id, domain=domain, sender=sender)
    confirm.events[0:0] = [{"event": "action", "name": "action_listen"}] * _POINTS.setdefault(message_id,
                                                                                             len(_POINTS))
    _, dispatcher = await run(ActionOpenCase(deps), confirm, domain)
    [reply] = dispatcher.messages
    return reply["reference"]


def receipts(db) -> list[Notification]:
    """Every held receipt, oldest first."""
    with db.transaction() as session:
        return list(
            session.scalars(select(Notification).where(Notification.kind == outbox.RECEIPT).order_by(Notification.id))
        )


@pytest.fixture
async def pushes(fake):
    """A sweep of the outbox to the fake Telegram: call it with a clock; returns the sweep's stats."""
    settings = make_settings(
        telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url, telegram_file_base_url=fake.base_file_url
    )
    async with push_bot(settings) as bot:

        async def sweep(db, now):
            return await deliver_due(
                db=db, bot=bot, limiter=PushLimiter.from_settings(settings), settings=settings, now=now
            )

        yield sweep


async def test_a_reply_that_never_arrived_is_pushed_once_after_the_delay(
    deps, backend_db, domain, settings, fake, pushes
):
    reference = await file_case(deps, domain)  # ... and the bot dies before sending the reply: nobody confirms
    [held] = receipts(backend_db)
    assert held.urgent and held.status == outbox.OutboxStatus.PENDING and reference in held.text
    delay = settings.receipt_delay_seconds
    assert delay == 120 and abs((held.next_attempt_at - held.created_at).total_seconds() - delay) < 1

    assert (await pushes(backend_db, later(delay - 5))).sent == 0  # the reply may still be on its way
    assert (await pushes(backend_db, later(delay + 1))).sent == 1
    assert (await pushes(backend_db, later(delay + 3600))).sent == 0
    [push] = fake.sent_messages(CHAT)
    assert REFERENCE.findall(push.text) == [reference]
    assert [r.status for r in receipts(backend_db)] == [outbox.OutboxStatus.SENT]


async def test_a_delivered_reply_cancels_the_push(deps, backend_db, domain, fake, pushes):
    reference = await file_case(deps, domain)
    reply = f"Thank you! Your request is filed with reference {reference} (Pothole)."
    await confirm_delivered(backend_db, sender=RESIDENT, messages=["Got it.", reply], prefix="HY")
    assert (await pushes(backend_db, later(86400))).sent == 0
    assert fake.sent_messages(CHAT) == []
    assert [r.status for r in receipts(backend_db)] == [outbox.OutboxStatus.CANCELLED]


async def test_only_the_shown_reference_of_that_resident_is_cancelled(deps, backend_db, domain):
    mine = await file_case(deps, domain, "m-1")
    other = await file_case(deps, domain, "m-2")
    theirs = await file_case(deps, domain, "m-3", sender="telegram:200")
    # Another resident's conversation showing my reference cancels nothing of mine.
    await confirm_delivered(backend_db, sender="telegram:200", messages=[f"{mine} {theirs}"], prefix="HY")
    await confirm_delivered(backend_db, sender=RESIDENT, messages=[f"about {mine.lower()}"], prefix="HY")
    status = {REFERENCE.search(r.text).group(0): r.status for r in receipts(backend_db)}
    assert status == {mine: outbox.OutboxStatus.CANCELLED, other: outbox.OutboxStatus.PENDING,
                      theirs: outbox.OutboxStatus.CANCELLED}


async def test_a_retried_confirm_queues_one_receipt(deps, backend_db, domain):
    first = await file_case(deps, domain, "same")
    again = await file_case(deps, domain, "same")
    assert first == again and len(receipts(backend_db)) == 1


async def test_a_held_receipt_holds_up_no_live_chat_message(deps, backend_db, domain):
    await file_case(deps, domain)
    with backend_db.transaction() as session:
        resident = find_resident(session, channel="telegram", external_id=str(CHAT))
        live_id = outbox.queue(session, resident=resident, text="An agent will answer", urgent=True).id
    with backend_db.transaction() as session:  # the live-chat message goes now, the receipt waits its turn
        assert [r.id for r in outbox.claim_due(session, channel="telegram", limit=10)] == [live_id]
        outbox.mark_sent(session, notification_id=live_id)
    with backend_db.transaction() as session:
        [due] = outbox.claim_due(session, channel="telegram", limit=10, now=later(121)())
        assert due.kind == outbox.RECEIPT


async def test_quiet_hours_do_not_hold_a_receipt(backend_db, domain, settings):
    local = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    deps = Deps(
        settings.model_copy(
            update={
                "quiet_hours_start": f"{(local - timedelta(hours=1)):%H:%M}",
                "quiet_hours_end": f"{(local + timedelta(hours=3)):%H:%M}",
            }
        ),
        backend_db,
    )
    assert deps.quiet_hours().is_quiet(utcnow())
    await file_case(deps, domain)
    [held] = receipts(backend_db)
    # It answers what the resident just did: due when the delay is over, not when the night ends.
    assert abs((held.next_attempt_at - held.created_at).total_seconds() - 120) < 1


async def test_web_chat_shows_a_receipt_only_if_the_reply_was_not_delivered(deps, backend_db, domain):
    kept = await file_case(deps, domain, "w-1", sender="web:session-a")
    shown = await file_case(deps, domain, "w-2", sender="web:session-a")
    await confirm_delivered(backend_db, sender="web:session-a", messages=[shown], prefix="HY")
    with backend_db.transaction() as session:
        resident = find_resident(session, channel="web", external_id="session-a")
        assert outbox.web_updates(session, resident=resident) == []  # still held back
        rows = outbox.web_updates(session, resident=resident, now=later(121)())
        assert [REFERENCE.search(r.text).group(0) for r in rows] == [kept]


# PostgreSQL only: SQLite serialises writers, so there is no race to lose there.
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_cancel_and_sweep_racing_give_exactly_one_outcome(deps, backend_db, domain):
    """PostgreSQL (row locks): the channel's confirmation and the sweep's claim at the same moment, 40 times."""
    db = backend_db
    references = [await file_case(deps, domain, f"race-{n}") for n in range(40)]
    due = later(121)()
    outcomes = {"cancelled": 0, "sent": 0}
    for reference in references:
        start = threading.Barrier(2)
        result: dict = {}

        def cancel(start=start, result=result, reference=reference):
            start.wait()
            with db.transaction() as session:
                resident = find_resident(session, channel="telegram", external_id=str(CHAT))
                result["cancelled"] = outbox.cancel_receipts(session, resident=resident, references=[reference])

        def claim(start=start, result=result):
            start.wait()
            with db.transaction() as session:
                result["claimed"] = {
                    REFERENCE.search(r.text).group(0): r.id
                    for r in outbox.claim_due(session, channel="telegram", limit=1, now=due)
                }

        threads = [threading.Thread(target=cancel), threading.Thread(target=claim)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with db.transaction() as session:
            row = session.scalar(
                select(Notification)
                .join(Case, Notification.case_id == Case.id)
                .where(Case.reference == reference, Notification.kind == outbox.RECEIPT)
            )
            sent = reference in result["claimed"]
            # Either cancelled and never claimed, or claimed (to be sent) and not cancelled: never both, never neither.
            assert sent != bool(result["cancelled"]), (reference, result)
            assert row.status == (outbox.OutboxStatus.SENDING if sent else outbox.OutboxStatus.CANCELLED)
            outcomes["sent" if sent else "cancelled"] += 1
            for other, row_id in result["claimed"].items():
                if other == reference:
                    outbox.mark_sent(session, notification_id=row_id)
                else:  # the claim passed the cancelled row and took the next round's: put it back
                    outbox.release(session, notification_id=row_id, retry_at=utcnow())
    assert sum(outcomes.values()) == 40


def test_references_are_found_in_replies_as_shown():
    assert references_in(["Filed: HY-2026-00042 (Pothole).", "查询HY-2026-00043的进度", "XHY-2026-00044"], "HY") == {
        "HY-2026-00042",
        "HY-2026-00043",
    }
    assert references_in(["no reference here"], "HY") == set()
