"""Which answer fits a resident's question: BM25 over title, keywords and text, and a "no answer" threshold.

Ranking is BM25 (title and keywords count more than the answer's text). Whether the best answer is good
enough is a separate, bounded figure: the share of the question's informative words (weighted by how rare
they are among the answers) that the answer contains. BM25 scores grow with the question's length and
cannot be compared with one threshold; that share can.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import PolicyAnswer
from cases.policies.service import LANGUAGES, PolicyEntry, entry_of
from cases.policies.words import UNIGRAM_WEIGHT, is_cjk, terms

# Field weights: residents' words for a topic are in the title and keywords; the answer's text adds context.
FIELD_WEIGHTS = {"titles": 2.0, "keywords": 3.0, "answers": 1.0}
K1, B = 1.2, 0.75
TEXT_ONLY = 0.5
UNSEEN_FACTOR = 1.0
# Calibrated with our own questions on the sample list (tests/policies/own*_{en,zh}.yml), choosing by the third
# set, which never fed the keywords: the best balance of right answers and rightly declined questions.
MIN_COVERAGE = 0.45
LOW_COVERAGE = 0.3
LEAD = 2.0
MIN_EVIDENCE = 3.0


class Ranked(NamedTuple):
    """An answer's fit to a question: BM25 (for ranking), the share of the question it covers (0–1), and the
    weight of the question's words it has in its title or keywords (the evidence that it is the topic)."""

    entry: PolicyEntry
    bm25: float
    coverage: float
    evidence: float


@dataclass(frozen=True)
class Match:
    """The answer found for a question and how well it fits (0–1: the share of the question it covers)."""

    entry: PolicyEntry
    score: float


class PolicyIndex:
    """BM25 over a set of answers, built once; `rank` scores a question against each."""

    def __init__(self, entries: list[PolicyEntry]) -> None:
        self.entries = entries
        self.docs: list[defaultdict[str, float]] = []
        # Per answer, how much each of its terms counts towards coverage: fully when staff named it in the
        # title or keywords, half when it only occurs in the answer's text (incidental words: "clinic", "tomorrow").
        self.strength: list[dict[str, float]] = []
        document_frequency: Counter[str] = Counter()
        for entry in entries:
            weights: defaultdict[str, float] = defaultdict(float)
            strength: dict[str, float] = {}
            for field_name, factor in FIELD_WEIGHTS.items():
                for lang in LANGUAGES:
                    for term, weight in terms(getattr(entry, field_name)[lang]):
                        weights[term] += weight * factor
                        strength[term] = max(strength.get(term, 0.0), 1.0 if field_name != "answers" else TEXT_ONLY)
            self.docs.append(weights)
            self.strength.append(strength)
            document_frequency.update(weights.keys())
        count = max(len(entries), 1)
        self.idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in document_frequency.items()}
        # A word no answer has counts against coverage like the rarest known word (UNSEEN_FACTOR scales it):
        # it is often the topic the list does not cover ("passport"); the lead rules make up for circumstance
        # words ("neighbour", "last week") in long questions.
        self.unseen_idf = UNSEEN_FACTOR * math.log(1 + (count + 0.5) / 0.5)
        self.average_length = sum(sum(d.values()) for d in self.docs) / count if self.docs else 1.0

    def _weight_unmatched(self, term: str) -> float:
        """A term's idf; for a word no answer has, the rarest word's, unless it is a Chinese bigram across
        two words (both its characters are known, the pair is not): jieba-less bigrams make many of those."""
        if term in self.idf:
            return self.idf[term]
        if len(term) == 2 and is_cjk(term) and term[0] in self.idf and term[1] in self.idf:
            return self.unseen_idf * UNIGRAM_WEIGHT
        return self.unseen_idf

    def rank(self, question: str) -> list[Ranked]:
        """Every answer sharing a word with the question, best first."""
        wanted: dict[str, float] = defaultdict(float)
        for term, weight in terms(question):
            wanted[term] = max(wanted[term], weight)
        if not wanted:
            return []
        total = sum(weight * self._weight_unmatched(term) for term, weight in wanted.items())
        ranked = []
        for entry, doc, strength in zip(self.entries, self.docs, self.strength, strict=True):
            length_norm = K1 * (1 - B + B * sum(doc.values()) / self.average_length)
            bm25 = covered = evidence = 0.0
            for term, weight in wanted.items():
                frequency = doc.get(term, 0.0)
                if frequency:
                    idf = self.idf[term]
                    bm25 += weight * idf * frequency * (K1 + 1) / (frequency + length_norm)
                    covered += weight * idf * strength[term]
                    evidence += weight * idf if strength[term] == 1.0 else 0.0
            if bm25 > 0:
                ranked.append(Ranked(entry, bm25, covered / total, evidence))
        ranked.sort(key=lambda item: (-item.bm25, item.entry.code))
        return ranked


def best_match(index: PolicyIndex, *, question: str, today: date,
               min_coverage: float = MIN_COVERAGE) -> Optional[Match]:
    """The best live answer for the question, or None when none fits well enough.

    When the best fit is an answer that is not live today (expired, not yet effective), the question is
    about that: nothing is given rather than the next answer, which would be about something else.
    """
    ranked = index.rank(question)
    if not ranked:
        return None
    best = ranked[0]
    entry, coverage = best.entry, best.coverage
    runner_up = ranked[1] if len(ranked) > 1 else None
    # A long question holds words about the resident's circumstances that no answer has; it still fits
    # when one answer covers clearly more of it than any other, or names it by words staff gave for it
    # (rare ones: common words such as "apply" weigh little) and is clearly ahead.
    ahead = runner_up is None or best.bm25 >= LEAD * runner_up.bm25
    clear_lead = coverage >= LOW_COVERAGE and coverage >= LEAD * (runner_up.coverage if runner_up else 0.0)
    named = best.evidence >= MIN_EVIDENCE and ahead
    if (coverage < min_coverage and not clear_lead and not named) or not entry.live_on(today):
        return None
    return Match(entry=entry, score=round(coverage, 3))


class IndexCache:
    """One index per database, rebuilt only when the answers change (any column of any row)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, tuple[int, PolicyIndex]] = {}

    def index(self, session: Session) -> PolicyIndex:
        """The index of the answers not retired, from the cache while they are unchanged."""
        rows = session.scalars(select(PolicyAnswer).where(PolicyAnswer.retired_at.is_(None))
                               .order_by(PolicyAnswer.id)).all()
        entries = [entry_of(row) for row in rows]
        # Reading the rows is cheap (a few hundred); building the index is what the cache saves.
        fingerprint = hash(tuple(_key(entry) for entry in entries))
        where = str(session.get_bind().engine.url)
        with self._lock:
            cached = self._built.get(where)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            built = PolicyIndex(entries)
            self._built[where] = (fingerprint, built)
            return built


def _key(entry: PolicyEntry) -> tuple[object, ...]:
    return (entry.id, entry.code, tuple(entry.titles.items()), tuple(entry.answers.items()),
            tuple(entry.keywords.items()), entry.source_url, entry.effective_from, entry.expires_on)


def answer_question(session: Session, *, cache: IndexCache, question: str, today: date) -> Optional[Match]:
    """The best live answer for a resident's question today, or None."""
    return best_match(cache.index(session), question=question, today=today)
