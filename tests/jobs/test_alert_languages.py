"""One alert, each reader in their own language: the outbox copy of each addressee and what Telegram delivers, an
account without a language reading the city's default (STAFF_LANGUAGE), dates and names in the reader's locale."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery.push import deliver_due
from cases import outbox
from cases.followup import escalation
from cases.models import Notification
from tests.cases.builders import T0, TZ, open_case, staff
from tests.city import NO_QUIET_HOURS

ROADS = "Roads and Highways"


def overdue_alert(db) -> str:
    """Three Roads supervisors (zh, en, no language of their own) and a pothole case escalated to them (its due date
    is 9 March, city time); the case's reference."""
    with db.transaction() as s:
        for username, chat_id, language in (("wang", "721", "zh"), ("ward", "722", "en"), ("wu", "723", None)):
            staff(s, username, role="supervisor", department=ROADS, chat_id=chat_id).language = language
        case = open_case(s, now=T0)
        assert escalation.escalate_overdue(s, step_hours=24, timezone=TZ, quiet_hours=NO_QUIET_HOURS,
                                           now=case.due_at + timedelta(minutes=1)) == [(case.reference, 1)]
        return case.reference


def english(reference: str) -> str:
    return (f"{reference} (Pothole or damaged road, {ROADS}) is overdue: it was due 9 Mar 2026. "
            f"Escalated to level 1 (the supervisor of {ROADS}).")


def chinese(reference: str) -> str:
    return (f"工单 {reference}（道路坑洼或破损，市政道路管理处）已超期：办理期限 2026年3月9日。"
            f"已督办升级至第 1 级（市政道路管理处督办员）。")


def test_each_addressee_is_queued_one_copy_in_their_language(db):
    reference = overdue_alert(db)
    link = f"{{console}}/cases/{reference}"
    with db.transaction() as s:
        rows = list(s.scalars(select(Notification).where(Notification.kind == outbox.STAFF_ALERT)
                              .order_by(Notification.chat_id)))
        # wu has no language: queued in English, worded again by the sender, which knows the city's default
        assert [(r.chat_id, r.text) for r in rows] == [
            ("721", f"{chinese(reference)}\n{link}"), ("722", f"{english(reference)}\n{link}"),
            ("723", f"{english(reference)}\n{link}")]
        assert len({r.alert_id for r in rows}) == 1 and rows[0].alert_id is not None


async def test_telegram_delivers_each_reader_their_language_and_the_default_to_the_rest(
        db, telegram, telegram_bot, push_limiter, jobs_settings):
    reference = overdue_alert(db)
    settings = jobs_settings.model_copy(update={"staff_language": "zh"})
    stats = await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=settings)
    assert stats.sent == 4  # and the resident's push saying their case went up
    link = f"http://console.test/cases/{reference}"
    assert {m.chat_id: m.text for m in telegram.sent_messages() if 720 < m.chat_id < 730} == {
        721: f"{chinese(reference)}\n{link}", 722: f"{english(reference)}\n{link}",
        723: f"{chinese(reference)}\n{link}"}  # no language of their own: STAFF_LANGUAGE=zh
    with db.transaction() as s:  # the outbox keeps what was sent
        sent = dict(s.execute(select(Notification.chat_id, Notification.text)
                              .where(Notification.kind == outbox.STAFF_ALERT)).tuples().all())
        assert sent["723"] == f"{chinese(reference)}\n{{console}}/cases/{reference}"
