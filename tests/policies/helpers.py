"""Answers for tests: made through the service, with dates relative to a given day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from cases.policies import service

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


def fields(*, title_en: str = "", answer_en: str = "", keywords_en: str = "", title_zh: str = "", answer_zh: str = "",
           keywords_zh: str = "", examples_en: str = "", examples_zh: str = "", effective_from: Optional[date] = None,
           expires_on: Optional[date] = None,
           source_url: str = "https://www.example.gov/x") -> dict[str, Any]:
    """The fields of an answer, effective for a year before TODAY unless told."""
    return dict(title_en=title_en, answer_en=answer_en, keywords_en=keywords_en, title_zh=title_zh,
                answer_zh=answer_zh, keywords_zh=keywords_zh, examples_en=examples_en, examples_zh=examples_zh,
                source_url=source_url,
                effective_from=effective_from or TODAY - timedelta(days=365), expires_on=expires_on)


def add(session, code: str, **kwargs: Any):
    """Create an answer; the row."""
    return service.create_policy(session, code=code, fields=fields(**kwargs), now=NOW)
