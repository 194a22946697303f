"""Texts staff read in their own language, kept as data until read: a message marked with N_ and its parameters.

Parameters are JSON-ready, so an alert can store them and be read in any language later (cases/staff/alerts.py):
- a string is shown as it is (a case reference, a grid code, a username);
- a whole number or a decimal is formatted for the reader's locale (babel);
- `day(d)` is a calendar day, formatted for the reader's locale;
- `names(...)` is a name per language (a request type's, a department's, an area's), English where one lacks;
- `phrase(message, ...)` is a message of its own with its parameters (e.g. who answers at an escalation rung).
Messages use %(name)s placeholders, as gettext catalogues expect.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Optional

from babel.dates import format_date
from babel.numbers import format_decimal

from cases import i18n, messages
from cases.catalog import Catalog

Params = Mapping[str, Any]


def day(value: date) -> dict[str, str]:
    """A calendar day, shown in the reader's locale."""
    return {"date": value.isoformat()}


def names(name_in: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """A name in every staff language, from a function giving it in one."""
    return {"names": {language: name_in(language) for language in i18n.LANGUAGES}}


def phrase(message: str, **params: Any) -> dict[str, Any]:
    """A message (marked with N_) and its parameters, shown as one parameter of another message."""
    return {"message": message, "params": params}


def status(value: str) -> dict[str, dict[str, str]]:
    """A case status's name in every staff language."""
    return names(lambda language: messages.status_label(value, language))


def request_type(catalog: Catalog, code: Optional[str]) -> dict[str, dict[str, str]]:
    """A request type's name in every staff language (a type since removed: its code)."""
    return names(lambda language: catalog.type_name(code, language))


def department(catalog: Catalog, name: str, type_code: Optional[str] = None) -> dict[str, dict[str, str]]:
    """A department's name in every staff language: the catalog's, when a type of that department has one."""
    kinds = [kind for kind in catalog.types if kind.department == name]
    kinds.sort(key=lambda kind: kind.code != type_code)  # the case's own type first
    return names(lambda language: next((kind.department_in(language) for kind in kinds), name))


def date_text(value: date, language: str) -> str:
    """A calendar day as staff read it in `language` (e.g. 9 Mar 2026, 2026年3月9日)."""
    return format_date(value, format="medium", locale=i18n.babel_locale(language))


def number_text(value: float, language: str) -> str:
    """A number as staff read it in `language` (grouping and decimal marks of their locale)."""
    return format_decimal(value, locale=i18n.babel_locale(language))


def shown(value: Any, language: str) -> str:
    """One parameter as `language` shows it (see the module docstring)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return number_text(value, language)
    if isinstance(value, Mapping):
        if "date" in value:
            return date_text(date.fromisoformat(value["date"]), language)
        if "names" in value:
            return str(value["names"].get(language) or value["names"].get(i18n.SOURCE_LANGUAGE, ""))
        if "message" in value:
            return render(value["message"], value.get("params") or {}, language)
    return str(value)


def render(message: str, params: Params, language: str) -> str:
    """The message in `language` with its parameters shown in that language."""
    text = i18n.translate(language, message)
    return text % {name: shown(value, language) for name, value in params.items()} if params else text


def dumps(params: Params) -> str:
    """Parameters as stored (JSON, readable Chinese kept as it is)."""
    return json.dumps(dict(params), ensure_ascii=False, sort_keys=True)


def loads(stored: Optional[str]) -> dict[str, Any]:
    """Stored parameters back (none: empty)."""
    loaded: dict[str, Any] = json.loads(stored) if stored else {}
    return loaded
