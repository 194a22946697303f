"""Staff on WeChat (StaffUser.wechat_openid) get their alerts and report summaries the way WeChat allows residents'
pushes: a customer-service message in their language while their 48-hour window is open; beyond it the template
message about the alert's case, or the row recorded as failed with the reason. Real database, fake WeChat API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Optional

from sqlalchemy import select

from bot.wechat import push
from cases import outbox
from cases.clock import utcnow
from cases.followup import escalation
from cases.models import Notification
from cases.reporting import runs as report_runs
from cases.residents import get_or_create_resident
from cases.staff import accounts
from tests.bot.test_wechat_push import wechat_api
from tests.bot.wechat_harness import new_openid
from tests.cases.builders import TZ, open_case, staff
from tests.city import NO_QUIET_HOURS

ROADS = "Roads and Highways"
CONSOLE = "https://console.example"
TEMPLATE = "tpl-status-1"


def escalated_to(db, openid: str, *, wrote_to_us: Optional[timedelta], telegram: Optional[str] = None) -> str:
    """A Roads supervisor reading Chinese on WeChat (who last wrote to the account `wrote_to_us` ago, if ever) and a
    pothole case escalated to them; the case's reference."""
    with db.transaction() as s:
        member = staff(s, "wang", role="supervisor", department=ROADS, chat_id=telegram)
        accounts.set_wechat_openid(s, staff=member, openid=openid)
        accounts.set_language(s, staff=member, language="zh")
        if wrote_to_us is not None:  # the channel records whoever writes to the account
            get_or_create_resident(s, channel="wechat", external_id=openid).last_inbound_at = utcnow() - wrote_to_us
        case = open_case(s, now=utcnow() - timedelta(days=30))
        escalation.escalate_overdue(s, step_hours=10_000, timezone=TZ, quiet_hours=NO_QUIET_HOURS, now=utcnow())
        return case.reference


def staff_rows(db) -> list[Notification]:
    with db.transaction() as s:
        return list(s.scalars(select(Notification).where(Notification.staff_id.is_not(None))
                              .order_by(Notification.id)))


async def test_an_alert_reaches_a_staff_member_on_wechat_in_their_language(db, tmp_path):
    openid = new_openid()
    reference = escalated_to(db, openid, wrote_to_us=timedelta(hours=1), telegram="741")
    assert sorted((r.channel, r.chat_id) for r in staff_rows(db)) == [("telegram", "741"), ("wechat", openid)]
    async with wechat_api(db, tmp_path, console_public_url=CONSOLE) as (fake, settings, api):
        stats = await push.deliver_due(db=db, api=api, settings=settings)
        [text] = fake.texts_to(openid)
    assert stats.sent == 1 and fake.templates == []  # the resident's push goes to Telegram, the other sender's
    assert text.startswith(f"工单 {reference}（道路坑洼或破损，市政道路管理处）已超期：办理期限 ")
    assert text.endswith(f"已督办升级至第 1 级（市政道路管理处督办员）。\n{CONSOLE}/cases/{reference}")
    assert [r.status for r in staff_rows(db) if r.channel == "wechat"] == ["sent"]


async def test_beyond_the_window_without_a_template_the_alert_is_recorded_as_failed(db, tmp_path):
    openid = new_openid()
    escalated_to(db, openid, wrote_to_us=timedelta(hours=49))
    async with wechat_api(db, tmp_path, console_public_url=CONSOLE) as (fake, settings, api):
        stats = await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.sent == [] and fake.templates == []
    [row] = staff_rows(db)
    assert (stats.failed, row.status, row.attempts) == (1, "failed", 1)
    assert "48-hour window" in row.last_error and "WECHAT_STATUS_TEMPLATE_ID" in row.last_error


async def test_beyond_the_window_a_template_names_the_case_and_links_to_the_console(db, tmp_path):
    openid = new_openid()
    reference = escalated_to(db, openid, wrote_to_us=None)  # never wrote to the account
    async with wechat_api(db, tmp_path, console_public_url=CONSOLE + "/",
                          wechat_status_template_id=TEMPLATE) as (fake, settings, api):
        await push.deliver_due(db=db, api=api, settings=settings)
        [sent] = fake.templates_to(openid)
    assert (sent.data["keyword1"], sent.data["keyword2"]) == ({"value": reference}, {"value": "超期督办"})
    assert sent.url == f"{CONSOLE}/cases/{reference}" and [r.status for r in staff_rows(db)] == ["sent"]


async def test_a_report_summary_goes_to_wechat_in_the_window_and_fails_beyond_it(db, tmp_path):
    near, far = new_openid(), new_openid()
    with db.transaction() as s:
        for username, openid, wrote in (("chen", near, timedelta(hours=2)), ("zhou", far, timedelta(days=3))):
            member = staff(s, username, role="supervisor")
            accounts.set_wechat_openid(s, staff=member, openid=openid)
            get_or_create_resident(s, channel="wechat", external_id=openid).last_inbound_at = utcnow() - wrote
        run = report_runs.claim_run(s, period="weekly", start=date(2026, 10, 26), department="")
        assert run is not None
        assert report_runs.queue_report(s, run=run, default_language="zh", text=lambda language: {
            "zh": "周报，全部部门", "en": "Weekly report, all departments"}[language]) == 2
    async with wechat_api(db, tmp_path, wechat_status_template_id=TEMPLATE) as (fake, settings, api):
        await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.texts_to(near) == ["周报，全部部门"] and fake.templates == []  # a report is about no one case
    rows = {r.chat_id: r for r in staff_rows(db)}
    assert {r.kind for r in rows.values()} == {outbox.REPORT}
    assert (rows[near].status, rows[far].status) == ("sent", "failed")
    assert "not about a case" in rows[far].last_error
