"""A request type's questions: read from the catalog, answers checked, typed answers understood."""

from __future__ import annotations

import pytest

from cases import lifecycle
from cases.catalog import load_catalog, parse_catalog
from cases.questions import InvalidAnswer, InvalidAnswers, check_answers, parse_questions
from cases.residents import resident_for_sender

TYPE = """
request_types:
  - code: bench
    name: Broken bench
    description: benches
    department: Parks
    target_days: 5
    questions:
"""

QUESTIONS = [
    {"code": "seats", "datatype": "number", "required": True, "order": 2, "text": {"en": "How many seats?"}},
    {"code": "parts", "datatype": "multivaluelist", "order": 1, "text": {"en": "Which parts?", "zh": "哪些部件？"},
     "values": [{"key": "slats", "name": {"en": "Slats", "zh": "木条"}},
                {"key": "legs", "name": {"en": "Legs", "zh": "支脚"}},
                {"key": "bin", "name": {"en": "Bin", "zh": "垃圾桶"}}]},
    {"code": "seen", "datatype": "datetime", "text": "When did you see it?"},
    {"code": "note", "datatype": "text", "text": {"en": "Anything else?"}},
]


def test_the_shipped_catalog_asks_what_the_issue_names():
    catalog = load_catalog()
    assert [q.code for q in catalog.get("noise").questions] == ["when"]
    assert [q.code for q in catalog.get("illegal_parking").questions] == ["plate", "blocking"]
    assert catalog.get("animal").questions[0].required and catalog.get("water_supply").questions[0].required
    assert [q.code for q in catalog.get("tree").questions] == ["blocking_road"]
    assert catalog.get("pothole").questions == ()
    for kind in catalog.types:  # every question and choice is said in both languages
        for question in kind.questions:
            assert question.text_in("zh") != question.text_in("en"), (kind.code, question.code)
            assert all(c.name_in("zh") != c.name_in("en") for c in question.choices), (kind.code, question.code)


def test_questions_are_read_in_their_order():
    questions = parse_questions(QUESTIONS, where="bench")
    assert [q.code for q in questions] == ["parts", "seats", "seen", "note"]
    assert questions[0].text_in("zh") == "哪些部件？" and questions[1].text_in("zh") == "How many seats?"


@pytest.mark.parametrize("broken, says", [
    ({"code": "Bad Code", "datatype": "string", "text": "x"}, "code"),
    ({"code": "x", "datatype": "colour", "text": "x"}, "datatype"),
    ({"code": "x", "datatype": "string"}, "text"),
    ({"code": "x", "datatype": "singlevaluelist", "text": "x"}, "values"),
    ({"code": "x", "datatype": "string", "text": "x", "values": [{"key": "a", "name": "A"}]}, "values"),
    ({"code": "x", "datatype": "singlevaluelist", "text": "x",
      "values": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]}, "duplicate"),
    ({"code": "x", "datatype": "singlevaluelist", "text": "x", "values": [{"key": "a b", "name": "A"}]}, "keys"),
])
def test_a_mistake_in_the_catalog_is_named(broken, says):
    with pytest.raises(ValueError, match=says):
        parse_catalog(TYPE + "      - " + repr(broken).replace("'", '"') + "\n")


def test_answers_are_checked_against_their_questions():
    questions = parse_questions(QUESTIONS, where="bench")
    checked = check_answers(questions, {"seats": " 3 ", "parts": ["legs", "slats", "legs"],
                                        "seen": "2026-11-30T21:05", "note": ""})
    assert checked == {"seats": "3", "parts": ["legs", "slats"], "seen": "2026-11-30T21:05:00"}
    with pytest.raises(InvalidAnswers) as refused:
        check_answers(questions, {"parts": ["wheels"], "seen": "last night", "colour": "red"})
    assert refused.value.problems == {"parts": "choice", "seen": "datetime", "colour": "unknown", "seats": "required"}
    with pytest.raises(InvalidAnswers) as refused:
        check_answers(questions, {"seats": "three", "note": "x" * 2001})
    assert refused.value.problems == {"seats": "number", "note": "too_long"}


def test_typed_answers_are_understood():
    parts, seats = parse_questions(QUESTIONS, where="bench")[:2]
    assert parts.parse("legs and slats") == ["legs", "slats"]
    assert parts.parse("木条、垃圾桶") == ["slats", "bin"]
    assert parts.parse("1, 3") == ["slats", "bin"]
    assert seats.parse("1,200") == "1200" and seats.parse("2.5") == "2.5"
    for wrong in ("legs and wheels", "4", ""):
        with pytest.raises(InvalidAnswer):
            parts.parse(wrong)
    assert parts.show(["slats", "gone"], "zh") == "木条, gone"  # a value since removed shows as stored


def test_a_case_keeps_its_answers_and_refuses_wrong_ones(db):
    with db.transaction() as session:
        resident = resident_for_sender(session, "telegram:1")
        case = lifecycle.open_case(session, resident=resident, request_type="animal", description="fox",
                                   address="Hill Park", answers={"condition": "injured"},
                                   reference_prefix="HY")
        assert case.answers == {"condition": "injured"}
        with pytest.raises(InvalidAnswers, match="condition"):
            lifecycle.open_case(session, resident=resident, request_type="animal", description="fox",
                                address="Hill Park", reference_prefix="HY")
        case = lifecycle.open_case(session, resident=resident, request_type="pothole", description="hole",
                                   address="Elm St", reference_prefix="HY")
        assert case.answers == {}
        # Staff filing from a conversation may leave a required question open.
        case = lifecycle.open_case(session, resident=resident, request_type="animal", description="fox",
                                   address="Hill Park", answers_required=False, reference_prefix="HY")
        assert case.answers == {}
