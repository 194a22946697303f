"""Case references as residents write them: full, glued to Chinese, or as a case number."""

from __future__ import annotations

import pytest

from cases import lifecycle, queries, references
from cases.residents import get_or_create_resident


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what about hy-2026-00042?", "HY-2026-00042"),
        ("查一下HY-2026-00042的进度", "HY-2026-00042"),
        ("HY-2026-00042进展如何", "HY-2026-00042"),
        ("#42 any news", "#42"),
        ("#42进展", "#42"),
        ("第42号怎么样了", "#42"),
        ("第 7 号", "#7"),
        ("42号工单处理了吗", "#42"),
        ("No. 42 please", "#42"),
        ("I live at 42 Park Lane", None),
        ("第三天了", None),
        ("HY-2026-000421", None),
        ("", None),
    ],
)
def test_references_in_free_text(text, expected):
    assert references.find_reference_in_text(text, "HY") == expected


def test_a_case_number_finds_only_the_residents_own_case(db):
    with db.transaction() as s:
        mine = get_or_create_resident(s, channel="telegram", external_id="1")
        other = get_or_create_resident(s, channel="telegram", external_id="2")
        own = lifecycle.open_case(
            s, resident=mine, request_type="pothole", description="hole", address="a", reference_prefix="HY"
        )
        theirs = lifecycle.open_case(
            s, resident=other, request_type="pothole", description="hole", address="b", reference_prefix="HY"
        )
        own_id, theirs_id, own_reference = own.id, theirs.id, own.reference
    with db.transaction() as s:
        mine = get_or_create_resident(s, channel="telegram", external_id="1")
        assert queries.find_case_for_resident(s, resident=mine, reference=f"#{own_id}").reference == own_reference
        assert queries.find_case_for_resident(s, resident=mine, reference=own_reference).id == own_id
        assert queries.find_case_for_resident(s, resident=mine, reference=f"#{theirs_id}") is None
        assert queries.find_case_for_resident(s, resident=mine, reference="#99999") is None
