"""How long the NLU takes to read a short message and a long one (read whole and sentence by sentence).

Loads the newest model in the Rasa environment as the server does (rasa_runtime's adjustments, warmed up),
then parses short messages and the long messages of the development set (bench/dev/long_messages.yml)
ROUNDS times each and prints the median and 95th percentile per kind:

    .venvs/app/bin/python -m bench.nlu_latency
"""

from __future__ import annotations

import json
import subprocess
import sys

from testkit.stack import PROJECT_ROOT, RASA_COMMAND, latest_model

ROUNDS = 5
SCRIPT = r"""
import asyncio, json, statistics, sys, time, yaml
from rasa_runtime import adjust
adjust()
from rasa.core.agent import load_agent
from rasa_runtime.warm import warm

SHORT = ["there is a big pothole outside 12 Park Lane", "the street light on Mill Road is out", "路灯坏了",
         "楼下太吵了，每天晚上都有人施工", "cancel my request", "what is the status of my requests"]

async def main(model, rounds):
    agent = await load_agent(model_path=model)
    await warm(agent)
    dev = yaml.safe_load(open("bench/dev/long_messages.yml", encoding="utf-8"))
    kinds = {"short": SHORT, "long English": [m["text"] for m in dev["en"]],
             "long Chinese": [m["text"] for m in dev["zh"]]}
    figures = {}
    for kind, texts in kinds.items():
        times = []
        for _ in range(rounds):
            for text in texts:
                started = time.perf_counter()
                await agent.parse_message(text)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[kind] = {"n": len(times), "p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}
    print("FIGURES " + json.dumps(figures))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def main() -> int:
    done = subprocess.run([RASA_COMMAND[0], "-c", SCRIPT, str(latest_model()), str(ROUNDS)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("FIGURES ")]
    if done.returncode != 0 or not lines:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    print(f"NLU parse time, model {latest_model().name} (2-core machine, in process, warmed):")
    for kind, figures in json.loads(lines[-1].removeprefix("FIGURES ")).items():
        print(f"  {kind:14s} n={figures['n']:4d}  p50 {figures['p50']:.1f} ms  p95 {figures['p95']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
