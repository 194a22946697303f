"""A report's figures as text: the CSV downloads (the report's and the responsiveness record's) and the few lines
Telegram carries to supervisors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from cases.reporting.figures import Report
from cases.reporting.responsiveness import Row


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


def _or_dash(value: object, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def report_summary(report: Report, link: str) -> str:
    """A few plain-text lines for Telegram, ending with the link to the full report."""
    last = report.end - timedelta(days=1)
    title = {"weekly": "Weekly report", "monthly": "Monthly report"}.get(report.period, "Report")
    answers = sum(report.satisfaction_counts.values())
    open_now = sum(report.open_by_status.values())
    oldest = f", the oldest {report.oldest_open[0].days_open} days old" if report.oldest_open else ""
    lines = [
        f"{title}, {report.department or 'all departments'}{f', {report.area_name}' if report.area_name else ''}: "
        f"{report.start:%Y-%m-%d} to {last:%Y-%m-%d}",
        f"Received {report.received}, resolved {report.resolved} (on time: {_or_dash(report.on_time_percent, '%')}).",
        f"Median first response {_or_dash(report.median_first_response_hours, ' h')}, "
        f"median resolution {_or_dash(report.median_resolution_hours, ' h')}.",
        f"Reopened {report.reopened}, escalated {report.escalated}, chased {report.chased}.",
        f"Satisfaction {_or_dash(report.satisfaction_average, '/5')} ({answers} answers).",
        f"Open at report time: {open_now}{oldest}.",
        f"Full report: {link}",
    ]
    return "\n".join(lines)
