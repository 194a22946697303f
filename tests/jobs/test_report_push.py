"""Reports are produced once per period and department, their summaries queued in the outbox with the run and
delivered to the right supervisors by the one sender, through the fake Bot API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.delivery.push import deliver_due
from cases import lifecycle, outbox
from cases.models import Notification, ReportRun
from cases.reporting import runs as report_runs
from jobs.reports import queue_due_reports
from tests.cases.builders import TZ, open_case, resident, staff
from tests.city import CITY

ZONE = ZoneInfo(TZ)
ROADS, SANITATION = "Roads and Highways", "Sanitation"


def local(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def setup_city(db) -> None:
    """Supervisors, an admin, an agent; a Roads case still open and a Sanitation case closed, both from October."""
    with db.transaction() as s:
        staff(s, "rsup", role="supervisor", department=ROADS, chat_id="801")
        staff(s, "ssup", role="supervisor", department=SANITATION, chat_id="802")
        staff(s, "csup", role="supervisor", chat_id="803")
        staff(s, "root", role="admin", chat_id="804")
        agent = staff(s, "amy", role="agent", department=SANITATION, chat_id="805")
        staff(s, "gone", role="supervisor", chat_id="806", active=False)
        staff(s, "quiet", role="supervisor", department=ROADS)
        open_case(s, resident(s, "1"), now=local(10, 10, 9))
        closed = open_case(s, resident(s, "2"), request_type="garbage", now=local(10, 3, 9))
        lifecycle.change_status(
            s, case=closed, to_status="rejected", actor="staff", staff=agent, now=local(10, 4, 9), **CITY
        )


def chats(telegram) -> dict[int, list[str]]:
    """The first line of every message to a staff chat (8xx; residents' pushes left out), per chat."""
    out: dict[int, list[str]] = {}
    for message in telegram.sent_messages():
        if not 800 <= message.chat_id < 900:
            continue
        out.setdefault(message.chat_id, []).append(message.text.splitlines()[0])
    return out


async def test_reports_go_once_to_the_right_people(db, telegram, telegram_bot, push_limiter, jobs_settings):
    setup_city(db)
    jobs = dict(db=db, settings=jobs_settings)
    push = dict(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    # Monday 2 November 07:59: October's report is due (the 1st, 08:00), last week's not yet
    early = local(11, 2, 7, 59)
    assert await queue_due_reports(**jobs, now=lambda: early) == [
        ("monthly", date(2026, 10, 1), ""),
        ("monthly", date(2026, 10, 1), ROADS),
        ("monthly", date(2026, 10, 1), SANITATION),
    ]
    assert (await deliver_due(**push)).sent == 5  # and the push telling resident 2 their case was rejected
    city = "Monthly report, all departments: 1 Oct 2026 to 31 Oct 2026"
    assert chats(telegram) == {
        801: ["Monthly report, Roads and Highways: 1 Oct 2026 to 31 Oct 2026"],
        802: ["Monthly report, Sanitation: 1 Oct 2026 to 31 Oct 2026"],
        803: [city],
        804: [city],
    }
    roads = telegram.sent_messages(801)[0].text
    assert roads.endswith(
        "\nFull report: http://console.test/reports?period=monthly&start=2026-10-01&department=Roads+and+Highways"
    )
    assert "Received 1, resolved 0 (on time: -)." in roads
    assert await queue_due_reports(**jobs, now=lambda: early + timedelta(minutes=1, seconds=-1)) == []
    # 08:00: the week of 26 October is due; only Roads has a case open at its end
    assert await queue_due_reports(**jobs, now=lambda: local(11, 2, 8)) == [
        ("weekly", date(2026, 10, 26), ""),
        ("weekly", date(2026, 10, 26), ROADS),
    ]
    for _ in range(2):
        assert await queue_due_reports(**jobs, now=lambda: local(11, 4, 12)) == []
    assert (await deliver_due(**push)).sent == 3
    assert [len(telegram.sent_messages(chat)) for chat in (801, 802, 803, 804, 805, 806)] == [2, 1, 2, 2, 0, 0]
    assert telegram.sent_messages(803)[1].text.startswith("Weekly report, all departments: 26 Oct 2026 to 1 Nov 2026")
    assert telegram.violations == [] and telegram.duplicates() == []
    with db.transaction() as s:
        runs = list(s.scalars(select(ReportRun).order_by(ReportRun.id)))
        assert [(r.period, r.department) for r in runs] == [
            ("monthly", ""), ("monthly", ROADS), ("monthly", SANITATION), ("weekly", ""), ("weekly", ROADS),
        ]
        rows = list(s.scalars(select(Notification).where(Notification.kind == outbox.REPORT)))
        assert len(rows) == 7 and {r.status for r in rows} == {"sent"} and {r.resident_id for r in rows} == {None}


async def test_a_run_and_its_summaries_are_made_once_and_together(db, telegram, jobs_settings):
    setup_city(db)
    at = local(11, 2, 8)
    with db.transaction() as s:  # another scheduler produced the city's monthly run (and queued its summaries)
        assert report_runs.claim_run(s, period="monthly", start=date(2026, 10, 1), department="", now=at)
        assert report_runs.claim_run(s, period="monthly", start=date(2026, 10, 1), department="", now=at) is None
    queued = await queue_due_reports(db=db, settings=jobs_settings, now=lambda: at)
    assert ("monthly", date(2026, 10, 1), "") not in queued and ("monthly", date(2026, 10, 1), ROADS) in queued
    with db.transaction() as s:
        rows = list(s.scalars(select(Notification).where(Notification.kind == outbox.REPORT)))
    # Roads monthly and weekly, Sanitation monthly, the city's weekly; not the city's monthly (made elsewhere)
    assert sorted(r.chat_id for r in rows) == ["801", "801", "802", "803", "804"]
    assert await queue_due_reports(db=db, settings=jobs_settings, now=lambda: at) == []


def test_due_periods():
    due = report_runs.due_periods
    assert due(now=local(11, 2, 7, 59), timezone=TZ, report_weekday="mon", report_hour=8) == [
        ("monthly", date(2026, 10, 1), date(2026, 11, 1))
    ]
    assert due(now=local(11, 2, 8), timezone=TZ, report_weekday="mon", report_hour=8) == [
        ("weekly", date(2026, 10, 26), date(2026, 11, 2)),
        ("monthly", date(2026, 10, 1), date(2026, 11, 1)),
    ]
    # reports on Wednesdays: on Tuesday last week's is not due yet (the week before went last Wednesday)
    assert due(now=local(11, 3, 12), timezone=TZ, report_weekday="wed", report_hour=8)[0][0] == "monthly"
    assert due(now=local(11, 4, 8), timezone=TZ, report_weekday="Wednesday", report_hour=8)[0] == (
        "weekly",
        date(2026, 10, 26),
        date(2026, 11, 2),
    )
    # 1 November 07:00 in Shanghai is still 31 October in UTC: the city's calendar says October is not due yet
    assert due(now=local(11, 1, 7), timezone=TZ, report_weekday="mon", report_hour=8) == [
        ("weekly", date(2026, 10, 19), date(2026, 10, 26))
    ]
    assert due(now=local(11, 1, 8), timezone=TZ, report_weekday="mon", report_hour=8)[-1] == (
        "monthly",
        date(2026, 10, 1),
        date(2026, 11, 1),
    )


def test_report_link():
    assert report_runs.report_link("http://c/", period="weekly", start=date(2026, 10, 26), department=None) == (
        "http://c/reports?period=weekly&start=2026-10-26&department="
    )
    assert (
        report_runs.report_link(
            "http://c", period="monthly", start=date(2026, 10, 1), department="Parks & Trees", csv=True
        )
        == "http://c/reports.csv?period=monthly&start=2026-10-01&department=Parks+%26+Trees"
    )
    assert report_runs.report_link("http://c", period="weekly", start=date(2026, 10, 26), department="",
                                   area="D01-S01") == "http://c/reports?period=weekly&start=2026-10-26&department=&area=D01-S01"


async def test_an_areas_supervisors_get_their_areas_report(db, telegram, telegram_bot, push_limiter, jobs_settings):
    """A community's and a district's supervisors on Telegram get their area's figures, once per period; a grid
    worker (an agent) and an area with no supervisor on Telegram get none; the city's report is unchanged."""
    square, other_district = (31.2304, 121.4737), (31.2404, 121.4937)  # D01-S01-C02-G06, D02-S02-C01-G02
    with db.transaction() as s:
        staff(s, "csup", role="supervisor", chat_id="803")
        staff(s, "comm", role="supervisor", chat_id="810").area_code = "D01-S01-C02"
        staff(s, "comm2", role="supervisor", chat_id="811").area_code = "D01-S01-C02"
        staff(s, "dist", role="supervisor", chat_id="812").area_code = "D01"
        staff(s, "grid", role="agent", chat_id="813").area_code = "D01-S01-C02-G06"
        staff(s, "offline", role="supervisor").area_code = "D02"
        for n, (lat, lon) in enumerate([square, square, other_district]):
            lifecycle.open_case(s, resident=resident(s, str(n)), request_type="garbage", description="x",
                                latitude=lat, longitude=lon, now=local(10, 10 + n, 9), reference_prefix="HY")
    jobs = dict(db=db, settings=jobs_settings)
    at = local(11, 2, 7, 59)  # October's report is due, last week's not yet
    assert await queue_due_reports(**jobs, now=lambda: at) == [
        ("monthly", date(2026, 10, 1), ""),
        ("monthly", date(2026, 10, 1), SANITATION),
        ("monthly", date(2026, 10, 1), "area D01"),
        ("monthly", date(2026, 10, 1), "area D01-S01-C02"),
    ]
    assert await queue_due_reports(**jobs, now=lambda: at) == []
    await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    community = [telegram.sent_messages(chat)[0].text for chat in (810, 811)]
    assert community[0] == community[1]
    assert community[0].startswith("Monthly report, all departments, ")
    assert "D01-S01-C02" in community[0].splitlines()[0] and "Received 2, resolved 0" in community[0]
    assert community[0].endswith("&department=&area=D01-S01-C02")
    assert "Received 2, resolved 0" in telegram.sent_messages(812)[0].text  # D01 holds the same two
    assert "Received 3, resolved 0" in telegram.sent_messages(803)[0].text  # the city's: all three
    assert telegram.sent_messages(813) == [] and telegram.violations == []
    with db.transaction() as s:
        assert [(r.department, r.area_code) for r in s.scalars(select(ReportRun).order_by(ReportRun.id))] == [
            ("", ""), (SANITATION, ""), ("", "D01"), ("", "D01-S01-C02")]
