"""The console's languages: which one a request is shown in, messages that are translated where they are shown,
and the Jinja callables and filters that read the language from each page's own context.

The Jinja environment is shared by every request at once, so nothing here installs translations globally: the
language travels in the template context (`language`) and in `request.state` (cases/i18n.py holds the catalogues).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from cases import i18n
from cases.i18n import N_, Text, shown_in  # noqa: F401  (the domain's; web code imports them from here)

# What staff choose between in the language menus; None is "as my browser asks".
CHOICES = {"en": "English", "zh": "中文"}
# The <html lang> of each language.
HTML_LANG = {"en": "en", "zh": "zh-CN"}


def language_of(request: Request) -> str:
    """The language this request is shown in: the staff member's own, else the browser's, else the console's."""
    staff = getattr(request.state, "staff", None)
    default = request.app.state.console.settings.staff_language
    return i18n.language_for(getattr(staff, "language", None), request.headers.get("accept-language"), default)


# ---- in templates: every function reads the page's own `language` --------------------------------------------


def _language(context: Context) -> str:
    return str(context.get("language") or i18n.SOURCE_LANGUAGE)


@pass_context
def gettext(context: Context, message: str) -> str:
    """Jinja's `_()` and `{% trans %}`: `message` in the page's language."""
    return i18n.translate(_language(context), message)


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    """Jinja's plural `{% trans count=n %}`: the form for `n` in the page's language."""
    return i18n.translate_plural(_language(context), singular, plural, n)


def local_time(language: str, value: Optional[datetime], zone: ZoneInfo) -> str:
    """A moment in the city's time zone, to the minute, as the staff's locale writes it."""
    if value is None:
        return ""
    moment = value.astimezone(zone)
    if language == i18n.SOURCE_LANGUAGE:  # English staff have always read ISO dates: kept
        return moment.strftime("%Y-%m-%d %H:%M")
    locale = i18n.babel_locale(language)
    return f"{format_date(moment.date(), 'long', locale=locale)} {format_time(moment.time(), 'HH:mm', locale=locale)}"


def local_day(language: str, value: Optional[datetime | date], zone: ZoneInfo) -> str:
    """A date (or a moment's date in the city's time zone) as the staff's locale writes it."""
    if value is None:
        return ""
    day = value.astimezone(zone).date() if isinstance(value, datetime) else value
    if language == i18n.SOURCE_LANGUAGE:
        return day.isoformat()
    return format_date(day, "long", locale=i18n.babel_locale(language))


@pass_context
def number(context: Context, value: Optional[float], digits: int = 0) -> str:
    """A count or a figure with `digits` decimals, grouped as the staff's locale groups them."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=i18n.babel_locale(_language(context)))


@pass_context
def percent(context: Context, value: Optional[float]) -> str:
    """A percentage (given as 0-100) in the staff's locale."""
    if value is None:
        return "–"
    return format_percent(value / 100, "#,##0%", locale=i18n.babel_locale(_language(context)))
