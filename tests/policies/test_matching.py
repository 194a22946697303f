"""Matching residents' questions to answers: both languages, dates, the "no answer" threshold, the cache."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from cases.policies import loader, service
from cases.policies.matching import IndexCache, answer_question
from tests.policies.helpers import NOW, TODAY, add, fields

HERE = Path(__file__).resolve().parent


def own_questions(name: str) -> list[tuple[str, str]]:
    data = yaml.safe_load((HERE / f"{name}.yml").read_text(encoding="utf-8"))
    return [(q["text"], q["answer"]) for q in data["questions"]]


@pytest.fixture
def sample(db):
    """The sample list, loaded."""
    with db.transaction() as session:
        loader.seed_sample(session, now=NOW)
    return db


def ask(db, question: str, cache: IndexCache | None = None, today=TODAY):
    with db.transaction() as session:
        match = answer_question(session, cache=cache or IndexCache(), question=question, today=today)
        return match.entry.code if match else "none"


@pytest.mark.parametrize("question,expected", [
    ("how do I sort my rubbish", "waste_sorting"),
    ("怎么申请占道停车", "roadside_parking_permit"),
    ("Can I charge my e-bike in the stairwell?", "ebike_charging"),
    ("电动车可以在楼道充电吗", "ebike_charging"),
    ("are fireworks banned at new year", "fireworks"),
    ("养狗要办证吗", "dog_registration"),
    ("how do I renew my passport", "none"),
    ("护照怎么办理", "none"),
])
def test_residents_words_find_the_answer_in_both_languages(sample, question, expected):
    assert ask(sample, question) == expected


@pytest.mark.parametrize("question", ["how do I apply for the winter heating subsidy", "冬季取暖补贴怎么申请"])
def test_an_expired_answer_is_never_given_even_as_the_best_match(sample, question):
    assert ask(sample, question, today=TODAY) == "none"
    # While it was live, the same question got it.
    assert ask(sample, question, today=TODAY.replace(year=2026, month=1, day=15)) == "heating_subsidy_2025"


def test_effective_and_expiry_dates_bound_an_answer(db):
    with db.transaction() as session:
        add(session, "stall_rules", title_en="Street stall rules", answer_en="Stalls only at night markets.",
            keywords_en="street stall, vending", effective_from=TODAY + timedelta(days=1),
            expires_on=TODAY + timedelta(days=10))
    cache = IndexCache()
    question = "street stalls"
    assert ask(db, question, cache, today=TODAY) == "none"  # not yet effective
    assert ask(db, question, cache, today=TODAY + timedelta(days=1)) == "stall_rules"
    assert ask(db, question, cache, today=TODAY + timedelta(days=9)) == "stall_rules"
    assert ask(db, question, cache, today=TODAY + timedelta(days=10)) == "none"  # the expiry day itself


def test_the_index_is_rebuilt_when_answers_change_and_only_then(db):
    cache = IndexCache()
    with db.transaction() as session:
        row = add(session, "trees", title_en="Pruning trees", answer_en="Ask the greening bureau.",
                  keywords_en="tree, prune")
        first = cache.index(session)
        assert cache.index(session) is first  # unchanged: the same index
        service.update_policy(session, policy=row, now=NOW, fields=fields(
            title_en="Pruning trees", answer_en="Ask the greening bureau.", keywords_en="tree, prune, hedge"))
        assert cache.index(session) is not first
    assert ask(db, "hedge pruning", cache) == "trees"
    with db.transaction() as session:
        service.retire_policy(session, policy=service.find_policy(session, code="trees"), now=NOW)
    assert ask(db, "hedge pruning", cache) == "none"


def test_example_questions_find_an_answer_whose_title_and_keywords_do_not_say_it(db):
    def lists(examples_en: str = "", examples_zh: str = "") -> None:
        with db.transaction() as session:
            for policy in service.list_policies(session):
                session.delete(policy)
            add(session, "bulky", title_en="Collection of large household items", answer_en="Book a collection.",
                keywords_en="bulky items", title_zh="大件垃圾清运", answer_zh="可预约上门清运。", keywords_zh="大件",
                examples_en=examples_en, examples_zh=examples_zh)
            add(session, "trees", title_en="Pruning trees", answer_en="Ask the greening bureau.",
                keywords_en="tree, prune, hedge", title_zh="修剪树木", answer_zh="请联系绿化局。",
                keywords_zh="树, 修剪")

    lists()
    assert ask(db, "we are moving out, who takes away the old piano") == "none"
    assert ask(db, "搬家了旧钢琴谁来拉走") == "none"
    # Staff add the ways residents ask; the same questions now find the answer (the index notices the change).
    lists(examples_en="moving out and the old piano has to go, who takes it away?",
          examples_zh="搬家扔旧钢琴找谁拉走")
    assert ask(db, "we are moving out, who takes away the old piano") == "bulky"
    assert ask(db, "搬家了旧钢琴谁来拉走") == "bulky"
    assert ask(db, "hedge pruning") == "trees"


def test_chinese_is_read_as_words_not_as_pairs_of_characters_across_words():
    from cases.policies.words import chinese_terms

    read = dict(chinese_terms("学生坐公交有没有半价"))
    assert {"学生", "公交", "半价"} <= set(read)
    assert "生坐" not in read and "坐公" not in read  # bigrams across two words matched answers by accident


def test_an_answer_written_in_one_language_only_is_found_in_that_language(db):
    with db.transaction() as session:
        add(session, "lanterns", title_zh="挂灯笼", answer_zh="春节可在阳台挂灯笼。", keywords_zh="灯笼, 挂灯笼")
    assert ask(db, "可以挂灯笼吗") == "lanterns"


@pytest.mark.parametrize("name", ["own_en", "own_zh"])
def test_our_own_questions_meet_the_targets(sample, name):
    questions = own_questions(name)
    cache = IndexCache()
    answered = [(q, a) for q, a in questions if a != "none"]
    unanswered = [q for q, a in questions if a == "none"]
    right = sum(ask(sample, q, cache) == a for q, a in answered)
    declined = sum(ask(sample, q, cache) == "none" for q in unanswered)
    assert right / len(answered) >= 0.9
    assert declined / len(unanswered) >= 0.75  # the no-answer figure we reach on our own set (README)


@pytest.mark.parametrize("traditional,expected", [
    ("電動車可以在樓道充電嗎", "ebike_charging"), ("養狗要辦證嗎", "dog_registration"), ("護照怎麼辦理", "none")])
def test_traditional_characters_are_read_as_simplified(sample, traditional, expected):
    assert ask(sample, traditional) == expected


def test_empty_or_punctuation_only_questions_get_nothing(sample):
    assert ask(sample, "") == "none"
    assert ask(sample, "？？!!") == "none"


def test_a_question_with_one_word_left_gets_an_answer_only_on_the_models_word_in_a_long_list(sample):
    # "work" is a keyword of the construction-hours answer and all that is left of the question after the
    # stopwords: the answer holds all of it, but in the sample list that is no reason to be sure.
    assert ask(sample, "how does this work") == "none"
    assert ask(sample, "你能干什么") == "none"


def test_the_thesaurus_makes_residents_words_meet_officials_words(db):
    with db.transaction() as session:
        add(session, "bulky", title_en="Collection of large household items", answer_en="Book a free collection.",
            keywords_en="sofa, wardrobe, mattress", title_zh="大件垃圾预约清运", answer_zh="可预约免费上门清运。",
            keywords_zh="沙发, 衣柜, 床垫")
        add(session, "fireworks", title_en="Fireworks rules", answer_en="Fireworks are banned in the centre.",
            keywords_en="fireworks", title_zh="烟花爆竹燃放规定", answer_zh="中心城区禁止燃放烟花爆竹。",
            keywords_zh="烟花爆竹")
    cache = IndexCache()
    # No word of these is in the answers: the thesaurus's groups are (couch = sofa, bangers = fireworks).
    assert ask(db, "couches?", cache) == "bulky"
    assert ask(db, "are bangers allowed", cache) == "fireworks"
    assert ask(db, "鞭炮", cache) == "fireworks"
    assert ask(db, "lawn mower", cache) == "none"


def test_no_phrase_of_the_thesaurus_is_in_two_groups_and_permits_are_not_fines():
    from cases.policies.words import THESAURUS, terms, thesaurus

    groups = yaml.safe_load(THESAURUS.read_text(encoding="utf-8"))["groups"]
    phrases = [phrase for group in groups for phrase in group]
    assert len(phrases) == len(set(phrases)) and all(groups)
    assert thesaurus().group_of  # compiled
    term_of = {word: [t for t, _ in terms(word) if t.startswith("~")] for word in ("permit", "fine", "dog", "cat")}
    assert all(len(found) == 1 for found in term_of.values()), term_of
    assert term_of["permit"] != term_of["fine"] and term_of["dog"] != term_of["cat"]
