"""How well residents' questions find the right policy answer: top-1 accuracy and the "no answer" rate.

    .venvs/app/bin/python -m bench.policy_answers [--nlu] [--check] [--questions FILE...]

Loads the sample list (cases/policies/sample_policies.yml) into a temporary SQLite database and asks it the
questions of tests/policies/heldout_{en,zh}.yml (`questions: [{text, answer: <code> or none}]`), as of today
(a question whose answer has expired, or is not yet effective, expects no answer).
Printed per language: top-1 accuracy on the questions that have an answer, and the share of the others that
get no answer (targets: both >= 90%). With `--nlu` each question first goes through the newest trained model
(the Rasa environment parses them) and reaches the matcher as in the chat: classified `ask_policy`;
`out_of_scope` with no referral topic (actions/referral.py asks the policy list before the general answer); or
`nlu_fallback` with `ask_policy` likeliest (actions/menus.py asks it before suggesting report types); or any
other intent when the message is put as a question and NLU gave ask_policy some confidence
(cases/policies/asking.py: a report intent's action_start_report and the fallback's suggestions ask first).
Only counts are printed, never questions: the held-out sets are for measuring, not tuning.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from cases.clock import utcnow
from cases.policies.asking import worth_asking
from cases.policies.loader import seed_sample
from cases.policies.matching import IndexCache, answer_question
from cases.referrals import referral_for
from cases.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = {lang: ROOT / "tests" / "policies" / f"heldout_{lang}.yml" for lang in ("en", "zh")}
RASA_PYTHON = ROOT / ".venvs" / "rasa" / "bin" / "python"
PARSER = ROOT / "tests" / "rasa_runtime" / "parse_with_model.py"
TARGET = 0.90
POLICY_INTENT, OUT_OF_SCOPE, FALLBACK, REPORT_PREFIX = "ask_policy", "out_of_scope", "nlu_fallback", "report_"


@dataclass(frozen=True)
class Figures:
    """One language's results."""

    answerable: int
    top1: int
    unanswerable: int
    declined: int

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy on questions that have an answer."""
        return self.top1 / self.answerable if self.answerable else 1.0

    @property
    def no_answer_rate(self) -> float:
        """Share of the questions without an answer that got none."""
        return self.declined / self.unanswerable if self.unanswerable else 1.0


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(text, expected code or "none") for each question of a file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(q["text"]), str(q.get("answer") or "none")) for q in data.get("questions") or []]


def intents_of(texts: list[str]) -> list[tuple[str, str | None, float]]:
    """The newest model's intent for each text, the likeliest one under nlu_fallback and the confidence in
    ask_policy (parsed in the Rasa environment)."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no trained model in models/: run `make model` first")
    done = subprocess.run([str(RASA_PYTHON), str(PARSER), str(models[-1]), "adjusted", *texts], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))
    return [(result["intent"], result.get("likeliest"), float(result.get("policy_confidence") or 0.0))
            for result in json.loads(line[len("RESULTS "):])]


def reaches_matcher(text: str, intent: str, likeliest: str | None, policy_confidence: float) -> bool:
    """Whether the chat asks the policy list for this message (see the module docstring)."""
    return (intent == POLICY_INTENT or (intent == OUT_OF_SCOPE and referral_for(text) is None)
            or (intent == FALLBACK and likeliest == POLICY_INTENT)
            or ((intent == FALLBACK or intent.startswith(REPORT_PREFIX)) and worth_asking(text, policy_confidence)))


def measure(db: Database, questions: list[tuple[str, str]], today: date,
            intents: list[tuple[str, str | None, float]] | None) -> Figures:
    """Ask every question; count right answers and rightly declined ones. A question whose answer is not live
    today (expired, or not yet effective) has none today: "no answer" is right for it."""
    cache = IndexCache()
    answerable = top1 = unanswerable = declined = 0
    with db.transaction() as session:
        live = {entry.code for entry in cache.index(session).entries if entry.live_on(today)}
        for number, (text, expected) in enumerate(questions):
            routed = intents is None or reaches_matcher(text, *intents[number])
            match = answer_question(session, cache=cache, question=text, today=today) if routed else None
            if expected == "none" or expected not in live:
                unanswerable += 1
                # Not taken for a policy question at all is also "no answer" for the resident.
                declined += match is None
            else:
                answerable += 1
                top1 += match is not None and match.entry.code == expected
    return Figures(answerable, top1, unanswerable, declined)


def main() -> int:
    """Print the figures per language; with --check, exit 1 below a target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nlu", action="store_true", help="route each question through the trained model first")
    parser.add_argument("--check", action="store_true", help="exit 1 if a language misses a target")
    parser.add_argument("--questions", nargs="*", type=Path, help="other question files (default: held-out)")
    args = parser.parse_args()
    files = {path.stem: path for path in args.questions} if args.questions else HELDOUT
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        print(f"missing question files: {', '.join(missing)}", file=sys.stderr)
        return 1
    today, failed = utcnow().date(), False
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/policies.db")
        db.create_tables()
        with db.transaction() as session:
            seed_sample(session, now=utcnow())
        print(f"policy answers as of {today}{' through the NLU model' if args.nlu else ' (matcher alone)'}")
        for name, path in files.items():
            questions = read_questions(path)
            intents = intents_of([text for text, _ in questions]) if args.nlu else None
            figures = measure(db, questions, today, intents)
            print(f"  {name:<12} top-1 {figures.accuracy:6.1%} ({figures.top1}/{figures.answerable})   "
                  f"no answer {figures.no_answer_rate:6.1%} ({figures.declined}/{figures.unanswerable})")
            failed |= figures.accuracy < TARGET or figures.no_answer_rate < TARGET
        db.dispose()
    if args.check and failed:
        print(f"below target ({TARGET:.0%})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
