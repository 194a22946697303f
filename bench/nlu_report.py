"""The NLU report (`make nlu-report`): cross-validation over the training data and evaluation on the
held-out files, per language, with intent and entity reports and confusion matrix images.

    .venvs/app/bin/python -m bench.nlu_report [--folds 3] [--skip-cv]

Held-out: the trained bilingual model (models/) on tests/nlu/heldout_<language>.yml, which is kept
out of training. Cross-validation: Rasa's `--cross-validation` on nlu/<language>/ with config.yml,
so each fold trains the same pipeline on that language's data alone. Everything lands in
results/nlu-report/ (intent_report.json, *_report.json for entities, intent_confusion_matrix.png,
intent_histogram.png); per-intent F1 and overall accuracy are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench.nlu_heldout import RASA, ROOT, SUMMARY_ROWS, evaluate, heldout_files, measure, print_figures

OUT = ROOT / "results" / "nlu-report"


def cross_validate(language: str, folds: int) -> dict:
    """Rasa's cross-validation on one language's training data; its intent report."""
    out = OUT / f"cv-{language}"
    subprocess.run([str(RASA), "test", "nlu", "--nlu", str(ROOT / "nlu" / language), "--config",
                    str(ROOT / "config.yml"), "--cross-validation", "--folds", str(folds), "--out", str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "intent_report.json").read_text(encoding="utf-8"))


def print_cv(language: str, report: dict) -> None:
    """Per-intent F1 and accuracy of a cross-validation."""
    print(f"\nCross-validation nlu/{language}/: overall intent accuracy {report['accuracy']:.3f}")
    for intent, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and intent not in SUMMARY_ROWS:
            print(f"  {intent:24s} F1 {row['f1-score']:.3f}  (n={row['support']})")


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
    if not args.skip_cv:
        for language in sorted(p.name for p in (ROOT / "nlu").iterdir() if p.is_dir()):
            print_cv(language, cross_validate(language, args.folds))
            print(f"  files: {(OUT / f'cv-{language}').relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
