"""Staff alerts reach each addressee's Telegram once, through the fake Bot API, with a console link."""

from __future__ import annotations

from datetime import timedelta

from cases.clock import utcnow
from cases.models import StaffAlert
from cases.staff import alerts
from jobs.alerts import deliver_alerts
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


async def test_each_alert_goes_once_to_each_addressee_with_telegram(db, telegram, telegram_bot, push_limiter,
                                                                  jobs_settings):
    _, reference = setup_alerts(db)
    sent = await deliver_alerts(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    assert sent == 3
    received = {m.chat_id: m.text for m in telegram.sent_messages()}
    assert received == {
        701: f"{reference} is overdue.\nhttp://console.test/cases/{reference}",
        702: "A resident has waited 12 minutes.\nhttp://console.test/alerts",
        703: f"Reopened.\nhttp://console.test/cases/{reference}",
    }
    with db.transaction() as s:
        assert all(a.telegram_sent_at is not None for a in staff_alerts(s))  # the admins' one too: console only
    again = await deliver_alerts(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings,
                                 now=lambda: utcnow() + timedelta(days=1))
    assert again == 0 and len(telegram.sent_messages()) == 3 and telegram.violations == []


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
    await deliver_alerts(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    # "city": 711 failed (502), 712 is blocked (refused for good): not every send failed for a passing reason,
    # so it is done; "mine" went to 711 on its own.
    assert [(m.chat_id, m.text) for m in telegram.sent_messages()] == [(711, "For you.\nhttp://console.test/alerts")]
    with db.transaction() as s:
        assert all(a.telegram_sent_at is not None for a in s.query(StaffAlert))
    telegram.unblock_chat(712)
    with db.transaction() as s:
        alerts.alert(s, key="retry", kind="escalation", staff=first, text="Again.")
    telegram.fail_next("sendMessage", 711, status=502)
    assert await deliver_alerts(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings) == 0
    with db.transaction() as s:
        assert s.query(StaffAlert).filter_by(key="retry").one().telegram_sent_at is None  # handed back
    assert await deliver_alerts(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings) == 1
    assert [m.text for m in telegram.sent_messages(711)][-1] == "Again.\nhttp://console.test/alerts"
