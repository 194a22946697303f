"""Staff-facing text in the staff's language: gettext catalogues under locale/, read through Babel.

English is the source language (the msgids); each other language has one catalogue per domain in
locale/<language>/LC_MESSAGES/<domain>.po. The catalogues are compiled in memory the first time a language is
asked for, so the repository holds no compiled files and there is no build step. Domains split the strings
by where they are read:
- console: the web console's pages, forms, flash messages and errors (web/);
- notices: what the domain (cases/, jobs/) says to staff: alerts and report summaries on Telegram or WeChat,
  and the refusals the console shows (raised as `N_("...", name=value)`, a Text);
- circular: the monthly supervision circular (通报) as a PDF.
In Python, `translate(language, "text")` where the language is known, `N_("text")` where a string is defined
and read later; in templates, `{% trans %}` and `_()` (jinja2.ext.i18n).
`make translations` extracts each domain's strings (locale/<domain>.cfg says from where) and updates the
catalogues; tests/i18n fails when a staff-facing string has no translation.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Optional

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
SOURCE_LANGUAGE = "en"
# The languages staff may read; the first is the default when nothing else says.
LANGUAGES = ("en", "zh")
DOMAINS = ("console", "notices", "circular")
# What marks a string for extraction in Python besides gettext's own names (`make translations`, tests/i18n):
# translate(language, "text") and translate_plural(language, "one", "many", n).
KEYWORDS = {"translate": (2,), "translate_plural": (2, 3)}
# Babel's locale for each language: formats of dates and numbers.
BABEL_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}


def catalogue_path(language: str, domain: str) -> Path:
    """Where a language's catalogue for a domain lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(language: str) -> NullTranslations:
    """Every domain's translations into `language`, merged (English and unknown languages: the msgids)."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    merged: Optional[Translations] = None
    for domain in DOMAINS:
        path = catalogue_path(language, domain)
        if not path.exists():
            continue
        with path.open("rb") as po:
            catalog = read_po(po, locale=BABEL_LOCALES[language], domain=domain)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # fuzzy entries are left out: an unchecked translation shows English
        compiled.seek(0)
        loaded = Translations(compiled, domain=domain)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged if merged is not None else NullTranslations()


class Text(str):
    """A message for staff: English as the str (logs, tests, callers that do not care), translated where it is read."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, values: Optional[Mapping[str, Any]] = None) -> Text:
        values = dict(values or {})
        made = super().__new__(cls, msgid % values if values else msgid)
        made.msgid, made.values = msgid, values
        return made

    def in_language(self, language: str) -> str:
        """The message in `language` (English where the catalogue lacks it), values that are Text in it too."""
        text = translate(language, self.msgid)
        if not self.values:
            return text
        return text % {name: value.in_language(language) if isinstance(value, Text) else value
                       for name, value in self.values.items()}


class Named(Text):
    """The name of a thing (a status, a request type) in each staff language; the English name as the str."""

    names: dict[str, str]

    def __new__(cls, english: str, names: Optional[Mapping[str, str]] = None) -> Named:
        made = str.__new__(cls, english)
        made.msgid, made.values, made.names = english, {}, dict(names or {})
        return made

    def in_language(self, language: str) -> str:
        """The name in `language` (the English, the str itself, where there is none)."""
        return str(self) if language == SOURCE_LANGUAGE else self.names.get(language) or str(self)


def N_(message: str, **values: Any) -> Text:
    """Mark a message for translation where it is defined (`make translations` finds it); it is translated where it
    is read, its `%(name)s` placeholders filled from `values`. The English is the str."""
    return Text(message, values)


def shown_in(message: object, language: str) -> str:
    """A message as staff read it: a Text translated, anything else as it is."""
    return message.in_language(language) if isinstance(message, Text) else str(message)


def translate(language: str, message: str) -> str:
    """`message` in `language` (itself if untranslated)."""
    return translations(language).gettext(message)


def translate_plural(language: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in `language`."""
    return translations(language).ngettext(singular, plural, n)


def babel_locale(language: str) -> Locale:
    """Babel's locale for a staff language, for dates and numbers."""
    return Locale.parse(BABEL_LOCALES.get(language, BABEL_LOCALES[SOURCE_LANGUAGE]))


def supported(language: Optional[str]) -> Optional[str]:
    """`language` if staff may read it ("zh-CN" and "zh_Hant" count as "zh"), else None."""
    if not language:
        return None
    base = language.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def accept_language_tags(header: Optional[str]) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (by q-value, then order; q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0 and tag.strip():  # q=0 means "not this one"
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def from_accept_language(header: Optional[str]) -> Optional[str]:
    """The best staff language a browser's Accept-Language header asks for (None: none)."""
    return next((lang for lang in map(supported, accept_language_tags(header)) if lang is not None), None)


def language_for(preferred: Optional[str], accept_language: Optional[str] = None,
                 default: str = SOURCE_LANGUAGE) -> str:
    """The language to show a member of staff: their own setting, else their browser's, else the default."""
    return supported(preferred) or from_accept_language(accept_language) or supported(default) or SOURCE_LANGUAGE

