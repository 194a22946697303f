"""Loading answers from YAML: the sample list, updates by code, bad files change nothing."""

from __future__ import annotations

import pytest
import yaml

from cases.policies import loader, service
from tests.policies.helpers import NOW

TOPICS = {
    "waste_sorting", "waste_dropoff_times", "bulky_waste", "renovation_waste", "roadside_parking_permit",
    "road_occupation_permit", "construction_hours", "renovation_hours", "dog_registration", "private_tree",
    "water_outage_notice", "street_stall", "fireworks", "ebike_charging", "senior_bus_pass", "road_damage_claim",
    "shop_signs", "heating_subsidy_2025",
}
ONE = """
policies:
  - code: fireworks
    effective_from: 2024-01-01
    source_url: https://www.example.gov/fireworks
    en: {title: Fireworks, answer: Banned in the city., keywords: [fireworks, firecrackers],
         examples: ["can we let off rockets at new year?", "  sparklers in the garden ok  "]}
    zh: {title: 烟花, answer: 市区禁放。, keywords: 烟花, examples: "过年能放鞭炮吗\n\n 小区里放烟花会被罚吗 "}
"""


def test_the_sample_list_covers_exactly_the_topics_and_is_seeded_once(db):
    with db.transaction() as session:
        assert loader.seed_sample(session, now=NOW) == len(TOPICS)
        assert loader.seed_sample(session, now=NOW) == 0  # not empty any more: nothing added
        rows = service.list_policies(session)
        assert {row.code for row in rows} == TOPICS
        assert all(row.answer_en and row.answer_zh and row.source_url for row in rows)
        heating = service.find_policy(session, code="heating_subsidy_2025")
        assert heating.expires_on.isoformat() == "2026-03-31"


def test_a_file_adds_then_updates_by_code(db):
    with db.transaction() as session:
        assert loader.load_policies(session, text=ONE, now=NOW) == (1, 0)
        row = service.find_policy(session, code="fireworks")
        assert row.keywords_en == "fireworks, firecrackers"
        # Example questions are one a line, as a list or a text, without blank lines or stray spaces.
        assert row.examples_en == "can we let off rockets at new year?\nsparklers in the garden ok"
        assert row.examples_zh == "过年能放鞭炮吗\n小区里放烟花会被罚吗"
        service.retire_policy(session, policy=row, now=NOW)
        assert loader.load_policies(session, text=ONE.replace("Banned in the city.", "Banned."), now=NOW) == (0, 1)
    with db.transaction() as session:
        row = service.find_policy(session, code="fireworks")
        assert row.answer_en == "Banned." and row.retired_at is None


@pytest.mark.parametrize("text,error", [
    ("policies: [", "not valid YAML"),
    ("answers: []", "a list of answers"),
    (ONE + "  - code: second\n    effective_from: soon\n    en: {title: T, answer: A}\n", "answer 2 \\(second\\)"),
])
def test_a_bad_file_changes_nothing(db, text, error):
    with pytest.raises(service.PolicyError, match=error), db.transaction() as session:
        loader.load_policies(session, text=text, now=NOW)
    with db.transaction() as session:
        assert service.list_policies(session) == []


def test_the_sample_file_is_valid_yaml_with_both_languages():
    items = yaml.safe_load(loader.SAMPLE_FILE.read_text(encoding="utf-8"))["policies"]
    assert all(item["en"]["keywords"] and item["zh"]["keywords"] for item in items)
    # Every sample answer comes with example questions in both languages (they carry most of the ranking).
    assert all(len(item[lang]["examples"]) >= 10 for item in items for lang in ("en", "zh"))
