"""Questions a request type asks beyond the description, place and photo (Open311 calls them attributes).

The catalog gives each question a code, an Open311 datatype, whether it is required, its order, its text
in residents' languages and, for lists, its choices. The chat asks them, staff read the answers on the
case, Open311 serves them as the service definition. Answers are stored as `{code: value}`: a string
(a choice's key, a number, an ISO date) or, for a multiple-choice question, a list of keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAX_LENGTH = {"string": 200, "text": 2000}
Answer = str | list[str]
_SEPARATORS = re.compile(r"[,，、;；/]|\s+and\s+|\s*和\s*")
_PUNCTUATION = re.compile(r"[\s.。!！?？:：'\"“”‘’()（）\[\]【】-]+")


class InvalidAnswer(ValueError):
    """An answer a question cannot take; `problem` says why (a key of PROBLEMS)."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem


# Why an answer was refused, in words for an API client (the chat has its own responses, by problem).
PROBLEMS = {
    "required": "this question must be answered",
    "choice": "not one of the question's values",
    "number": "not a number",
    "datetime": "not a date and time in ISO 8601 (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
    "too_long": "too long",
    "empty": "empty",
    "unknown": "not a question of this request type",
}


def _words(text: str) -> str:
    """Text compared loosely: case, spaces and punctuation do not count."""
    return _PUNCTUATION.sub("", text).casefold()


@dataclass(frozen=True)
class Choice:
    """One of a list question's values: a key stored and sent, and its name in residents' languages."""

    key: str
    names: Mapping[str, str] = field(hash=False, compare=False)

    def name_in(self, language: Optional[str]) -> str:
        """The name in `language` (English when the catalog lacks it)."""
        return self.names.get(language or "en") or self.names["en"]

    def matches(self, text: str) -> bool:
        """Whether typed `text` names this choice (its key or its name in any language)."""
        typed = _words(text)
        return bool(typed) and typed in {_words(self.key), *(_words(name) for name in self.names.values())}


@dataclass(frozen=True)
class Question:
    """One extra question of a request type."""

    code: str
    datatype: str
    required: bool
    order: int
    texts: Mapping[str, str] = field(hash=False, compare=False)
    choices: tuple[Choice, ...] = ()

    def text_in(self, language: Optional[str]) -> str:
        """The question in `language` (English when the catalog lacks it)."""
        return self.texts.get(language or "en") or self.texts["en"]

    def choice(self, key: str) -> Choice:
        """The choice with this key; InvalidAnswer if there is none."""
        for choice in self.choices:
            if choice.key == key:
                return choice
        raise InvalidAnswer("choice", key)

    def check(self, value: object) -> Answer:
        """A stored answer from an API value or a chat button: exact keys, numbers and ISO dates only."""
        if self.datatype == "multivaluelist":
            values = value if isinstance(value, (list, tuple)) else [value]
            keys = [self.choice(str(v).strip()).key for v in values if str(v).strip()]
            if not keys:
                raise InvalidAnswer("empty")
            return list(dict.fromkeys(keys))
        text = str(value).strip() if value is not None else ""
        if not text:
            raise InvalidAnswer("empty")
        if self.datatype == "singlevaluelist":
            return self.choice(text).key
        return self._typed_value(text)

    def parse(self, text: str) -> Answer:
        """A stored answer from what a resident typed: a choice by key, name in any language or number."""
        text = text.strip()
        if not text:
            raise InvalidAnswer("empty")
        if self.datatype in LISTS:
            parts = [text] if self.datatype == "singlevaluelist" else [p for p in _SEPARATORS.split(text) if p.strip()]
            keys = [self._choice_typed(part).key for part in parts]
            return keys[0] if self.datatype == "singlevaluelist" else list(dict.fromkeys(keys))
        return self._typed_value(text)

    def show(self, value: Answer, language: Optional[str]) -> str:
        """An answer in words for a reader of `language`."""
        if self.datatype in LISTS:
            keys = value if isinstance(value, list) else [value]
            names = []
            for key in keys:
                try:
                    names.append(self.choice(key).name_in(language))
                except InvalidAnswer:  # a value since removed from the catalog: shown as stored
                    names.append(key)
            return ", ".join(names)
        return str(value)

    def _choice_typed(self, text: str) -> Choice:
        for choice in self.choices:
            if choice.matches(text):
                return choice
        number = text.strip().rstrip(".)、")
        if number.isdigit() and 1 <= int(number) <= len(self.choices):
            return self.choices[int(number) - 1]
        raise InvalidAnswer("choice", text)

    def _typed_value(self, text: str) -> str:
        if self.datatype == "number":
            try:
                number = float(text.replace(",", ""))
            except ValueError:
                raise InvalidAnswer("number", text) from None
            if number != number or number in (float("inf"), float("-inf")):
                raise InvalidAnswer("number", text)
            return str(int(number)) if number.is_integer() else repr(number)
        if self.datatype == "datetime":
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
            except ValueError:
                raise InvalidAnswer("datetime", text) from None
        if len(text) > MAX_LENGTH[self.datatype]:
            raise InvalidAnswer("too_long", text[:40])
        return text


class InvalidAnswers(ValueError):
    """Answers to a request type's questions that cannot be taken: {question code: problem}."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{code}: {PROBLEMS.get(p, p)}" for code, p in problems.items()))
        self.problems = dict(problems)


def check_answers(questions: tuple[Question, ...], answers: Mapping[str, object], *,
                  require: bool = True) -> dict[str, Answer]:
    """Every answer checked against its question and (`require`) every required question answered;
    InvalidAnswers if not."""
    by_code = {q.code: q for q in questions}
    checked: dict[str, Answer] = {}
    problems: dict[str, str] = {}
    for code, value in answers.items():
        if code not in by_code:
            problems[code] = "unknown"
            continue
        if value is None or value == "" or value == []:
            continue
        try:
            checked[code] = by_code[code].check(value)
        except InvalidAnswer as refused:
            problems[code] = refused.problem
    for question in questions:
        if require and question.required and question.code not in checked and question.code not in problems:
            problems[question.code] = "required"
    if problems:
        raise InvalidAnswers(problems)
    return checked


def parse_questions(entries: object, *, where: str) -> tuple[Question, ...]:
    """A request type's questions from the catalog file, in their order; ValueError names what is wrong."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ValueError(f"{where}: questions must be a list")
    questions = []
    for position, entry in enumerate(entries, start=1):
        code = str(entry.get("code") or "")
        label = f"{where}.{code or position}"
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            raise ValueError(f"{label}: a question needs a code of lowercase letters, digits and _")
        datatype = entry.get("datatype")
        if datatype not in DATATYPES:
            raise ValueError(f"{label}: datatype must be one of {', '.join(DATATYPES)}")
        texts = _texts(entry.get("text"), f"{label}.text")
        choices = tuple(Choice(key=str(c["key"]), names=_texts(c.get("name"), f"{label}.{c['key']}"))
                        for c in entry.get("values") or [])
        if (datatype in LISTS) != bool(choices):
            raise ValueError(f"{label}: list questions, and only they, have values")
        if not all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", c.key) for c in choices):
            # A button sends the key back (bot.inbound checks it has this shape).
            raise ValueError(f"{label}: value keys are 1-40 letters, digits, _ or -")
        if len({c.key for c in choices}) != len(choices):
            raise ValueError(f"{label}: duplicate value keys")
        questions.append(Question(code=code, datatype=datatype, required=bool(entry.get("required", False)),
                                  order=int(entry.get("order", position)), texts=texts, choices=choices))
    if len({q.code for q in questions}) != len(questions):
        raise ValueError(f"{where}: duplicate question codes")
    return tuple(sorted(questions, key=lambda q: q.order))


def _texts(value: object, where: str) -> dict[str, str]:
    """{language: text} with English present."""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"].strip():
        raise ValueError(f"{where}: expected {{en: text, ...}}")
    return {str(language): str(text).strip() for language, text in value.items()}
