"""The supervision circular (通报) as HTML and as an A4 PDF, in English or Chinese (WeasyPrint).

Text is the circular domain's (cases/i18n.py); dates and numbers follow the language's locale. Chinese needs a
CJK font on the machine that renders (scripts/fonts installs WenQuanYi Micro Hei), else its text prints as boxes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cases import i18n, messages
from cases.reporting import charts
from cases.reporting.areas import TRIAGE
from cases.reporting.circular import Circular, standouts
from cases.reporting.responsiveness import Row

TEMPLATES = Path(__file__).with_name("templates")
FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "DejaVu Sans", sans-serif'
# WeasyPrint draws inline SVG without the page's CSS: each chart carries its own.
CHART_STYLE = (f".bar {{ fill: #8c1d18 }} .axis {{ stroke: #777 }} "
               f"text {{ font-family: {FONTS}; font-size: 11px; fill: #222 }}")
DASH = "–"


@cache
def environment(language: str) -> Environment:
    """The circular's templates with the language's translations installed (one environment per language)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


class Words:
    """A circular's figures and names as its reader reads them: the language's words, dates and numbers."""

    def __init__(self, circular: Circular, language: str, timezone: str):
        self.circular, self.language, self.zone = circular, language, ZoneInfo(timezone)
        self.locale = i18n.babel_locale(language)

    def _(self, message: str) -> str:
        """`message` in the circular's language."""
        return i18n.translate(self.language, message)

    def count(self, value: int) -> str:
        """A whole number."""
        return format_decimal(value, locale=self.locale)

    def percent(self, value: Optional[float]) -> str:
        """A share already in percent (50.0 -> "50.0%")."""
        return DASH if value is None else format_percent(value / 100, "#,##0.0%", locale=self.locale)

    def hours(self, value: Optional[float]) -> str:
        """Hours, to one decimal."""
        if value is None:
            return DASH
        return self._("%(hours)s h") % {"hours": format_decimal(value, "#,##0.0", locale=self.locale)}

    def rating(self, value: Optional[float]) -> str:
        """An average satisfaction out of 5."""
        if value is None:
            return DASH
        return self._("%(rating)s / 5") % {"rating": format_decimal(value, "0.0#", locale=self.locale)}

    def days(self, value: float) -> str:
        """Days, to one decimal."""
        return format_decimal(value, "#,##0.0", locale=self.locale)

    def last_day(self) -> date:
        """The period's last day (its end is the day after)."""
        return self.circular.report.end - timedelta(days=1)

    def day(self, value: datetime | date, style: str = "medium") -> str:
        """A day (a moment's day in the city)."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, style, locale=self.locale)

    def period(self) -> str:
        """The circular's period: "March 2026", "2026年3月"; a week as its first and last day."""
        report = self.circular.report
        if report.period == "monthly":
            return format_skeleton("yMMMM", report.start, locale=self.locale)
        return format_interval(report.start, self.last_day(), "yMMMd", locale=self.locale)

    def department(self, name: str) -> str:
        """A department's name in the language (the catalog's)."""
        for request_type in self.circular.catalog.types:
            if request_type.department == name:
                return request_type.department_in(self.language)
        return name

    def request_type(self, code: str) -> str:
        """A request type's name in the language."""
        return self.circular.catalog.type_name(code, self.language)

    def status(self, status: str) -> str:
        """A status as residents read it in the language."""
        return messages.status_label(status, self.language)

    def area(self, code: str) -> str:
        """An area's name and code ("静安寺街道 (D01-S01)"), or the triage desk."""
        if code == TRIAGE:
            return self._("the triage desk (cases in no grid)")
        area = self.circular.area_map.get(code)
        return f"{area.name_in(self.language)} ({code})" if area else code

    def row_name(self, row: Row) -> str:
        """A record row's name: an official's, a department's (in the language), an area's."""
        if row.level == "staff":
            return row.name
        return self.department(row.key) if row.level == "department" else self.area(row.key)

    def names(self, rows: list[Row]) -> str:
        """Rows' names as a list in a sentence."""
        return self._(", ").join(self.row_name(row) for row in rows)

    def scope(self) -> str:
        """What the circular covers: the whole city, a department, an area, or both."""
        report = self.circular.report
        parts = ([self.department(report.department)] if report.department else []) + \
            ([self.area(report.area)] if report.area else [])
        return self._(", ").join(parts) if parts else self._("the whole city")


def _charts(circular: Circular, words: Words) -> dict[str, Markup]:
    """The circular's charts, drawn from the report's and the record's figures."""
    report, _ = circular.report, words._
    daily = [(f"{day.day:02d}", n) for day, n in report.daily_received]
    drawn = {
        "daily": charts.bar_chart(daily, title=_("Cases received per day"), width=640, height=180,
                                  label_every=1 if len(daily) <= 10 else 3, style=CHART_STYLE),
        "satisfaction": charts.bar_chart([(f"{n}★", report.satisfaction_counts.get(n, 0)) for n in range(1, 6)],
                                         title=_("Satisfaction ratings"), width=420, height=200, style=CHART_STYLE),
        "open": charts.bar_chart([(words.status(status), n) for status, n in report.open_by_status.items()],
                                 title=_("Cases not yet closed, by status"), width=420, height=200, style=CHART_STYLE),
    }
    on_time = [row for row in circular.departments if row.on_time_percent is not None]
    if on_time:
        drawn["departments"] = charts.row_chart(
            [(words.row_name(row), row.on_time_percent or 0.0, words.percent(row.on_time_percent)) for row in on_time],
            title=_("Share resolved on time, by department"), width=640, label_width=220, style=CHART_STYLE)
    return drawn


def render_html(circular: Circular, *, language: str, timezone: str) -> str:
    """The circular as one HTML document, its charts inline and its CSS in the page."""
    language = i18n.supported(language) or i18n.SOURCE_LANGUAGE
    words = Words(circular, language, timezone)
    context: dict[str, Any] = dict(
        c=circular, report=circular.report, w=words, language=language, charts=_charts(circular, words),
        officials=standouts(circular.officials), departments=standouts(circular.departments),
        open_now=sum(circular.report.open_by_status.values()),
        answers=sum(circular.report.satisfaction_counts.values()),
        style=Markup((TEMPLATES / "circular.css").read_text(encoding="utf-8").replace("$FONTS", FONTS)))
    return environment(language).get_template("circular.html").render(context)


def render_pdf(circular: Circular, *, language: str, timezone: str) -> bytes:
    """The circular as A4 PDF bytes (CPU-bound: well under a second for a month; run it off the event loop)."""
    import weasyprint  # imported here: it loads Pango and fonts, which only the circular needs

    html = render_html(circular, language=language, timezone=timezone)
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
