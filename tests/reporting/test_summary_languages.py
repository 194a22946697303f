"""The Telegram and WeChat summary of a report in each recipient's language: dates and numbers as their locale
writes them, and in the monthly one the officials slowest to answer and least on time (the responsiveness record),
on the small month of tests/reporting/city_month.py."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cases import outbox
from cases.models import Notification, StaffUser
from cases.reporting import export, figures
from cases.reporting.responsiveness import responsiveness
from jobs.reports import queue_due_reports
from tests.cases.builders import T0, TZ, staff
from tests.city import make_settings
from tests.reporting.city_month import fill

NOW = T0 + timedelta(days=40)
LINK = "https://console.example/reports?period=monthly&start=2026-03-01&department="


def march(db):
    """The city's March report and its record by official."""
    with db.transaction() as s:
        report = figures.build_report(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                      timezone=TZ, now=NOW)
        officials = responsiveness(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1), timezone=TZ,
                                   by="staff", now=NOW)
    return report, officials


def test_the_monthly_summary_in_chinese_names_the_slowest_officials(db):
    fill(db)
    report, officials = march(db)
    lines = export.report_summary(report, LINK, language="zh", responsiveness=officials).splitlines()
    assert lines[0] == "月报，全部部门：2026年3月1日 至 2026年3月31日"
    # Ann's first responses took 2 h (A) and 6 h (B): median 4 h, slower than Bob's 3.5 h (C 1 h, B 6 h).
    # Bob resolved B, C, D, only C on time: 1 of 3, 33.3%, below Ann's 1 of 2 (A on time, B late).
    assert lines[-3:] == ["首次响应最慢：Ann，中位数 4小时。", "按期办结率最低：Bob，办结 3 件，按期 33.3%。",
                          f"完整报告：{LINK}"]
    assert lines[1].startswith("受理 ") and "件，办结 " in lines[1]
    english = export.report_summary(report, LINK, language="en", responsiveness=officials).splitlines()
    assert english[0] == "Monthly report, all departments: 1 Mar 2026 to 31 Mar 2026"
    assert english[-3:-1] == ["Slowest first response: Ann, median 4 h.",
                              "Lowest share on time: Bob, 33.3% of 3 resolved."]


def test_each_recipient_is_queued_the_summary_in_their_language(db):
    fill(db)
    with db.transaction() as s:
        staff(s, "chen", role="supervisor", chat_id="931").language = "zh"
        staff(s, "root", role="admin", chat_id="932").language = "en"
        quiet = staff(s, "zhou", role="supervisor", chat_id="933")  # no language: STAFF_LANGUAGE
        quiet.wechat_openid = "o-zhou-on-wechat-0000000000000"  # and on WeChat too
    settings = make_settings(staff_language="zh", timezone=TZ, report_weekday="mon", report_hour=8,
                             console_public_url="https://console.example")
    first_of_april = datetime(2026, 4, 1, 8, tzinfo=ZoneInfo(TZ))
    assert ("monthly", date(2026, 3, 1), "") in asyncio.run(queue_due_reports(db=db, settings=settings,
                                                                               now=lambda: first_of_april))
    with db.transaction() as s:
        rows = {(r.channel, r.chat_id): r.text.splitlines() for r in s.scalars(
            select(Notification).join(StaffUser, StaffUser.id == Notification.staff_id)
            .where(Notification.kind == outbox.REPORT, StaffUser.department.is_(None),
                   Notification.text.like("%2026-03-01%")))}
    assert set(rows) == {("telegram", "931"), ("telegram", "932"), ("telegram", "933"),
                         ("wechat", "o-zhou-on-wechat-0000000000000")}
    for chat in (("telegram", "931"), ("telegram", "933"), ("wechat", "o-zhou-on-wechat-0000000000000")):
        assert rows[chat][0] == "月报，全部部门：2026年3月1日 至 2026年3月31日"
        assert "首次响应最慢：Ann，中位数 4小时。" in rows[chat]
    assert rows[("telegram", "932")][0] == "Monthly report, all departments: 1 Mar 2026 to 31 Mar 2026"
    assert "Lowest share on time: Bob, 33.3% of 3 resolved." in rows[("telegram", "932")]

