"""The NLU report (`make nlu-report`): cross-validation over the training data and evaluation on the
held-out files, per language, with intent and entity reports and confusion matrix images.

    .venvs/app/bin/python -m bench.nlu_report [--folds 3] [--skip-cv]

Held-out: the trained bilingual model (models/) on tests/nlu/heldout_<language>.yml, which is kept
out of training, and on the register sets (bench.nlu_registers: per language and per register).
Cross-validation: Rasa's `--cross-validation` over all of nlu/ with config.yml, so
each fold trains the bilingual model as shipped; its predictions are then split by language (a
message with Chinese characters is Chinese). Everything lands in results/nlu-report/
(intent_report.json, *_report.json for entities, intent_confusion_matrix.png, intent_histogram.png);
per-intent F1 and overall accuracy are printed, per language.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

from bench import nlu_registers, places
from bench.nlu_heldout import RASA, ROOT, evaluate, heldout_files, measure, print_figures

OUT = ROOT / "results" / "nlu-report"
HAN = re.compile(r"[\u4e00-\u9fff]")


def cross_validate(folds: int) -> list[dict]:
    """Rasa's cross-validation over all training data; every test-fold prediction."""
    out = OUT / "cv"
    subprocess.run([str(RASA), "test", "nlu", "--nlu", str(ROOT / "nlu"), "--config", str(ROOT / "config.yml"),
                    "--cross-validation", "--folds", str(folds), "--out", str(out), "--successes"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return [p for name in ("intent_successes.json", "intent_errors.json") if (out / name).exists()
            for p in json.loads((out / name).read_text(encoding="utf-8"))]


def language_of(text: str) -> str:
    """zh for a message with Chinese characters, else en."""
    return "zh" if HAN.search(text) else "en"


def f1_by_intent(predictions: list[dict]) -> dict[str, tuple[float, int]]:
    """Per true intent: F1 and number of messages."""
    scores = {}
    for intent in sorted({p["intent"] for p in predictions}):
        predicted = [p["intent_prediction"]["name"] for p in predictions]
        true_positive = sum(p["intent"] == intent and name == intent
                            for p, name in zip(predictions, predicted, strict=True))
        support = sum(p["intent"] == intent for p in predictions)
        precision = true_positive / max(1, predicted.count(intent))
        recall = true_positive / max(1, support)
        scores[intent] = ((2 * precision * recall / (precision + recall)) if precision + recall else 0.0, support)
    return scores


def print_cv(language: str, predictions: list[dict]) -> None:
    """Per-intent F1 and accuracy of the cross-validation's predictions for one language."""
    right = sum(p["intent"] == p["intent_prediction"]["name"] for p in predictions)
    print(f"\nCross-validation, {language} messages: overall intent accuracy {right / max(1, len(predictions)):.3f} "
          f"on {len(predictions)} messages")
    for intent, (f1, support) in f1_by_intent(predictions).items():
        print(f"  {intent:24s} F1 {f1:.3f}  (n={support})")


def main() -> int:
    """Held-out evaluation and cross-validation for every language; print, and point at the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--skip-cv", action="store_true", help="only the held-out evaluation")
    args = parser.parse_args()
    for language, path in heldout_files():
        out = OUT / f"heldout-{language}"
        report, predictions = evaluate(path, out, plots=True)
        print_figures(f"Held-out {path.name}", measure(language, report, predictions))
        entity_reports = sorted(p.name for p in out.glob("*Extractor_report.json"))
        print(f"  files: {out.relative_to(ROOT)}/ (intent_report.json, intent_confusion_matrix.png"
              f"{', ' + ', '.join(entity_reports) if entity_reports else ''})")
    missed = []
    for language, path in nlu_registers.register_sets():
        missed += nlu_registers.report(language, nlu_registers.read(nlu_registers.load(path), language))
    for problem in missed:
        print(f"  MISSES THE TARGET: {problem}")
    places.report()
    if not args.skip_cv:
        predictions = cross_validate(args.folds)
        for language in ("en", "zh"):
            print_cv(language, [p for p in predictions if language_of(p["text"]) == language])
        print(f"  files: {(OUT / 'cv').relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
