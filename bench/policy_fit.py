"""Fit the policy matcher's decision ("is the best answer the right one?") on our own question sets.

    .venvs/app/bin/python -m bench.policy_fit [--min-fit 0.7]

Asks the sample list (cases/policies/sample_policies.yml) every question of tests/policies/own*_{en,zh}.yml and
dev_{en,zh}.yml, labels each ranking 1 when its best answer is the expected one and 0 otherwise (no answer
expected, or another answer ranked first), and fits a logistic regression on cases/policies/matching.features.
Every question is asked twice: of the list as shipped and of the same list without its example questions, so
that the decision also serves answers staff wrote without examples (a new list, a new answer).
Prints the weights to put in matching.py (DECISION_WEIGHTS, DECISION_BIAS) and, for each set left out of the
fit in turn, top-1 accuracy and the "no answer" rate it gives: how well the fit carries to questions it did not
see. The held-out sets (tests/policies/heldout_*) are never read here; bench.policy_answers measures on them.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.policy_answers import read_questions
from cases.clock import utcnow
from cases.policies.loader import seed_sample
from cases.policies.matching import MIN_FIT, IndexCache, PolicyIndex, features, sure
from cases.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
SETS = sorted(path for pattern in ("own*_??.yml", "dev_??.yml")
              for path in (ROOT / "tests" / "policies").glob(pattern))
L2 = 0.01
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


@dataclass(frozen=True)
class Example:
    """One question's ranking: its features (None when no answer shares a word), best code, expected code."""

    values: tuple[float, ...] | None
    best: str | None
    expected: str
    answers: int = 0  # how many answers the list had


def examples(index: PolicyIndex, path: Path) -> list[Example]:
    """Every question of a set, ranked."""
    found = []
    for text, expected in read_questions(path):
        ranked, unseen, count = index.rank_with_unseen(text)
        values = features(ranked, unseen, count) if ranked else None
        found.append(Example(values, ranked[0].entry.code if ranked else None, expected, len(index.entries)))
    return found


def without_examples(index: PolicyIndex) -> PolicyIndex:
    """The same answers with no example questions."""
    return PolicyIndex([replace(entry, examples={lang: "" for lang in entry.examples}) for entry in index.entries])


def sets_of(index: PolicyIndex) -> dict[str, list[Example]]:
    """Each question set's rankings, of the list with its examples and without (a set each)."""
    bare = without_examples(index)
    by_set = {path.stem: examples(index, path) for path in SETS}
    by_set.update({f"{path.stem}-bare": examples(bare, path) for path in SETS})
    return by_set


def fit(rows: list[Example], iterations: int = 20000, rate: float = 0.5) -> tuple[np.ndarray, float]:
    """Logistic regression (L2, full-batch gradient descent) on raw features; weights and bias."""
    usable = [row for row in rows if row.values is not None]
    x = np.array([row.values for row in usable], dtype=float)
    y = np.array([float(row.best == row.expected) for row in usable])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    weights, bias = np.zeros(z.shape[1]), 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ weights + bias)))
        weights -= rate * (z.T @ (p - y) / len(y) + L2 * weights)
        bias -= rate * float((p - y).mean())
    # Back to raw features, so matching.py needs no scaling.
    raw = weights / scale
    return raw, bias - float((raw * mean).sum())


def scores(rows: list[Example], weights: np.ndarray, bias: float, min_fit: float) -> tuple[float, float]:
    """Top-1 accuracy on answerable questions and the "no answer" rate on the others."""
    right = answerable = declined = others = 0
    for row in rows:
        given = None
        if row.values is not None:
            z = bias + float(np.dot(weights, row.values))
            # matching.best_match gives the sure ones whatever the model says
            given = row.best if 1.0 / (1.0 + math.exp(-z)) >= min_fit or sure(row.values, row.answers) else None
        if row.expected == "none":
            others += 1
            declined += given is None
        else:
            answerable += 1
            right += given == row.expected
    return right / max(answerable, 1), declined / max(others, 1)


def main() -> int:
    """Fit on every set; report each set left out in turn; print the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-fit", type=float, default=MIN_FIT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/policies.db")
        db.create_tables()
        with db.transaction() as session:
            seed_sample(session, now=utcnow())
            by_set = sets_of(IndexCache().index(session))
        db.dispose()
    print(f"left out          top-1   no answer   at {args.min_fit} (-bare: asked of the list without its examples)")
    left_out = {}
    for name, rows in by_set.items():
        # The set is left out with its twin (the same questions of the other list).
        left_out[name] = fit([row for other, held in by_set.items() if other.split("-")[0] != name.split("-")[0]
                              for row in held])
        accuracy, no_answer = scores(rows, *left_out[name], args.min_fit)
        print(f"  {name:<15} {accuracy:6.1%}   {no_answer:6.1%}")
    print("each threshold over the sets as shipped, each left out in turn: top-1 / no answer per language")
    for min_fit in THRESHOLDS:
        figures = {}
        for language in ("en", "zh"):
            # Pooled over questions: every set's rows judged by the fit that did not see it.
            judged = [(row, left_out[name]) for name, rows in by_set.items()
                      if name.endswith(f"_{language}") for row in rows]
            answerable = [(row, fitted) for row, fitted in judged if row.expected != "none"]
            others = [(row, fitted) for row, fitted in judged if row.expected == "none"]
            top1 = sum(scores([row], *fitted, min_fit)[0] for row, fitted in answerable) / len(answerable)
            figures[language] = (top1, sum(scores([row], *fitted, min_fit)[1] for row, fitted in others) / len(others))
        lowest = min(value for pair in figures.values() for value in pair)
        print(f"  {min_fit:.2f}  " + "   ".join(f"{lang} {top1:6.1%} / {none:6.1%}" for lang, (top1, none)
                                               in figures.items()) + f"   lowest {lowest:6.1%}")
    weights, bias = fit([row for rows in by_set.values() for row in rows])
    print("DECISION_WEIGHTS = (" + ", ".join(f"{w:.4f}" for w in weights) + ")")
    print(f"DECISION_BIAS = {bias:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
