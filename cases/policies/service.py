"""Keeping policy answers: create, change, retire, list; every check in one place for the console and the loader."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.i18n import N_, Named, Text
from cases.models import PolicyAnswer, StaffUser

CODE = re.compile(r"[a-z0-9_]{2,64}")
LANGUAGES = ("en", "zh")
TEXT_FIELDS = ("title", "answer", "keywords", "examples")
LIMITS = {"title": 200, "answer": 3500, "keywords": 2000, "examples": 8000}
MAX_URL = 500
# How a refusal names the form's fields and languages to staff.
FIELD_NAMES: dict[str, Text] = {"title": N_("title"), "answer": N_("answer"), "keywords": N_("keywords"),
                                "examples": N_("example questions"),
                                "effective date": N_("effective date"), "expiry date": N_("expiry date")}
LANGUAGE_NAMES = {"en": Named("en", {"zh": "英文"}), "zh": Named("zh", {"zh": "中文"})}


class PolicyError(ValueError):
    """An answer we refuse (no text in either language, bad dates, bad link...)."""


@dataclass(frozen=True)
class PolicyEntry:
    """An answer copied out of its session: what matching indexes and what the chat shows."""

    id: int
    code: str
    titles: dict[str, str]
    answers: dict[str, str]
    keywords: dict[str, str]
    source_url: str
    effective_from: date
    expires_on: Optional[date]
    # Example questions, one a line (staff's, or none).
    examples: dict[str, str] = field(default_factory=lambda: {lang: "" for lang in LANGUAGES})

    def live_on(self, today: date) -> bool:
        """Whether it may be given today: effective_from <= today < expires_on."""
        return self.effective_from <= today and (self.expires_on is None or today < self.expires_on)

    def title_in(self, language: str) -> str:
        """The title in `language`, or in the other language when staff wrote only that one."""
        return _in(self.titles, language)

    def answer_in(self, language: str) -> str:
        """The answer in `language`, or in the other language when staff wrote only that one."""
        return _in(self.answers, language)


def _in(texts: dict[str, str], language: str) -> str:
    if texts.get(language):
        return texts[language]
    return next((texts[other] for other in LANGUAGES if texts.get(other)), "")


def entry_of(row: PolicyAnswer) -> PolicyEntry:
    """The row as a PolicyEntry."""
    return PolicyEntry(
        id=row.id, code=row.code, titles={"en": row.title_en, "zh": row.title_zh},
        answers={"en": row.answer_en, "zh": row.answer_zh}, keywords={"en": row.keywords_en, "zh": row.keywords_zh},
        source_url=row.source_url, effective_from=row.effective_from, expires_on=row.expires_on,
        examples={"en": row.examples_en or "", "zh": row.examples_zh or ""})


def as_date(value: Any, what: str) -> Optional[date]:
    """A date from a date or YYYY-MM-DD text (None for empty); PolicyError otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise PolicyError(N_("the %(what)s must be a date as YYYY-MM-DD",
                              what=FIELD_NAMES.get(what, what))) from None


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The columns to store, cleaned, or PolicyError."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        for lang in LANGUAGES:
            text = str(fields.get(f"{name}_{lang}") or "").strip()
            if name == "examples":  # one question a line, blank lines and stray spaces dropped
                text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
            if len(text) > LIMITS[name]:
                raise PolicyError(N_("the %(field)s (%(language)s) is too long (at most %(limit)s characters)",
                                     field=FIELD_NAMES[name], language=LANGUAGE_NAMES[lang],
                                     limit=format(LIMITS[name], ",")))
            values[f"{name}_{lang}"] = text
    for lang in LANGUAGES:
        if bool(values[f"title_{lang}"]) != bool(values[f"answer_{lang}"]):
            raise PolicyError(N_("give both a title and an answer in %(language)s, or neither",
                                     language=LANGUAGE_NAMES[lang]))
    if not any(values[f"answer_{lang}"] for lang in LANGUAGES):
        raise PolicyError(N_("an answer needs a title and a text in English or Chinese"))
    url = str(fields.get("source_url") or "").strip()
    if url and (len(url) > MAX_URL or not re.fullmatch(r"https?://\S+", url)):
        raise PolicyError(N_("the source link must be an http(s) address"))
    values["source_url"] = url
    effective, expires = as_date(fields.get("effective_from"), "effective date"), as_date(
        fields.get("expires_on"), "expiry date")
    if effective is None:
        raise PolicyError(N_("an answer needs the date it takes effect"))
    if expires is not None and expires <= effective:
        raise PolicyError(N_("the expiry date must come after the effective date"))
    values.update(effective_from=effective, expires_on=expires)
    return values


def create_policy(session: Session, *, code: str, fields: dict[str, Any], now: datetime,
                  staff: Optional[StaffUser] = None) -> PolicyAnswer:
    """Add an answer; PolicyError for bad data or a code already used."""
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise PolicyError(N_("the code must be 2–64 lower-case letters, digits or underscores"))
    if session.scalar(select(PolicyAnswer.id).where(PolicyAnswer.code == code)) is not None:
        raise PolicyError(N_("there is already an answer with code %(code)s", code=code))
    row = PolicyAnswer(code=code, **_checked(fields), created_at=now, updated_at=now,
                       updated_by_id=staff.id if staff is not None else None)
    session.add(row)
    session.flush()
    return row


def update_policy(session: Session, *, policy: PolicyAnswer, fields: dict[str, Any], now: datetime,
                  staff: Optional[StaffUser] = None) -> PolicyAnswer:
    """Change an answer's texts, link and dates; PolicyError for bad data (nothing changed then)."""
    for name, value in _checked(fields).items():
        setattr(policy, name, value)
    policy.updated_at, policy.updated_by_id = now, staff.id if staff is not None else None
    session.flush()
    return policy


def retire_policy(session: Session, *, policy: PolicyAnswer, now: datetime,
                  staff: Optional[StaffUser] = None) -> PolicyAnswer:
    """Stop giving an answer (kept for the record; a second retire changes nothing)."""
    if policy.retired_at is None:
        policy.retired_at = policy.updated_at = now
        policy.updated_by_id = staff.id if staff is not None else None
        session.flush()
    return policy


def get_policy(session: Session, policy_id: int) -> Optional[PolicyAnswer]:
    """One answer by id, or None."""
    return session.get(PolicyAnswer, policy_id)


def find_policy(session: Session, *, code: str) -> Optional[PolicyAnswer]:
    """One answer by code, or None."""
    return session.scalar(select(PolicyAnswer).where(PolicyAnswer.code == code))


def list_policies(session: Session, *, include_retired: bool = True) -> list[PolicyAnswer]:
    """Every answer, live ones first then by code."""
    query = select(PolicyAnswer).order_by(PolicyAnswer.retired_at.is_not(None), PolicyAnswer.code)
    if not include_retired:
        query = query.where(PolicyAnswer.retired_at.is_(None))
    return list(session.scalars(query))


def count_policies(session: Session) -> int:
    """How many answers there are, retired ones included."""
    return len(session.scalars(select(PolicyAnswer.id)).all())
