"""Red-flag triage: does a message describe an emergency from content's red-flag list?

Recall matters more than precision here: a needless "get help now" costs a moment, a missed
one could cost much more. So phrases match through typos ("chest pian"), word endings
("passed out" / "pass out"), and one filler word between phrase words ("my chest really
hurts"), but only on whole words, so "fit" never fires inside "fitness".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA
from Stemmer import Stemmer

from content.answering.normalise import words
from content.models import RedFlag

# Words allowed between two phrase words ("took way too many", "face is drooping").
MAX_GAP = 1
# Red flags scan the whole message: an emergency at the end of a long story still counts.
MAX_TRIAGE_WORDS = 1000


@dataclass(frozen=True)
class _Phrase:
    flag: RedFlag
    words: tuple[str, ...]


class Triage:
    def __init__(
        self,
        red_flags: Sequence[RedFlag],
        stemmer: Stemmer,
        known: Iterable[str] = (),
    ) -> None:
        """`known` words are spelled right, so they skip the (costlier) typo search."""
        self._stemmer = stemmer
        phrases: list[_Phrase] = []
        exact: list[tuple[re.Pattern[str], RedFlag]] = []
        for flag in red_flags:
            for phrase in flag.phrases:
                found = tuple(words(phrase, limit=None))
                if len(found) == 1 and len(found[0]) < 4:
                    # Folding would turn "od'd" into "odd"; short one-word phrases match as typed.
                    raw = re.escape(_raw(phrase))
                    exact.append((re.compile(rf"(?<!\w){raw}(?!\w)"), flag))
                elif found:
                    phrases.append(_Phrase(flag, found))
        self._phrases = tuple(phrases)
        self._order = {flag.id: n for n, flag in enumerate(red_flags)}
        self._exact = tuple(exact)
        self._vocabulary = sorted({word for phrase in phrases for word in phrase.words})
        self._known = frozenset(known) | frozenset(self._vocabulary)
        by_stem: dict[str, set[str]] = {}
        for word in self._vocabulary:
            by_stem.setdefault(stemmer.stemWord(word), set()).add(word)
        self._by_stem = {stem: frozenset(found) for stem, found in by_stem.items()}

    def check(self, text: str) -> tuple[RedFlag, ...]:
        """The red flags `text` describes, in content order, each once."""
        found = words(text, limit=MAX_TRIAGE_WORDS)
        matches = self._word_matches(found)
        hits: list[RedFlag] = [flag for pattern, flag in self._exact if pattern.search(_raw(text))]
        present = frozenset().union(*matches.values())
        for phrase in self._phrases:
            if phrase.flag in hits or not present.issuperset(phrase.words):
                continue
            if _contains(found, matches, phrase.words):
                hits.append(phrase.flag)
        return tuple(sorted(hits, key=lambda flag: self._order[flag.id]))

    def _word_matches(self, found: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each distinct message word, the phrase words it stands for."""
        matches: dict[str, frozenset[str]] = {}
        for word in set(found):
            stem = self._stemmer.stemWord(word)
            same = set(self._by_stem.get(stem, ()))
            if len(word) >= 4 and word not in self._known:
                near = process.extract(
                    word, self._vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None
                )
                same |= {p for p, _, _ in near if _is_typo(word, p)}
            matches[word] = frozenset(same)
        return matches


def _raw(text: str) -> str:
    return text.casefold().replace("’", "'")


_REPEATS = re.compile(r"(.)\1+")


def _is_typo(word: str, target: str) -> bool:
    """One edit away; four-letter words only by a swap or a doubled letter ("pian", "painn").

    Any single edit of a four-letter word makes a different word too often
    ("want" / "cant", "rate" / "race").
    """
    if len(target) < 4:
        return False
    if min(len(word), len(target)) == 4:
        swapped = len(word) == len(target) and sorted(word) == sorted(target)
        return swapped or _REPEATS.sub(r"\1", word) == _REPEATS.sub(r"\1", target)
    return True


def _contains(
    found: Sequence[str], matches: dict[str, frozenset[str]], phrase: tuple[str, ...]
) -> bool:
    def match_from(position: int, index: int) -> bool:
        if index == len(phrase):
            return True
        window = range(position, min(len(found), position + MAX_GAP + 1))
        return any(
            phrase[index] in matches[found[p]] and match_from(p + 1, index + 1) for p in window
        )

    return any(
        phrase[0] in matches[found[start]] and match_from(start + 1, 1)
        for start in range(len(found))
    )
