"""Residents' words as index terms: English words lightly stemmed, Chinese words as jieba cuts them, and the
thesaurus's groups (residents' words and officials' words for one thing, both languages) as one term each.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import jieba
import yaml

from cases.guards.cleaning import simplified

# Words that say how a question is asked, not what it is about.
EN_STOPWORDS = frozenset("""
a an the and or but if of to in on at by for from with about into as is are was were be been being am do does did
doing done have has had i me my mine we our us you your he she it its they them their this that these those there here
what when where which who whom why how can could would should shall will may might must need needs want wants please
tell know let any some anything something get got just still also not no yes so than then too very much many more
most hi hello thanks thank okay ok dear sir madam anyone somebody someone way ways allowed
""".split())  # noqa: SIM905 (a word list reads better as text)
# Chinese question and filler words; cut out before making bigrams, so they neither match nor join across.
ZH_STOPWORDS = (
    "请问一下", "请问", "想问一下", "想问问", "想问", "问一下", "咨询一下", "咨询", "打听一下", "你好", "您好",
    "怎么办", "怎么样", "怎么", "怎样", "如何", "什么时候", "什么", "哪里", "哪儿", "哪些", "哪个", "为什么",
    "是不是", "能不能", "可不可以", "可以", "能否", "需要", "应该", "要不要", "有没有", "我们", "我家", "我的",
    "你们", "一下", "的话", "吗", "呢", "吧", "啊", "呀", "的", "了", "是", "我", "您", "你", "在", "和", "有", "要",
    "去", "个", "把", "这", "那", "都", "还", "就", "也", "能", "会", "得", "地", "着", "么", "谢谢",
)
_ZH_STOP = re.compile("|".join(sorted(map(re.escape, ZH_STOPWORDS), key=len, reverse=True)))
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# Weight of a one-character Chinese word against a longer one: it still catches 狗 or 树 without letting
# common characters (车, 道) decide the match.
UNIGRAM_WEIGHT = 0.3


def stem(word: str) -> str:
    """A light English stem: plural and verb endings off, so "bins"/"bin", "pruning"/"prune" meet."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("es") and len(word) >= 5 and (word[-3] in "sxz" or word[-4:-2] in ("ch", "sh")):
        word = word[:-2]  # boxes, dishes, bushes
    else:
        for suffix, replacement, shortest in (("ies", "y", 5), ("ied", "y", 5), ("ing", "", 6), ("ed", "", 5),
                                              ("ions", "", 8), ("ion", "", 7), ("s", "", 4)):
            if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
                word = word[: len(word) - len(suffix)] + replacement
                break
    # "prun(e)", "charg(e)", "mov(e)": drop a final e so verb forms meet their stems.
    if len(word) >= 4 and word.endswith("e"):
        word = word[:-1]
    # "stopp(ing)" -> "stop"
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return word


def english_terms(text: str) -> list[tuple[str, float]]:
    """(term, weight) for the English words of `text`, stopwords left out."""
    lowered = text.lower().replace("'s ", " ").replace("’s ", " ").replace("-", "")
    return [(stem(word), 1.0) for word in _LATIN_WORD.findall(lowered) if word not in EN_STOPWORDS]


def chinese_terms(text: str) -> list[tuple[str, float]]:
    """(term, weight) for the Chinese of `text`: its words as jieba cuts them (dictionary only: no guessing of
    unknown words), a one-character word lightly. Words, not character bigrams: a bigram across two words
    (学生坐 -> 生坐) matches answers by accident and blurs what the question is about."""
    terms: list[tuple[str, float]] = []
    for run in _CJK_RUN.findall(_ZH_STOP.sub(" ", text)):
        terms.extend((word, UNIGRAM_WEIGHT if len(word) == 1 else 1.0) for word in _segmenter().lcut(run, HMM=False))
    return terms


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    """jieba's tokenizer with its own dictionary, loaded once per process (about a second; `warm` does it early)."""
    logging.getLogger("jieba").setLevel(logging.WARNING)  # it reports building its dictionary at debug level
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def warm() -> None:
    """Load the dictionary now, so that the first Chinese question does not wait for it."""
    _segmenter()


THESAURUS = Path(__file__).with_name("thesaurus.yml")
GROUP_PREFIX = "~"  # a group's term: "~12"; no word of a text can make one (words are [a-z0-9] or Chinese)


class Thesaurus(NamedTuple):
    """The phrases of every group, found in one pass: longest first, English ones on word boundaries."""

    pattern: re.Pattern[str]
    group_of: dict[str, int]


def _folded(text: str) -> str:
    """Lower case, hyphens and apostrophes dropped ("E-bike" and "ebike" meet), as english_terms reads words."""
    return text.lower().replace("-", "").replace("'", "").replace("’", "")


@lru_cache(maxsize=4)
def thesaurus(path: Path = THESAURUS) -> Thesaurus:
    """The thesaurus file's groups, compiled once per process."""
    groups = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("groups") or []
    group_of: dict[str, int] = {}
    for number, group in enumerate(groups):
        for phrase in group:
            group_of.setdefault(" ".join(_folded(str(phrase)).split()), number)
    alternatives = []
    for phrase in sorted(group_of, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        # English: whole words, a plural ending allowed ("couches"); Chinese: anywhere in the run.
        alternatives.append(rf"(?<![a-z0-9]){escaped}(?:e?s)?(?![a-z0-9])" if phrase[-1].isascii() else escaped)
    return Thesaurus(re.compile("|".join(alternatives) or r"(?!)"), group_of)


def terms(text: str) -> list[tuple[str, float]]:
    """Every index term of `text`, whatever its languages (residents mix them: "e-bike 充电"), traditional
    characters read as simplified. A phrase of the thesaurus becomes its group's term instead of its words, so
    "couch" and "sofa" are the same term."""
    known = thesaurus()
    groups: list[tuple[str, float]] = []
    text = simplified(text)  # 廢電池 and 废电池 are the same words (residents from Hong Kong and Taiwan)

    def group_term(found: re.Match[str]) -> str:
        phrase = " ".join(found.group(0).split())
        # The phrase itself, or with its plural ending ("couches", "bins") taken off.
        number = next((known.group_of[p] for p in (phrase, phrase[:-2], phrase[:-1]) if p in known.group_of), None)
        if number is None:
            return found.group(0)
        groups.append((f"{GROUP_PREFIX}{number}", 1.0))
        return " | "  # neither an English word nor a Chinese character: nothing joins across it

    rest = known.pattern.sub(group_term, _folded(text))
    return english_terms(rest) + chinese_terms(rest) + groups
