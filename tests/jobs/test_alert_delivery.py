"""Staff alerts reach each addressee's Telegram once, through the outbox and its sender, with a console link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery.push import RETRY_CAP_SECONDS, deliver_due
from cases import outbox
from cases.clock import utcnow
from cases.models import Notification
from cases.staff import alerts
from tests.cases.builders import open_case, staff, staff_alerts

ROADS = "Roads and Highways"


def setup_alerts(db) -> tuple[dict[str, int], str]:
    """Staff of every kind and one alert per kind of addressee; returns (alert key -> id, case reference)."""
    with db.transaction() as s:
        staff(s, "rsup", role="supervisor", department=ROADS, chat_id="701")
        staff(s, "rsup2", role="supervisor", department=ROADS)  # no Telegram: console only
        staff(s, "csup", role="supervisor", chat_id="702")
        agent = staff(s, "amy", role="agent", department=ROADS, chat_id="703")
        staff(s, "gone", role="supervisor", department=ROADS, chat_id="704", active=False)
        staff(s, "lsup", role="supervisor", department="Street Lighting", chat_id="705")
        case = open_case(s)
        alerts.alert(s, key="dept", kind="escalation", case=case, role="supervisor", department=ROADS,
                      text=f"{case.reference} is overdue.")
        alerts.alert(s, key="city", kind="handoff_wait", handoff_id=None, role="supervisor", department=None,
                      text="A resident has waited 12 minutes.")
        alerts.alert(s, key="person", kind="reopened", case=case, staff=agent, text="Reopened.")
        alerts.alert(s, key="admins", kind="chase", role="admin", text="Nobody is an admin here.")
        return {a.key: a.id for a in staff_alerts(s)}, case.reference


def staff_rows(db) -> list[tuple[str, str]]:
    """(chat id, status) of every staff alert row in the outbox."""
    with db.transaction() as s:
        return [(r.chat_id, r.status) for r in s.scalars(
            select(Notification).where(Notification.kind == outbox.STAFF_ALERT).order_by(Notification.id))]


async def test_each_alert_goes_once_to_each_addressee_with_telegram(db, telegram, telegram_bot, push_limiter,
                                                                  jobs_settings):
    _, reference = setup_alerts(db)
    stats = await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    assert stats.sent == 3
    received = {m.chat_id: m.text for m in telegram.sent_messages()}
    assert received == {
        701: f"{reference} is overdue.\nhttp://console.test/cases/{reference}",
        702: "A resident has waited 12 minutes.\nhttp://console.test/alerts",
        703: f"Reopened.\nhttp://console.test/cases/{reference}",
    }
    assert staff_rows(db) == [("701", "sent"), ("702", "sent"), ("703", "sent")]  # the admins' one: console only
    again = await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings,
                              now=lambda: utcnow() + timedelta(days=1))
    assert again.sent == 0 and len(telegram.sent_messages()) == 3 and telegram.violations == []


async def test_a_blocked_chat_is_not_retried_and_a_failed_send_is(db, telegram, telegram_bot, push_limiter,
                                                                  jobs_settings):
    with db.transaction() as s:
        first = staff(s, "a1", role="supervisor", chat_id="711")
        staff(s, "a2", role="supervisor", chat_id="712")
        staff(s, "p", role="agent", department=ROADS, chat_id="713")
        alerts.alert(s, key="city", kind="escalation", role="supervisor", text="Late.")
        alerts.alert(s, key="mine", kind="escalation", staff=first, text="For you.")
    telegram.block_chat(712)
    telegram.fail_next("sendMessage", 711, status=502)  # a passing failure, for the first send to 711
    stats = await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    # 711's copy of "city" failed for a passing reason and waits for a retry ("mine" does not wait behind it:
    # separate alerts keep no order); 712 refused for good (blocked) and is not tried again.
    assert (stats.sent, stats.retried, stats.failed) == (1, 1, 1)
    assert [(m.chat_id, m.text) for m in telegram.sent_messages()] == [(711, "For you.\nhttp://console.test/alerts")]
    assert staff_rows(db) == [("711", "pending"), ("712", "failed"), ("711", "sent")]
    telegram.unblock_chat(712)
    stats = await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings,
                              now=lambda: utcnow() + timedelta(seconds=RETRY_CAP_SECONDS))
    assert stats.sent == 1  # the retry; the blocked chat is not tried again
    assert [m.text for m in telegram.sent_messages(711)][-1] == "Late.\nhttp://console.test/alerts"
    assert telegram.sent_messages(712) == [] and telegram.duplicates() == []
