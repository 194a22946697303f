"""NLU quality of the trained model on held-out messages that are not in the training data, per language.

Runs `rasa test nlu` on tests/nlu/heldout_<language>.yml with the newest model and prints per-intent
F1, overall intent accuracy, request-type accuracy (report_* messages given their own report_*
intent; a low-confidence fallback counts as wrong) and the fallback rate on in-scope messages
(everything but out_of_scope). `--check` exits 1 if a language misses a target:

    request-type accuracy  >= 0.95 (English), 0.90 (Chinese)
    F1 of every request type >= 0.85
    fallback rate on in-scope messages < 0.05
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venvs" / "rasa" / "bin" / "rasa"
ACCURACY_BARS = {"en": 0.95, "zh": 0.90}
DEFAULT_BAR, TYPE_F1_BAR, FALLBACK_BAR = 0.90, 0.85, 0.05
FALLBACK, OUT_OF_SCOPE = "nlu_fallback", "out_of_scope"
SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")


@dataclass
class Figures:
    """What one held-out evaluation measured."""

    language: str
    report: dict
    predictions: list[dict]
    request_type_accuracy: float = 0.0
    request_type_messages: int = 0
    fallback_rate: float = 0.0
    in_scope_messages: int = 0
    problems: list[str] = field(default_factory=list)


def evaluate(data: Path, out: Path, *, plots: bool = False) -> tuple[dict, list[dict]]:
    """Run Rasa's NLU evaluation of the newest model on `data`; its intent report and every prediction."""
    command = [str(RASA), "test", "nlu", "--nlu", str(data), "-m", str(ROOT / "models"), "--out", str(out),
               "--successes"]  # errors are written by default
    subprocess.run(command + ([] if plots else ["--no-plot"]), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            predictions += json.loads(path.read_text(encoding="utf-8"))
    return json.loads((out / "intent_report.json").read_text(encoding="utf-8")), predictions


def measure(language: str, report: dict, predictions: list[dict]) -> Figures:
    """The figures and the targets missed, from a report and its predictions."""
    figures = Figures(language, report, predictions)
    reports = [p for p in predictions if p["intent"].startswith("report_")]
    figures.request_type_messages = len(reports)
    if reports:
        right = sum(p["intent_prediction"]["name"] == p["intent"] for p in reports)
        figures.request_type_accuracy = right / len(reports)
    in_scope = [p for p in predictions if p["intent"] != OUT_OF_SCOPE]
    figures.in_scope_messages = len(in_scope)
    if in_scope:
        figures.fallback_rate = sum(p["intent_prediction"]["name"] == FALLBACK for p in in_scope) / len(in_scope)
    bar = ACCURACY_BARS.get(language, DEFAULT_BAR)
    if figures.request_type_accuracy < bar:
        figures.problems.append(f"request-type accuracy {figures.request_type_accuracy:.3f} < {bar:.2f}")
    for intent, row in report.items():
        if intent.startswith("report_") and isinstance(row, dict) and row.get("f1-score", 1.0) < TYPE_F1_BAR:
            figures.problems.append(f"{intent} F1 {row['f1-score']:.3f} < {TYPE_F1_BAR:.2f}")
    if figures.fallback_rate >= FALLBACK_BAR:
        figures.problems.append(f"fallback rate {figures.fallback_rate:.3f} >= {FALLBACK_BAR:.2f}")
    return figures


def print_figures(title: str, figures: Figures) -> None:
    """Per-intent F1 and the headline figures."""
    report = figures.report
    print(f"\n{title}: overall intent accuracy {report['accuracy']:.3f}, request-type accuracy "
          f"{figures.request_type_accuracy:.3f} on {figures.request_type_messages} messages, fallback rate "
          f"{figures.fallback_rate:.3f} on {figures.in_scope_messages} in-scope messages")
    for intent, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and intent not in SUMMARY_ROWS:
            print(f"  {intent:24s} F1 {row['f1-score']:.3f}  (n={row['support']})")
    for problem in figures.problems:
        print(f"  MISSES THE TARGET: {problem}")


def heldout_files() -> list[tuple[str, Path]]:
    """(language, file) for every held-out set."""
    return [(path.stem.split("_", 1)[1], path) for path in sorted((ROOT / "tests" / "nlu").glob("heldout_??.yml"))]


def main() -> int:
    """Evaluate every held-out file and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a language misses a target")
    args = parser.parse_args()
    missed = False
    for language, path in heldout_files():
        report, predictions = evaluate(path, ROOT / "results" / f"nlu-heldout-{language}")
        figures = measure(language, report, predictions)
        print_figures(f"Held-out {path.name}", figures)
        missed = missed or bool(figures.problems)
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
