"""NLU on the register sets: messages in the registers residents really write, by a separate writer.

tests/nlu/heldout_registers_<language>.yml lists messages with their label (a request type code, or
`refer:<topic>` for a matter that is not the city's, which must never be filed) and their register
(council_title, us_311, texting, long, indirect, plain; letter, hotline, colloquial, traditional, mixed,
title, plain). The newest model reads each message as the bot does (`rasa test nlu` on the messages with
their intents); printed per language and per register:

- request-type accuracy: report messages given their own report_* intent (a fallback counts as wrong);
- referrals: matters that are not the city's given `out_of_scope` (anything else, a fallback included,
  would lead to a request or a question about one); `right place` counts those that also get their own
  topic's referral (cases/referrals.yml; `not_city` gets the general answer); `filed` counts those read
  as a request type;
- long messages on their own (60+ English words, 80+ Chinese characters);
- the development set of long messages (bench/dev/long_messages.yml), used to tune how long messages are
  read (rasa_components/clauses.py), so its figures are no evidence: the register sets are.

    .venvs/app/bin/python -m bench.nlu_registers [--check]

`--check` exits 1 if a language or a register is under TARGET.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.nlu_heldout import ROOT, evaluate
from cases.referrals import referral_for

TARGET = 0.95
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Message:
    """One message of a register set, and how the model read it."""

    text: str
    label: str
    register: str
    long: bool
    predicted: str = ""

    @property
    def intent(self) -> str:
        """The intent the bot should see: report_<type>, or out_of_scope for a referral."""
        return OUT_OF_SCOPE if self.label.startswith("refer:") else f"report_{self.label}"

    @property
    def right(self) -> bool:
        return self.predicted == self.intent

    @property
    def topic_right(self) -> bool:
        """A referral read as not the city's that also gets its own topic's answer (not_city: the general one)."""
        if not self.label.startswith("refer:") or not self.right:
            return False
        topic = referral_for(self.text)
        return (topic.code if topic else "not_city") == self.label.split(":", 1)[1]

    @property
    def filed(self) -> bool:
        """A referral read as a request type: it would have been filed."""
        return self.label.startswith("refer:") and self.predicted.startswith("report_")


def register_sets() -> list[tuple[str, Path]]:
    """(language, file) for every register set."""
    return [(path.stem.rsplit("_", 1)[1], path)
            for path in sorted((ROOT / "tests" / "nlu").glob("heldout_registers_*.yml"))]


def load(path: Path) -> list[Message]:
    """The messages of a register set."""
    return [Message(m["text"], m["label"], m["register"], bool(m.get("long")))
            for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]]


def development_sets() -> list[tuple[str, list[Message]]]:
    """(language, messages) of the development set of long messages (bench/dev/long_messages.yml): written by
    another separate writer for tuning how long messages are read; reported, never a target."""
    path = ROOT / "bench" / "dev" / "long_messages.yml"
    if not path.exists():
        return []
    sets = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(language, [Message(m["text"], "refer:unknown" if m["label"] == "refer" else m["label"], "dev_long", True)
                        for m in sets[language]]) for language in sorted(sets)]


def as_rasa_nlu(messages: list[Message]) -> str:
    """The messages as Rasa NLU training data with the intents they should get."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        by_intent[message.intent].append(message.text)
    return yaml.safe_dump({"version": "3.1", "nlu": [
        {"intent": intent, "examples": "".join(f"- {' '.join(text.split())}\n" for text in texts)}
        for intent, texts in sorted(by_intent.items())]}, allow_unicode=True, sort_keys=False)


def read(messages: list[Message], language: str) -> list[Message]:
    """Each message with the intent the newest model gives it."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "nlu.yml"
        data.write_text(as_rasa_nlu(messages), encoding="utf-8")
        _, predictions = evaluate(data, ROOT / "results" / f"nlu-registers-{language}")
    predicted = {" ".join(p["text"].split()): p["intent_prediction"]["name"] for p in predictions}
    return [Message(m.text, m.label, m.register, m.long, predicted[" ".join(m.text.split())]) for m in messages]


def accuracy(messages: list[Message]) -> float:
    return sum(m.right for m in messages) / len(messages) if messages else float("nan")


def summarise(title: str, messages: list[Message]) -> str:
    reports = [m for m in messages if not m.label.startswith("refer:")]
    referrals = [m for m in messages if m.label.startswith("refer:")]
    line = f"  {title:22s} n={len(messages):3d}  all {accuracy(messages):.3f}"
    if reports:
        line += f"  request type {accuracy(reports):.3f} ({len(reports)})"
    if referrals:
        line += f"  referred {accuracy(referrals):.3f} ({len(referrals)}),"
        if all(m.label != "refer:unknown" for m in referrals):  # the development set gives no topic
            line += f" right place {sum(m.topic_right for m in referrals)},"
        line += f" filed {sum(m.filed for m in referrals)}"
    return line


def report(language: str, messages: list[Message]) -> list[str]:
    """Print the figures of one language; the targets it misses."""
    print(f"\nRegister set, {language}:")
    print(summarise("all", messages))
    print(summarise("long messages", [m for m in messages if m.long]))
    other = [m for m in messages if m.label == "other"]
    if other:
        print(summarise("other public space", other))
    missed = [] if accuracy(messages) >= TARGET else [f"{language}: {accuracy(messages):.3f} < {TARGET}"]
    for register in sorted({m.register for m in messages}):
        group = [m for m in messages if m.register == register]
        print(summarise(f"register {register}", group))
        if accuracy(group) < TARGET:
            missed.append(f"{language} {register}: {accuracy(group):.3f} < {TARGET}")
    wrong = [m for m in messages if not m.right]
    for m in wrong[:12]:
        print(f"    {m.label:28s} -> {m.predicted:22s} {m.text[:70]}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"exit 1 if a language or register is under {TARGET}")
    args = parser.parse_args()
    missed = []
    for language, path in register_sets():
        missed += report(language, read(load(path), language))
    for language, messages in development_sets():
        read_messages = read(messages, f"dev-{language}")
        print(f"\nDevelopment set of long messages (for tuning, no target), {language}:")
        print(summarise("all", read_messages))
    for problem in missed:
        print(f"  MISSES THE TARGET: {problem}")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
