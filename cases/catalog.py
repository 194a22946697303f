"""The request catalog, loaded from `catalog.yml`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from cases.questions import Question, parse_questions

CATALOG_FILE = Path(__file__).with_name("catalog.yml")
DEFAULT_DUPLICATE_RADIUS_M = 50
FIRST_HANDLERS = ("grid", "department")  # who works a case first: its grid's worker, or the department
# The rungs an overdue case can climb (cases/areas/ladder.py), in the only order they may come in a ladder.
RUNGS = ("grid", "department", "department_supervisor", "community", "subdistrict", "district", "city")


@dataclass(frozen=True)
class RequestType:
    """One kind of request a resident can file."""

    code: str
    name: str
    description: str
    department: str
    target_days: int
    # Residents' words for the name and the department in other languages than English ("zh": ...).
    names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    department_names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    keywords: str = ""  # comma-separated synonyms, for Open311 clients
    # Asked after the place, in order (cases/questions.py); Open311 serves them as the service definition.
    questions: tuple[Question, ...] = field(default=(), hash=False, compare=False)
    # How close (metres) an open case of this type must be to be offered as "already reported" (cases/nearby.py).
    duplicate_radius_m: int = DEFAULT_DUPLICATE_RADIUS_M
    # "grid": the grid worker works it first and it escalates up the areas; "department": the department does.
    first_handler: str = "department"
    # The rungs an overdue case of this type climbs when it has a grid; () for the default of its first handler
    # (cases/areas/ladder.py). A city sets its own: `ladder: [grid, subdistrict, city]`.
    ladder: tuple[str, ...] = ()

    def name_in(self, language: Optional[str]) -> str:
        """The name residents read in `language` (English, `name`, when the catalog lacks that language)."""
        return self.names.get(language or "en") or self.name

    def department_in(self, language: Optional[str]) -> str:
        """The department's name in `language` (English when the catalog lacks that language)."""
        return self.department_names.get(language or "en") or self.department

    @property
    def intent(self) -> str:
        """The Rasa intent that files this request type."""
        return f"report_{self.code}"

    def due_at(self, created_at: datetime) -> datetime:
        """When a case of this type, created at `created_at`, should be resolved."""
        return created_at + timedelta(days=self.target_days)


class UnknownRequestType(KeyError):
    """A request type code that is not in the catalog."""


@dataclass(frozen=True)
class Catalog:
    """All request types, in menu order."""

    types: tuple[RequestType, ...]

    def get(self, code: str) -> RequestType:
        """The request type with this code; raises UnknownRequestType."""
        for request_type in self.types:
            if request_type.code == code:
                return request_type
        raise UnknownRequestType(code)

    def __contains__(self, code: object) -> bool:
        return any(t.code == code for t in self.types)

    def codes(self) -> list[str]:
        """Every code, in menu order."""
        return [t.code for t in self.types]

    def type_name(self, code: Optional[str], language: Optional[str] = "en") -> str:
        """The name of a type code in `language`; an unknown code (a type since removed) as it is."""
        if code is None or code not in self:
            return code or ""
        return self.get(code).name_in(language)

    def answers_in_words(self, code: str, answers: Mapping[str, Any], language: Optional[str] = "en"
                         ) -> list[tuple[str, str]]:
        """(question, answer) for a case of type `code`: its type's questions in order (unanswered ones as
        ""), then answers kept from a type the case had before (found by their question's code)."""
        own = self.get(code).questions if code in self else ()
        rows = [(q.text_in(language), q.show(answers[q.code], language) if q.code in answers else "")
                for q in own]
        asked = {q.code for q in own}
        others = {q.code: q for t in self.types for q in t.questions if q.code not in asked}
        for answer_code, value in answers.items():
            if answer_code not in asked:
                question = others.get(answer_code)
                shown = question.show(value, language) if question else str(value)
                rows.append((question.text_in(language) if question else answer_code, shown))
        return rows

    def from_intent(self, intent: str | None) -> RequestType | None:
        """The request type a `report_<code>` intent names, or None."""
        if intent and intent.startswith("report_") and intent[len("report_"):] in self:
            return self.get(intent[len("report_"):])
        return None


def parse_catalog(text: str) -> Catalog:
    """Build a catalog from YAML text, checking every entry."""
    data = yaml.safe_load(text) or {}
    departments = data.get("department_names") or {}
    types = []
    for entry in data.get("request_types", []):
        request_type = RequestType(
            code=str(entry["code"]),
            name=str(entry["name"]),
            description=str(entry["description"]),
            department=str(entry["department"]),
            target_days=int(entry["target_days"]),
            names=_translations(entry.get("names")),
            department_names=_translations(departments.get(entry["department"])),
            keywords=str(entry.get("keywords") or ""),
            questions=parse_questions(entry.get("questions"), where=str(entry["code"])),
            duplicate_radius_m=int(entry.get("duplicate_radius_m", DEFAULT_DUPLICATE_RADIUS_M)),
            first_handler=str(entry.get("first_handler") or "department"),
            ladder=tuple(str(rung) for rung in entry.get("ladder") or ()),
        )
        if request_type.first_handler not in FIRST_HANDLERS:
            raise ValueError(f"{request_type.code}: first_handler must be one of {', '.join(FIRST_HANDLERS)}")
        _check_ladder(request_type)
        if request_type.duplicate_radius_m <= 0:
            raise ValueError(f"{request_type.code}: duplicate_radius_m must be positive")
        if request_type.target_days <= 0:
            raise ValueError(f"{request_type.code}: target_days must be positive")
        types.append(request_type)
    codes = [t.code for t in types]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate request type codes in catalog")
    if not types:
        raise ValueError("the catalog lists no request types")
    return Catalog(types=tuple(types))


def _check_ladder(request_type: RequestType) -> None:
    """A configured ladder starts with the first handler, names known rungs once each, in their order."""
    rungs = request_type.ladder
    if not rungs:
        return
    unknown = [rung for rung in rungs if rung not in RUNGS]
    if unknown:
        raise ValueError(f"{request_type.code}: unknown ladder rungs {unknown}; use {', '.join(RUNGS)}")
    if rungs[0] != request_type.first_handler:
        raise ValueError(f"{request_type.code}: the ladder starts with its first_handler, {request_type.first_handler}")
    if list(rungs) != sorted(set(rungs), key=RUNGS.index):
        raise ValueError(f"{request_type.code}: ladder rungs go up once each, in the order {', '.join(RUNGS)}")


def _translations(value: object) -> dict[str, str]:
    """A {language: text} mapping from the catalog file; anything else is a mistake in the file."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise ValueError(f"expected {{language: text}}, got {value!r}")
    return {str(language): text.strip() for language, text in value.items()}


@lru_cache(maxsize=1)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """The catalog from its data file (read once)."""
    return parse_catalog(path.read_text(encoding="utf-8"))
