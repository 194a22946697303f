"""Intent accuracy of the trained model on held-out messages that are not in the training data.

Runs `rasa test nlu` on tests/nlu/heldout_*.yml with the newest model and prints per-intent
F1 and the request-type accuracy (report_* messages classified as the right report_* intent;
a low-confidence fallback counts as wrong). `--check` exits 1 below the bar.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venvs" / "rasa" / "bin" / "rasa"


def evaluate(heldout: Path, out: Path) -> dict:
    """Run Rasa's NLU evaluation on one held-out file; return its intent report."""
    subprocess.run(
        [str(RASA), "test", "nlu", "--nlu", str(heldout), "-m", str(ROOT / "models"), "--out", str(out),
         "--no-plot"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    return json.loads((out / "intent_report.json").read_text())


def request_type_accuracy(report: dict) -> tuple[float, int]:
    """Share of report_* messages given their own report_* intent, and how many there were."""
    correct = total = 0
    for intent, row in report.items():
        if intent.startswith("report_") and isinstance(row, dict):
            total += row["support"]
            correct += round(row["recall"] * row["support"])
    return (correct / total if total else 0.0), total


def main() -> int:
    """Evaluate every held-out file and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if request-type accuracy is below --bar")
    parser.add_argument("--bar", type=float, default=0.90)
    args = parser.parse_args()
    failed = False
    for heldout in sorted((ROOT / "tests" / "nlu").glob("heldout_*.yml")):
        language = heldout.stem.split("_", 1)[1]
        report = evaluate(heldout, ROOT / "results" / f"nlu-heldout-{language}")
        accuracy, total = request_type_accuracy(report)
        print(f"\nHeld-out {heldout.name}: overall intent accuracy {report['accuracy']:.3f}, "
              f"request-type accuracy {accuracy:.3f} on {total} messages")
        for intent, row in sorted(report.items()):
            if isinstance(row, dict) and "f1-score" in row and intent not in ("macro avg", "weighted avg", "micro avg"):
                print(f"  {intent:24s} F1 {row['f1-score']:.3f}  (n={row['support']})")
        if accuracy < args.bar:
            failed = True
            print(f"  BELOW THE BAR: {accuracy:.3f} < {args.bar:.2f}")
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
