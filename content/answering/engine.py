"""The answerer: triage first, then the FAQ ranking, then a confidence gate."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from Stemmer import Stemmer

from content.answering.index import Analyzer, FaqIndex, Query, vocabulary_of
from content.answering.small_talk import Chat, small_talk
from content.answering.synonyms import SynonymMap, food_synonyms
from content.answering.triage import Triage, TriageResult
from content.answering.urgency import MODEL_FILE, UrgencyModel
from content.enums import FaqSection
from content.library import Library
from content.loader import DEFAULT_DATA_DIR
from content.models import FaqEntry, RedFlag

# Chosen by 5-fold cross-validation on the tuning split of tests/ask_eval.yaml and by
# leave-one-phrasing-out ranking over the FAQ's own phrasings (see README, "/ask").
DEFAULT_THRESHOLD = 0.52
ALTERNATIVES = 3

# Ranking: a weighted sum of meaning signals over every entry sharing a term with the
# question: BM25 over the whole entry (relative to the best entry), idf-weighted Dice
# overlap with the entry's closest wording, and idf-weighted coverage of the question by
# the curated fields and by the best single keyword. No character-level fuzzy score: it
# let surface likeness ("banana for cramps?" vs "is magnesium good for cramps") beat meaning.
RANK_BM25 = 0.5
# Entries re-ranked by wording, coverage and keywords: the BM25 top few hold the answer
# (measured on the /ask evaluation set), and re-ranking all 94 was most of a slow answer.
RERANKED = 30
RANK_WORDING = 0.25
RANK_CURATED = 0.5
RANK_KEYWORD = 0.5

# Confidence: a weighted sum of signals in [0, 1]. Fuzzy closeness to a curated wording
# belongs here, not in ranking: it is what tells a real paraphrase from an off-topic
# question that shares a word or two with some entry.
WEIGHT_COVERAGE = 1 / 6
WEIGHT_OVERLAP = 1 / 3
WEIGHT_ORDER = 1 / 3
WEIGHT_STRENGTH = 1 / 6
# A BM25 score this high only comes from many matching topic words.
STRONG_SCORE = 8.0


# The FAQ sections that may follow urgent advice: what to do now, and magnesium excess.
URGENT_SECTIONS = frozenset({FaqSection.URGENT, FaqSection.EXCESS})


class AnswerKind(StrEnum):
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    URGENT = "urgent"
    # A greeting, thanks, "ok", emoji or another language: not a question at all.
    SMALL_TALK = "small_talk"


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    # The FAQ entry to show: always set for ANSWER, set for URGENT when one is relevant.
    entry: FaqEntry | None
    score: float
    confidence: float
    # The closest entries after `entry` (or the closest overall when there is no answer).
    alternatives: tuple[FaqEntry, ...]
    triage: TriageResult
    chat: Chat | None = None

    @property
    def red_flags(self) -> tuple[RedFlag, ...]:
        return self.triage.flags


@dataclass(frozen=True)
class Candidate:
    entry: FaqEntry
    score: float
    confidence: float


class Answerer:
    """Answers one message at a time; immutable after `build`, so one instance serves all chats."""

    def __init__(
        self, index: FaqIndex, triage: Triage, threshold: float, known: frozenset[str]
    ) -> None:
        self.index = index
        self.triage = triage
        self.threshold = threshold
        # Words the FAQ knows: a message made of them is English, whatever a detector guesses.
        self.known = known

    @classmethod
    def build(cls, library: Library, *, threshold: float = DEFAULT_THRESHOLD) -> Answerer:
        stemmer = Stemmer("english")
        synonyms = SynonymMap(extra=food_synonyms(library))
        vocabulary = vocabulary_of(library, synonyms)
        analyzer = Analyzer(stemmer, synonyms, vocabulary)
        model = UrgencyModel.load(DEFAULT_DATA_DIR / MODEL_FILE)
        triage = Triage(library.red_flags, library.concepts, stemmer, known=vocabulary, model=model)
        known = frozenset(vocabulary)
        return cls(FaqIndex.build(library, analyzer), triage, threshold, known)

    def with_threshold(self, threshold: float) -> Answerer:
        return Answerer(self.index, self.triage, threshold, self.known)

    def rank(self, text: str) -> list[Candidate]:
        """Every entry sharing a term with the question, best first."""
        query = self.index.analyzer.query(text)
        scores = self.index.scores(query.terms)
        top = float(scores.max()) if len(scores) else 0.0
        if top <= 0:
            return []
        signals = self.index.signals(frozenset(query.terms))
        candidates = []
        for position in _best_positions(scores, RERANKED):
            score = float(scores[position])
            rank_score = (
                RANK_BM25 * score / top
                + RANK_WORDING * float(signals.wording[position])
                + RANK_CURATED * float(signals.curated[position])
                + RANK_KEYWORD * float(signals.keyword[position])
            )
            candidates.append((rank_score, position, score))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        ranked = []
        for rank, (_, position, score) in enumerate(candidates):
            confidence = self._confidence(query, position, score) if rank == 0 else 0.0
            ranked.append(Candidate(self.index.entries[position], score, confidence))
        return ranked

    def answer(self, text: str) -> Answer:
        triage = self.triage.check(text)
        chat = None if triage.findings or triage.softened else small_talk(text, self.known)
        if chat is not None:
            return Answer(AnswerKind.SMALL_TALK, None, 0.0, 0.0, (), triage, chat)
        ranked = self.rank(text)
        best = ranked[0] if ranked else None
        entry = best.entry if best is not None and best.confidence >= self.threshold else None
        if triage.findings:
            kind = AnswerKind.URGENT
            # Under urgent advice only urgent or safety content, never an unrelated answer.
            if entry is not None and entry.section not in URGENT_SECTIONS:
                entry = None
        elif entry is not None:
            kind = AnswerKind.ANSWER
        else:
            kind = AnswerKind.NO_ANSWER
        skip = 1 if entry is not None else 0
        return Answer(
            kind=kind,
            entry=entry,
            score=best.score if best else 0.0,
            confidence=best.confidence if best else 0.0,
            alternatives=tuple(c.entry for c in ranked[skip : skip + ALTERNATIVES]),
            triage=triage,
        )

    def _confidence(self, query: Query, position: int, score: float) -> float:
        """How sure the top entry is right, in [0, 1]; weights fitted on the tuning split.

        Coverage says how much of the question the entry speaks to (off-topic questions
        share only a word or two with any entry); closeness to the entry's own wordings
        catches paraphrases; a high raw BM25 score rescues long, rambling messages whose
        coverage is diluted by storytelling.
        """
        coverage = self.index.coverage(query.terms, position)
        overlap = self.index.wording_overlap(query.text, position)
        order = self.index.wording_order(query.text, position)
        strength = min(score / STRONG_SCORE, 1.0)
        confidence = (
            WEIGHT_COVERAGE * coverage
            + WEIGHT_OVERLAP * overlap
            + WEIGHT_ORDER * order
            + WEIGHT_STRENGTH * strength
        )
        # Another nutrient ("low ferritin") or another use of magnesium (alloy wheels).
        return confidence * self.index.foreign_factor(query.terms, position)


def _best_positions(scores: npt.NDArray[np.floating[Any]], count: int) -> list[int]:
    """The `count` entries with the highest positive BM25 scores: only they are re-ranked."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > count:
        positive = positive[np.argpartition(-scores[positive], count - 1)[:count]]
    return sorted(positive.tolist())
