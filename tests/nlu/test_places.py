"""Place extraction on its own test set (tests/nlu/places.yml, by a separate writer; bench.places): every
precise place is taken from a message and accepted as an answer, every vague one leads to a question."""

from __future__ import annotations

import pytest

from bench.places import Score, messages, score


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_place_is_judged_right(language):
    taken, answered, wrong = score(language)
    assert wrong == []
    assert (taken.precision, taken.recall, answered.precision, answered.recall) == (1.0, 1.0, 1.0, 1.0)


def test_the_set_covers_both_languages_and_both_kinds():
    items = messages()
    assert len(items) >= 60
    for language in ("en", "zh"):
        ours = [m for m in items if m["lang"] == language]
        assert sum(m["precise"] for m in ours) >= 15 and sum(not m["precise"] for m in ours) >= 15


def test_the_arithmetic():
    counted = Score().add(True, True).add(True, False).add(False, True).add(False, False)
    assert (counted.precision, counted.recall) == (0.5, 0.5)
