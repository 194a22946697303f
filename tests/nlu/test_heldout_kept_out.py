"""The held-out messages measure generalisation only if none of them is in the training data."""

from __future__ import annotations

import re

import yaml

from testkit.stack import PROJECT_ROOT

MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")  # [text](entity) and [text]{...}


def examples(path) -> set[str]:
    """Every intent example of a Rasa NLU file, without entity markup, lower case, spaces folded."""
    found = set()
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        for line in (item.get("examples") or "").splitlines() if "intent" in item else []:
            if line.strip().startswith("- "):
                text = MARKUP.sub(lambda m: m.group(1) or m.group(2), line.strip()[2:])
                found.add(re.sub(r"\s+", " ", text.strip().lower()))
    return found


def listed(path) -> set[str]:
    """Every message of a set written as `messages: [{text: ...}]` (register sets, places), as `examples` folds them."""
    return {re.sub(r"\s+", " ", m["text"].strip().lower())
            for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]}


def test_no_held_out_message_is_in_the_training_data():
    training = set().union(*(examples(path) for path in (PROJECT_ROOT / "nlu").rglob("*.yml")))
    folder = PROJECT_ROOT / "tests" / "nlu"
    heldout_files = sorted(folder.glob("heldout_??.yml"))
    assert {path.stem for path in heldout_files} == {"heldout_en", "heldout_zh"}
    for path in heldout_files:
        held = examples(path)
        assert len(held) > 200, path.name
        assert held.isdisjoint(training), (path.name, sorted(held & training)[:10])
    register_sets = sorted(folder.glob("heldout_registers_*.yml"))
    assert {path.stem for path in register_sets} == {"heldout_registers_en", "heldout_registers_zh"}
    for path in [*register_sets, folder / "places.yml"]:
        held = listed(path)
        assert len(held) >= 80, path.name
        assert held.isdisjoint(training), (path.name, sorted(held & training)[:10])
