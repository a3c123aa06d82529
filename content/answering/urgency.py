"""A learned second opinion for triage: which red flag a message most resembles.

The concept rules in safety.yaml explain themselves and are right about what they match, but
measured on messages from writers they were never tuned on, they recognised about 83 % of
emergencies. A linear model over character and word n-grams, trained on the evaluation set's
tuning split, generalises to new wordings and typos better than any word list. It speaks only
when the rules found nothing (so it never changes a rule's decision) and only above a
probability threshold chosen on a batch of messages it was not trained on.

The model is trained by `python -m content train-triage` (scikit-learn, a development
dependency) and shipped as arrays in `content/data/urgency_model.npz`; this module replays the
same feature extraction in NumPy, so the bot needs no scikit-learn and a prediction costs
tens of microseconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

MODEL_FILE = "urgency_model.npz"
CALM = "calm"
# Character n-grams inside word boundaries (typos keep most of a word's n-grams) and word
# uni- and bigrams (phrases such as "wont wake"); the same settings the trainer uses.
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
_WHITE_SPACE = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")

FloatArray = npt.NDArray[np.float64]


def char_ngrams(text: str) -> Counter[str]:
    """scikit-learn's `char_wb` analyser, counted: n-grams of each space-padded word.

    Each distinct word is cut once and its n-grams weighted by how often it occurs, which
    keeps a 4,096-character message cheap.
    """
    grams: Counter[str] = Counter()
    for word, times in Counter(_WHITE_SPACE.sub(" ", text.lower()).split()).items():
        for gram in _word_grams(f" {word} "):
            grams[gram] += times
    return grams


def _word_grams(padded: str) -> list[str]:
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:
            # A word no longer than n counts once, whole, as scikit-learn counts it.
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def word_ngrams(text: str) -> Counter[str]:
    """scikit-learn's `word` analyser, counted: tokens of two or more word characters, and
    their pairs."""
    tokens = _TOKEN.findall(text.lower())
    low, high = WORD_NGRAMS
    grams = Counter(tokens) if low == 1 else Counter()
    for n in range(max(low, 2), high + 1):
        grams.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass(frozen=True)
class Vocabulary:
    index: dict[str, int]
    idf: FloatArray

    def vector(self, grams: Counter[str]) -> tuple[list[int], FloatArray]:
        """Sparse sublinear tf-idf, L2-normalised: column indices and their values."""
        index = self.index
        columns: list[int] = []
        weights: list[float] = []
        for gram, times in grams.items():
            column = index.get(gram)
            if column is not None:
                columns.append(column)
                weights.append(1.0 + math.log(times))
        # One fancy-indexed gather: reading idf one element at a time built a NumPy scalar
        # per n-gram, most of this function's cost.
        values = np.array(weights) * self.idf[columns]
        norm = float(np.linalg.norm(values)) if len(values) else 0.0
        return columns, values / norm if norm else values


@dataclass(frozen=True)
class Prediction:
    category: str
    probability: float


@dataclass(frozen=True)
class UrgencyModel:
    classes: tuple[str, ...]
    chars: Vocabulary
    words: Vocabulary
    # One row per class: character features first, then word features, as trained.
    coef: FloatArray
    intercept: FloatArray
    threshold: float
    # Above this probability of "calm", a rule's alarm is softened (Triage._softened).
    calm_threshold: float
    training_digest: str

    @classmethod
    def load(cls, path: Path) -> UrgencyModel | None:
        """The shipped model, or None when a content folder has none (rules alone)."""
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(
                classes=tuple(str(c) for c in data["classes"]),
                chars=_vocabulary(data["char_grams"], data["char_idf"]),
                words=_vocabulary(data["word_grams"], data["word_idf"]),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                threshold=float(data["threshold"]),
                calm_threshold=float(data["calm_threshold"]),
                training_digest=str(data["training_digest"]),
            )

    def probabilities(self, text: str) -> FloatArray:
        char_columns, char_values = self.chars.vector(char_ngrams(text))
        word_columns, word_values = self.words.vector(word_ngrams(text))
        offset = len(self.chars.index)
        scores = self.intercept.copy()
        if char_columns:
            scores += self.coef[:, char_columns] @ char_values
        if word_columns:
            scores += self.coef[:, [offset + c for c in word_columns]] @ word_values
        scores -= scores.max()
        exp = np.exp(scores)
        result: FloatArray = exp / exp.sum()
        return result

    def knows(self, text: str) -> bool:
        """Whether every word of `text` was in the training messages."""
        return all(token in self.words.index for token in _TOKEN.findall(text.lower()))

    def calm_probability(self, text: str) -> float:
        return float(self.probabilities(text)[self.classes.index(CALM)])

    def predict(self, text: str) -> Prediction | None:
        """The red flag the message most resembles, if the model is confident enough."""
        probabilities = self.probabilities(text)
        best = int(np.argmax(probabilities))
        category, probability = self.classes[best], float(probabilities[best])
        if category == CALM or probability < self.threshold:
            return None
        return Prediction(category, probability)


def _vocabulary(grams: npt.NDArray[np.str_], idf: FloatArray) -> Vocabulary:
    return Vocabulary({str(g): i for i, g in enumerate(grams)}, idf.astype(np.float64))
