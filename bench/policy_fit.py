"""Fit the policy matcher's decision ("is the best answer the right one?") on our own question sets.

    .venvs/app/bin/python -m bench.policy_fit [--min-fit 0.5]

Asks the sample list (cases/policies/sample_policies.yml) every question of tests/policies/own*_{en,zh}.yml and
dev_{en,zh}.yml, labels each ranking 1 when its best answer is the expected one and 0 otherwise (no answer
expected, or another answer ranked first), and fits a logistic regression on cases/policies/matching.features.
Prints the weights to put in matching.py (DECISION_WEIGHTS, DECISION_BIAS) and, for each set left out of the
fit in turn, top-1 accuracy and the "no answer" rate it gives: how well the fit carries to questions it did not
see. The held-out sets (tests/policies/heldout_*) are never read here; bench.policy_answers measures on them.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.policy_answers import read_questions
from cases.clock import utcnow
from cases.policies.loader import seed_sample
from cases.policies.matching import SURE_COVERAGE, IndexCache, PolicyIndex, features
from cases.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
SETS = sorted(path for pattern in ("own*_??.yml", "dev_??.yml")
              for path in (ROOT / "tests" / "policies").glob(pattern))
L2 = 0.01


@dataclass(frozen=True)
class Example:
    """One question's ranking: its features (None when no answer shares a word), best code, expected code."""

    values: tuple[float, ...] | None
    best: str | None
    expected: str


def examples(index: PolicyIndex, path: Path) -> list[Example]:
    """Every question of a set, ranked."""
    found = []
    for text, expected in read_questions(path):
        ranked, unseen, count = index.rank_with_unseen(text)
        values = features(ranked, unseen, count) if ranked else None
        found.append(Example(values, ranked[0].entry.code if ranked else None, expected))
    return found


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
            sure = row.values[0] >= SURE_COVERAGE  # matching.best_match gives these whatever the model says
            given = row.best if 1.0 / (1.0 + math.exp(-z)) >= min_fit or sure else None
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
    parser.add_argument("--min-fit", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/policies.db")
        db.create_tables()
        with db.transaction() as session:
            seed_sample(session, now=utcnow())
            index = IndexCache().index(session)
            by_set = {path.stem: examples(index, path) for path in SETS}
        db.dispose()
    print("left out     top-1   no answer")
    for name, rows in by_set.items():
        weights, bias = fit([row for other, held in by_set.items() if other != name for row in held])
        accuracy, no_answer = scores(rows, weights, bias, args.min_fit)
        print(f"  {name:<10} {accuracy:6.1%}   {no_answer:6.1%}")
    weights, bias = fit([row for rows in by_set.values() for row in rows])
    print("DECISION_WEIGHTS = (" + ", ".join(f"{w:.4f}" for w in weights) + ")")
    print(f"DECISION_BIAS = {bias:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
