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
from cases.policies.words import GROUP_PREFIX, terms

# Field weights: residents' words for a topic are in the title, keywords and example questions; the answer's
# text adds context.
FIELD_WEIGHTS = {"titles": 2.0, "keywords": 3.0, "answers": 1.0, "examples": 1.0}
K1, B = 1.2, 0.75
# How much a term counts towards coverage: fully when staff named it in the title or keywords, half when it only
# occurs in the answer's text (incidental words: "clinic", "tomorrow") or in an example question (its
# circumstances: "my nan", "last week").
TEXT_ONLY = 0.5
FIELD_STRENGTH = {"titles": 1.0, "keywords": 1.0, "answers": TEXT_ONLY, "examples": TEXT_ONLY}
UNSEEN_FACTOR = 1.0
# Whether the best answer fits is a logistic model of how it ranked (features below), fitted by
# `python -m bench.policy_fit` on our own question sets (tests/policies/own*, dev*), never on the held-out ones,
# asked of the sample list with and without its example questions.
DECISION_WEIGHTS = (2.3614, 0.0858, 0.1751, 1.5022, -1.6731, 1.8417, -2.2248, -0.5778, 0.7901, -2.1588)
DECISION_BIAS = -4.4000
# The probability below which no answer is given: of the thresholds bench.policy_fit tries over our own sets (each
# left out of the fit in turn), 0.7 has the highest lowest figure of the four (top-1 and "no answer", both
# languages: 87% against 80% at 0.5, where a fifth of the questions that have no answer got one).
MIN_FIT = 0.7
# Coverage, and closeness to one of the answer's example questions, above which the best answer is given
# whatever the model says (`sure`).
SURE_COVERAGE = 0.8
SURE_NEAREST = 0.7
SHORT_LIST = 5  # answers


class Ranked(NamedTuple):
    """An answer's fit to a question: BM25 (for ranking), the share of the question it covers (0–1), and the
    weight of the question's words it has in its title or keywords (the evidence that it is the topic)."""

    entry: PolicyEntry
    bm25: float
    coverage: float
    evidence: float
    missing: float = 0.0  # the largest share of the question in one word the answer lacks ("passport")
    # The share of the question's thesaurus concepts ("fine", "student") not in the answer's title, keywords or
    # example questions: a question about a neighbouring topic (a parking fine, not a permit) names a concept
    # staff did not give.
    foreign: float = 0.0
    nearest: float = 0.0  # the question's closeness (cosine, idf-weighted) to the answer's closest example question


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
        self.named: list[set[str]] = []  # per answer, the terms of its title, keywords and example questions
        # Per answer, how much each of its terms counts towards coverage (FIELD_STRENGTH).
        self.strength: list[dict[str, float]] = []
        examples: list[list[dict[str, float]]] = []  # per answer, each example question's terms
        document_frequency: Counter[str] = Counter()
        for entry in entries:
            # Each text read once (finding the thesaurus's phrases is most of the cost); examples line by line.
            lines = [terms(line) for lang in LANGUAGES for line in entry.examples[lang].splitlines()]
            read = {field_name: [term for lang in LANGUAGES for term in terms(getattr(entry, field_name)[lang])]
                    for field_name in ("titles", "keywords", "answers")}
            read["examples"] = [term for line in lines for term in line]
            weights: defaultdict[str, float] = defaultdict(float)
            strength: dict[str, float] = {}
            for field_name, factor in FIELD_WEIGHTS.items():
                for term, weight in read[field_name]:
                    weights[term] += weight * factor
                    strength[term] = max(strength.get(term, 0.0), FIELD_STRENGTH[field_name])
            self.docs.append(weights)
            self.strength.append(strength)
            self.named.append({term for name in ("titles", "keywords", "examples") for term, _ in read[name]})
            examples.append([dict(line) for line in lines])
            document_frequency.update(weights.keys())
        count = max(len(entries), 1)
        self.idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in document_frequency.items()}
        # A word no answer has counts against coverage like the rarest known word (UNSEEN_FACTOR scales it):
        # it is often the topic the list does not cover ("passport"); the lead rules make up for circumstance
        # words ("neighbour", "last week") in long questions.
        self.unseen_idf = UNSEEN_FACTOR * math.log(1 + (count + 0.5) / 0.5)
        self.average_length = sum(sum(d.values()) for d in self.docs) / count if self.docs else 1.0
        # Each example question as a unit vector of idf-weighted terms, for the closest-example figure.
        self.example_vectors = [[self._unit(example) for example in own] for own in examples]

    def _unit(self, weights: dict[str, float]) -> dict[str, float]:
        """The terms as a vector of idf weights of length one."""
        vector = {term: weight * self._weight_unmatched(term) for term, weight in weights.items()}
        norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
        return {term: value / norm for term, value in vector.items()}

    def _weight_unmatched(self, term: str) -> float:
        """A term's idf; for a word no answer has, the rarest word's."""
        return self.idf.get(term, self.unseen_idf)

    def rank(self, question: str) -> list[Ranked]:
        """Every answer sharing a word with the question, best first."""
        return self.rank_with_unseen(question)[0]

    def rank_with_unseen(self, question: str) -> tuple[list[Ranked], float, int]:
        """The ranking, the share of the question's weight in words no answer has, and its number of terms."""
        wanted: dict[str, float] = defaultdict(float)
        for term, weight in terms(question):
            wanted[term] = max(wanted[term], weight)
        if not wanted:
            return [], 0.0, 0
        total = sum(weight * self._weight_unmatched(term) for term, weight in wanted.items())
        unseen = sum(weight * self._weight_unmatched(term) for term, weight in wanted.items()
                     if term not in self.idf) / total
        question_vector = self._unit(wanted)
        concepts = [term for term in wanted if term.startswith(GROUP_PREFIX)]
        ranked = []
        for entry, doc, strength, examples, named in zip(self.entries, self.docs, self.strength,
                                                         self.example_vectors, self.named, strict=True):
            length_norm = K1 * (1 - B + B * sum(doc.values()) / self.average_length)
            bm25 = covered = evidence = missing = 0.0
            for term, weight in wanted.items():
                frequency = doc.get(term, 0.0)
                if frequency:
                    idf = self.idf[term]
                    bm25 += weight * idf * frequency * (K1 + 1) / (frequency + length_norm)
                    covered += weight * idf * strength[term]
                    evidence += weight * idf if strength[term] == 1.0 else 0.0
                else:
                    missing = max(missing, weight * self._weight_unmatched(term))
            if bm25 > 0:
                foreign = sum(term not in named for term in concepts) / len(concepts) if concepts else 0.0
                nearest = max((sum(value * example.get(term, 0.0) for term, value in question_vector.items())
                               for example in examples), default=0.0)
                ranked.append(Ranked(entry, bm25, covered / total, evidence, missing / total, foreign, nearest))
        ranked.sort(key=lambda item: (-item.bm25, item.entry.code))
        return ranked, unseen, len(wanted)


def features(ranked: list[Ranked], unseen: float, question_terms: int) -> tuple[float, ...]:
    """What the decision reads of a ranking: the best answer's coverage and its lead over the next, its BM25
    lead, the weight of the question's words staff gave for it (evidence, in idf), the share in words no answer
    has, the question's length, the largest share of it in one word the best answer lacks, the closest example
    question's closeness and its lead over the next answer's, and the share of concepts foreign to the answer."""
    best, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    return (best.coverage, best.coverage - (runner_up.coverage if runner_up else 0.0),
            math.log((best.bm25 + 1.0) / ((runner_up.bm25 if runner_up else 0.0) + 1.0)),
            math.log1p(best.evidence), unseen, math.log1p(question_terms), best.missing,
            best.nearest, best.nearest - (runner_up.nearest if runner_up else 0.0), best.foreign)


def fit_of(values: tuple[float, ...]) -> float:
    """The decision model's probability that the best answer is the right one."""
    z = DECISION_BIAS + sum(w * x for w, x in zip(DECISION_WEIGHTS, values, strict=True))
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


COVERAGE, NEAREST = 0, 7  # positions in `features`


def sure(values: tuple[float, ...], answers: int) -> bool:
    """Whether the best answer is given whatever the model says: the question is nearly one of its example
    questions (staff said this question gets this answer), or, in a short list, the answer holds nearly all of
    the question. In a short list (a city starting with a few answers) idf is small everywhere, and the model,
    fitted on a longer list, would doubt a right answer; in a longer one the model decides, or a question with
    one word left after the stopwords ("how does this work") would get any answer that has the word."""
    return values[NEAREST] >= SURE_NEAREST or (answers <= SHORT_LIST and values[COVERAGE] >= SURE_COVERAGE)


def best_match(index: PolicyIndex, *, question: str, today: date, min_fit: float = MIN_FIT) -> Optional[Match]:
    """The best live answer for the question, or None when none fits well enough.

    When the best fit is an answer that is not live today (expired, not yet effective), the question is
    about that: nothing is given rather than the next answer, which would be about something else.
    """
    ranked, unseen, count = index.rank_with_unseen(question)
    if not ranked:
        return None
    values = features(ranked, unseen, count)
    fit = fit_of(values)
    if (fit < min_fit and not sure(values, len(index.entries))) or not ranked[0].entry.live_on(today):
        return None
    return Match(entry=ranked[0].entry, score=round(fit, 3))


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
            tuple(entry.keywords.items()), tuple(entry.examples.items()), entry.source_url, entry.effective_from,
            entry.expires_on)


def answer_question(session: Session, *, cache: IndexCache, question: str, today: date) -> Optional[Match]:
    """The best live answer for a resident's question today, or None."""
    return best_match(cache.index(session), question=question, today=today)
