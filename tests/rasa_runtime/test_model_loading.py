"""The model loaded with rasa_runtime's adjustments understands residents exactly as Rasa's own loading does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from testkit.stack import PROJECT_ROOT, RASA_COMMAND, latest_model

pytestmark = pytest.mark.e2e  # needs the trained model
MESSAGES = [
    "there is a big pothole outside 12 Park Lane", "the street light on Mill Road is out", "hello",
    "what is the status of my requests", "I want to talk to a person", "rubbish has not been collected for a week",
    "路上有个大坑", "路灯坏了", "我想查一下我的投诉进度", "楼下太吵了，每天晚上都有人施工", "谢谢", "cancel my request",
    # long: read sentence by sentence too (rasa_components/clauses.py)
    "Hello, I have lived on Harwood Close for twenty years. The lamps are fine. Since the storm the drain outside "
    "number 12 overflows every time it rains and floods the pavement. Could someone clear it? Many thanks, Ann",
    "尊敬的领导：您好！我是和平小区的居民，在这里住了十多年。但是最近小区门口的下水道堵了，一下雨污水就漫到路上，味道很大。恳请有关部门尽快疏通。",
]


def parse(mode: str) -> list[dict]:
    done = subprocess.run([RASA_COMMAND[0], str(Path(__file__).with_name("parse_with_model.py")), str(latest_model()),
                           mode, *MESSAGES], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    [line] = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")] or [done.stderr[-3000:]]
    return json.loads(line.removeprefix("RESULTS "))


def test_adjusted_loading_gives_the_same_intents_entities_confidences_and_next_actions():
    plain, adjusted = parse("plain"), parse("adjusted")
    assert [(r["intent"], r["entities"], r["next"]) for r in adjusted] == \
        [(r["intent"], r["entities"], r["next"]) for r in plain]
    for mine, rasas in zip(adjusted, plain, strict=True):
        assert mine["confidence"] == pytest.approx(rasas["confidence"], abs=1e-5)
        assert mine["next_score"] == pytest.approx(rasas["next_score"], abs=1e-5)
