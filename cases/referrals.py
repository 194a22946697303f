"""Referrals, loaded from `referrals.yml`: where to go instead, for matters that are not the city's to file.

A message the assistant reads as not the city's public-space work (`out_of_scope`) gets the answer of the
first topic whose keywords it mentions (`referral_for`); a few phrases, such as a smell of gas, are answered
at once whatever else the message says (`urgent_referral_for`), before it is read as anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from cases.guards.cleaning import simplified

REFERRALS_FILE = Path(__file__).with_name("referrals.yml")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _pattern(phrases: Sequence[str]) -> Optional[re.Pattern[str]]:
    """English phrases as whole words (any case, any spacing), Chinese ones anywhere."""
    parts = []
    for phrase in phrases:
        words = r"\s+".join(re.escape(word) for word in str(phrase).split())
        parts.append(words if HAN.search(str(phrase)) else rf"(?<![\w']){words}(?![\w'])")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class Topic:
    """One matter and where residents should take it."""

    code: str
    answers: Mapping[str, str] = field(hash=False, compare=False)
    keywords: Optional[re.Pattern[str]] = field(default=None, hash=False, compare=False)
    urgent: Optional[re.Pattern[str]] = field(default=None, hash=False, compare=False)

    def answer_in(self, language: Optional[str]) -> str:
        """The answer in `language` (English when the file lacks it)."""
        return self.answers.get(language or "en") or self.answers["en"]

    def mentioned_in(self, text: str) -> bool:
        return bool(self.urgent and self.urgent.search(text)) or bool(self.keywords and self.keywords.search(text))


def _phrases(by_language: Optional[Mapping[str, Sequence[str]]]) -> list[str]:
    return [phrase for phrases in (by_language or {}).values() for phrase in phrases or ()]


def parse_referrals(text: str) -> tuple[Topic, ...]:
    """The topics of a referrals file; ValueError if a topic lacks its code or its English answer."""
    topics = []
    for raw in (yaml.safe_load(text) or {}).get("topics") or []:
        if not raw.get("code") or not (raw.get("answer") or {}).get("en"):
            raise ValueError(f"referral topic {raw.get('code')!r} needs a code and an English answer")
        answers = {language: " ".join(str(answer).split()) for language, answer in raw["answer"].items()}
        topics.append(Topic(str(raw["code"]), answers, _pattern(_phrases(raw.get("keywords"))),
                            _pattern(_phrases(raw.get("urgent")))))
    return tuple(topics)


@lru_cache(maxsize=4)
def load_referrals(path: Path = REFERRALS_FILE) -> tuple[Topic, ...]:
    """The referral topics from their data file (read once per process)."""
    return parse_referrals(path.read_text(encoding="utf-8"))


def referral_for(text: str, topics: Optional[Sequence[Topic]] = None) -> Optional[Topic]:
    """The first topic the message mentions (urgent phrases or keywords), or None; traditional characters too."""
    plain = simplified(text or "")
    return next((topic for topic in (topics or load_referrals()) if topic.mentioned_in(plain)), None)


def urgent_referral_for(text: str, topics: Optional[Sequence[Topic]] = None) -> Optional[Topic]:
    """The topic whose urgent phrase the message contains (a smell of gas), or None; traditional characters too."""
    plain = simplified(text or "")
    return next((topic for topic in (topics or load_referrals()) if topic.urgent and topic.urgent.search(plain)),
                None)
