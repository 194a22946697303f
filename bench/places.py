"""Place extraction on its own test set (tests/nlu/places.yml, written by a separate writer): precision and
recall, per language, of the places the bot takes from a message (cases.extract.find_address) and of its
judgement of a typed answer to "where is it?" (cases.extract.vague_place).

    .venvs/app/bin/python -m bench.places

A place taken from a message is right when the message names a place a crew can find and the place taken
overlaps it; a message naming only a vague place ("小区门口", "near my house"), or none, must give none.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from cases.extract import find_address, vague_place

PLACES = Path(__file__).resolve().parent.parent / "tests" / "nlu" / "places.yml"


@dataclass(frozen=True)
class Score:
    """Counts of one judgement over a set of messages."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    @property
    def precision(self) -> float:
        return self.true_positive / max(1, self.true_positive + self.false_positive)

    @property
    def recall(self) -> float:
        return self.true_positive / max(1, self.true_positive + self.false_negative)

    def add(self, expected: bool, got: bool) -> Score:
        counts = [self.true_positive, self.false_positive, self.false_negative, self.true_negative]
        counts[(0 if got else 2) if expected else (1 if got else 3)] += 1
        return Score(*counts)


def messages() -> list[dict]:
    return yaml.safe_load(PLACES.read_text(encoding="utf-8"))["messages"]


def overlaps(found: str | None, place: str | None, text: str) -> bool:
    """Whether the place found and the expected one share characters of the message."""
    if not found or not place or found not in text or place not in text:
        return bool(found and place and (found in place or place in found))
    start, end = text.index(found), text.index(found) + len(found)
    other = text.index(place)
    return start < other + len(place) and other < end


def score(language: str) -> tuple[Score, Score, list[str]]:
    """(from messages, typed answers, what went wrong) for one language."""
    taken, answered, wrong = Score(), Score(), []
    for m in (m for m in messages() if m["lang"] == language):
        found = find_address(m["text"])
        right_place = found is not None and overlaps(found, m["place"], m["text"])
        taken = taken.add(m["precise"], right_place if m["precise"] else found is not None)
        if m["precise"] != (found is not None) or (m["precise"] and not right_place):
            wrong.append(f"message: {m['text']!r} -> {found!r}")
        if m["place"]:
            accepted = not vague_place(m["place"])
            answered = answered.add(m["precise"], accepted)
            if accepted != m["precise"]:
                wrong.append(f"answer: {m['place']!r} {'accepted' if accepted else 'asked again'}")
    return taken, answered, wrong


def report() -> bool:
    """Print the figures; whether every judgement was right."""
    perfect = True
    for language in ("en", "zh"):
        taken, answered, wrong = score(language)
        print(f"\nPlaces, {language}: from a message precision {taken.precision:.3f} recall {taken.recall:.3f}; "
              f"typed answers precision {answered.precision:.3f} recall {answered.recall:.3f}")
        for line in wrong:
            print(f"    {line}")
        perfect = perfect and not wrong
    return perfect


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
