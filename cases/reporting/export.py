"""A report's figures as text: the CSV downloads (the report's and the responsiveness record's) and the few lines
Telegram or WeChat carries to supervisors, in each one's language."""

from __future__ import annotations

import csv
import functools
import io
from datetime import timedelta
from typing import Optional

from babel.numbers import format_percent

from cases import i18n
from cases.areas.areas import AreaMap
from cases.catalog import Catalog, load_catalog
from cases.i18n import N_, translate, translate_plural
from cases.reporting.areas import TRIAGE
from cases.reporting.figures import Report
from cases.reporting.responsiveness import Row
from cases.staff.wording import date_text, department, number_text, shown

PERIOD_TITLES = {"weekly": N_("Weekly report"), "monthly": N_("Monthly report")}


def _value(value: object) -> str:
    return "" if value is None else str(value)


def report_csv(report: Report) -> str:
    """The report as one CSV document: a row per figure (section, metric, value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "metric", "value"])
    summary = [
        ("period", report.period), ("start", report.start.isoformat()),
        ("last_day", (report.end - timedelta(days=1)).isoformat()),
        ("department", report.department or "All departments"),
        ("area", report.area_name or "All areas"),
        ("received", report.received), ("resolved", report.resolved), ("on_time_percent", report.on_time_percent),
        ("median_first_response_hours", report.median_first_response_hours),
        ("median_resolution_hours", report.median_resolution_hours), ("reopened", report.reopened),
        ("escalated", report.escalated), ("chased", report.chased),
        ("satisfaction_average", report.satisfaction_average),
    ]
    writer.writerows(("summary", name, _value(value)) for name, value in summary)
    writer.writerows(("satisfaction_count", str(n), count) for n, count in sorted(report.satisfaction_counts.items()))
    writer.writerows(("open_by_status", status, count) for status, count in report.open_by_status.items())
    writer.writerows(("received_by_type", name, received) for name, received, _ in report.by_type)
    writer.writerows(("resolved_by_type", name, resolved) for name, _, resolved in report.by_type)
    writer.writerows(("daily_received", day.isoformat(), count) for day, count in report.daily_received)
    writer.writerows(("oldest_open_days", line.reference, line.days_open) for line in report.oldest_open)
    writer.writerows((f"received_by_{line.level}", line.code, line.received) for line in report.by_area)
    writer.writerows((f"open_by_{line.level}", line.code, line.open) for line in report.by_area)
    return out.getvalue()


RESPONSIVENESS_COLUMNS = ("level", "key", "name", "handled", "received", "median_first_response_hours", "resolved",
                          "on_time_percent", "reopened", "reopen_rate_percent", "chased", "satisfaction_average",
                          "satisfaction_answers")


def responsiveness_csv(rows: list[Row]) -> str:
    """The responsiveness record as one CSV table: a row per official, department or area."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESPONSIVENESS_COLUMNS)
    writer.writerows([_value(getattr(row, column)) for column in RESPONSIVENESS_COLUMNS] for row in rows)
    return out.getvalue()


def _or_dash(value: Optional[str]) -> str:
    return "-" if value is None else value


def _hours(value: Optional[float], language: str) -> Optional[str]:
    """Hours for `language` ("2.5 h", "2.5 小时"), None if there is no figure."""
    return None if value is None else translate(language, "%(hours)s h") % {"hours": number_text(value, language)}


def _percent(value: Optional[float], language: str) -> Optional[str]:
    """A percentage (as figures.py gives it, 0-100) in `language`'s locale, None if there is no figure."""
    return None if value is None else format_percent(value / 100, "#,##0.#%", locale=i18n.babel_locale(language))


def _scope(report: Report, language: str, catalog: Catalog, areas: Optional[AreaMap]) -> str:
    """Whose report it is, in `language`: the department (or all) and the area, if any."""
    scope = (shown(department(catalog, report.department), language) if report.department
             else translate(language, "all departments"))
    if report.area == TRIAGE:
        triage = translate(language, "the triage desk")
        return f"{scope}, {triage}"
    area = areas.get(report.area) if areas is not None and report.area else None
    name = f"{area.name_in(language)} ({area.code})" if area is not None else report.area_name
    return f"{scope}, {name}" if name else scope


def responsiveness_lines(rows: list[Row], language: str) -> list[str]:
    """The monthly summary's word on officials (the responsiveness record, by staff): who was slowest to a first
    response and who resolved the smallest share on time; nothing without figures."""
    lines = []
    timed = [row for row in rows if row.median_first_response_hours is not None]
    if timed:
        slow = max(timed, key=lambda row: (row.median_first_response_hours or 0, row.name.casefold()))
        lines.append(translate(language, "Slowest first response: %(name)s, median %(hours)s.") % {
            "name": slow.name, "hours": _hours(slow.median_first_response_hours, language)})
    rated = [row for row in rows if row.on_time_percent is not None]
    if rated:
        late = min(rated, key=lambda row: (row.on_time_percent or 0, row.name.casefold()))
        lines.append(translate(language, "Lowest share on time: %(name)s, %(percent)s of %(resolved)s resolved.") % {
            "name": late.name, "percent": _percent(late.on_time_percent, language),
            "resolved": number_text(late.resolved, language)})
    return lines


def report_summary(report: Report, link: str, *, language: str = i18n.SOURCE_LANGUAGE,
                   responsiveness: Optional[list[Row]] = None, catalog: Optional[Catalog] = None,
                   areas: Optional[AreaMap] = None) -> str:
    """A few plain-text lines for Telegram or WeChat in `language`, dates and numbers in its locale, ending with
    the link to the full report; with the officials' `responsiveness` rows, who was slowest and least on time."""
    n = functools.partial(number_text, language=language)
    title = translate(language, PERIOD_TITLES.get(report.period, N_("Report")))
    answers = sum(report.satisfaction_counts.values())
    open_now = n(sum(report.open_by_status.values()))
    average = report.satisfaction_average
    lines = [
        translate(language, "%(title)s, %(scope)s: %(first)s to %(last)s") % {
            "title": title, "scope": _scope(report, language, catalog or load_catalog(), areas),
            "first": date_text(report.start, language), "last": date_text(report.end - timedelta(days=1), language)},
        translate(language, "Received %(received)s, resolved %(resolved)s (on time: %(on_time)s).") % {
            "received": n(report.received), "resolved": n(report.resolved),
            "on_time": _or_dash(_percent(report.on_time_percent, language))},
        translate(language, "Median first response %(first_response)s, median resolution %(resolution)s.") % {
            "first_response": _or_dash(_hours(report.median_first_response_hours, language)),
            "resolution": _or_dash(_hours(report.median_resolution_hours, language))},
        translate(language, "Reopened %(reopened)s, escalated %(escalated)s, chased %(chased)s.") % {
            "reopened": n(report.reopened), "escalated": n(report.escalated), "chased": n(report.chased)},
        translate_plural(language, "Satisfaction %(average)s (%(answers)s answer).",
                         "Satisfaction %(average)s (%(answers)s answers).", answers) % {
            "average": "-" if average is None else f"{n(average)}/5", "answers": n(answers)},
        (translate(language, "Open at report time: %(open)s, the oldest %(days)s days old.") % {
            "open": open_now, "days": n(report.oldest_open[0].days_open)} if report.oldest_open
         else translate(language, "Open at report time: %(open)s.") % {"open": open_now}),
        *responsiveness_lines(responsiveness or [], language),
        translate(language, "Full report: %(link)s") % {"link": link},
    ]
    return "\n".join(lines)
