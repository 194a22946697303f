"""The entity test set (tests/nlu/entities.yml): references, places and times taken from residents' messages."""

from __future__ import annotations

import pytest
import yaml

from cases.extract import find_address, find_duration
from cases.references import find_reference_in_text
from testkit.stack import PROJECT_ROOT

CASES = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / "entities.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("item", CASES, ids=[item["text"] for item in CASES])
def test_entities_are_found(item):
    assert find_reference_in_text(item["text"], "HY") == item["reference"]
    assert find_address(item["text"]) == item["address"]
    assert find_duration(item["text"]) == item["duration"]
