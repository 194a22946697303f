"""Weekly and monthly reports for supervisors: each run once per period and department, its summaries (Telegram,
WeChat; in each reader's language, the monthly one naming the slowest officials) queued in the outbox in the same
transaction (the outbox's senders deliver them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime

from cases.areas import routing
from cases.clock import utcnow
from cases.reporting import export
from cases.reporting import figures as reports
from cases.reporting import runs as report_runs
from cases.reporting.responsiveness import responsiveness
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)


def _queue(db: Database, settings: Settings, now: datetime) -> list[tuple[str, date, str, int]]:
    """Produce every due run not produced yet and queue its summary; (period, start, scope, messages), the scope
    being "" for the city, a department's name, or "area <code>"."""
    queued = []
    with db.transaction() as session:
        areas = routing.router().areas
        for period, start, end in report_runs.due_periods(now=now, timezone=settings.timezone,
                                                          report_weekday=settings.report_weekday,
                                                          report_hour=settings.report_hour):
            departments = report_runs.report_departments(session, start=start, end=end, timezone=settings.timezone)
            scopes = [("", ""), *((department, "") for department in departments),
                      *(("", area) for area in report_runs.report_areas(session, areas))]
            for department, area in scopes:
                run = report_runs.claim_run(session, period=period, start=start, department=department, area=area,
                                            now=now)
                if run is None:
                    continue
                report = reports.build_report(session, period=period, start=start, end=end,
                                              department=department or None, area=area or None, areas=areas,
                                              timezone=settings.timezone, now=now)
                link = report_runs.report_link(settings.console_public_url, period=period, start=start,
                                               department=department, area=area)
                officials = (responsiveness(session, period=period, start=start, end=end, timezone=settings.timezone,
                                            by="staff", department=department or None, area=area or None,
                                            areas=areas, now=now) if period == "monthly" else None)

                # Bound now: the loop goes on before queue_report calls it.
                def summary(language: str, report=report, link=link, officials=officials) -> str:
                    return export.report_summary(report, link, language=language, responsiveness=officials,
                                                 areas=areas)

                count = report_runs.queue_report(session, run=run, text=summary,
                                                 default_language=settings.staff_language)
                queued.append((period, start, f"area {area}" if area else department, count))
    return queued


async def queue_due_reports(*, db: Database, settings: Settings,
                            now: Callable[[], datetime] = utcnow) -> list[tuple[str, date, str]]:
    """Queue the reports that are due; returns (period, start, scope) of each run produced (see _queue)."""
    queued = await asyncio.to_thread(_queue, db, settings, now())
    for period, start, scope, count in queued:
        log.info("%s report from %s for %s queued to %d chat(s)", period, start, scope or "the city", count)
    return [(period, start, scope) for period, start, scope, _ in queued]
