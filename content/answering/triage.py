"""Red-flag triage: does a message describe an emergency of reference section 8?

Recall comes first: a needless "get help now" costs a moment, a missed one could cost a
life. So triage works on concepts, not fixed phrases. Each red flag in safety.yaml is a set
of rules, each rule a few concepts ("chest" + "pain", "a child" + "swallowed" + "tablets")
that must all appear within a few words of each other. A concept is the words people use
for one idea, matched through typos ("chset"), word endings ("fainted" / "fainting") and
one filler word inside a term ("cant really breathe"), and only on whole words, so "fit"
never fires inside "fitness".

Precision comes from structure rather than from dropping words: a negated concept ("no
chest pain") does not count, an acute event told as long past ("I fainted once years ago")
does not count, a single ambiguous word never fires alone, and a general question ("can
magnesium cause a seizure?") still gets the advice, worded conditionally.

Every finding names the rule and the words that fired it, so the log explains each alarm.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA
from Stemmer import Stemmer

from content.answering.normalise import RESPELLINGS, fold
from content.models import Concept, RedFlag

# Red flags scan the whole message: an emergency at the end of a long story still counts.
MAX_TRIAGE_WORDS = 1000
# Filler words allowed inside a multi-word term ("cant really breathe", "took way too many").
TERM_GAP = 1
# A negation word this many words before a concept cancels it ("no chest pain").
NEGATION_REACH = 3
# Matches of one concept considered per rule: bounds the work on a pasted wall of text.
MAX_MATCHES = 24

# Project triage thresholds (not content: they only decide when to show urgent advice).
PILL_COUNT = 5
BIG_DOSE_MG = 2000
SLOW_PULSE = 50
FAST_PULSE = 120
LOW_SYSTOLIC = 90
HIGH_SYSTOLIC = 140
LOW_EGFR = 30
CHILD_YEARS = 12

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+|[.!?;:,/()]")
_BREAKS = frozenset(".!?;:,()")
_CLAUSE_WORDS = frozenset({"but", "though", "although", "however", "except"})
_QUESTION_WORDS = frozenset(
    "can could does do did is are was will would should what whats how why when which "
    "who if any anyone".split()
)
_PILL_WORDS = frozenset(
    "pill pills tablet tablets tabs capsule capsules caps gummy gummies gummie "
    "chewables softgels softgel laxatives antacids them those these".split()
)
_PULSE_WORDS = frozenset(["pulse", "bpm", "hr", "heartrate", "rate", "beats"])
_REPEATS = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class _Token:
    text: str
    is_break: bool


@dataclass(frozen=True)
class _Term:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """Where one concept was found: token positions [start, end] and the words themselves."""

    concept: str
    start: int
    end: int
    words: str
    negated: bool


@dataclass(frozen=True)
class Finding:
    """One red flag that fired, with the rule and the words that fired it (for the log)."""

    flag: RedFlag
    rule: tuple[str, ...]
    evidence: tuple[str, ...]

    def explain(self) -> str:
        pairs = ", ".join(f"{c}={w!r}" for c, w in zip(self.rule, self.evidence, strict=True))
        return f"{self.flag.id} [{pairs}]"


@dataclass(frozen=True)
class TriageResult:
    findings: tuple[Finding, ...]
    # A general question about an emergency topic: the advice is worded "if this is
    # happening now". Never lowers recall: the advice is given either way.
    hypothetical: bool
    # The message mentions a symptom, so even a no-answer reply ends with a safety line.
    mentions_symptom: bool

    @property
    def flags(self) -> tuple[RedFlag, ...]:
        return tuple(finding.flag for finding in self.findings)

    def explain(self) -> str:
        return "; ".join(finding.explain() for finding in self.findings)


class Triage:
    def __init__(
        self,
        red_flags: Sequence[RedFlag],
        concepts: Sequence[Concept],
        stemmer: Stemmer,
        known: Iterable[str] = (),
    ) -> None:
        """`known` words are spelled right, so they skip the (costlier) typo search."""
        self._flags = tuple(red_flags)
        self._stemmer = stemmer
        self._terms = {c.id: tuple(_term(t) for t in c.terms) for c in concepts}
        self._except = {c.id: tuple(_term(t) for t in c.except_in) for c in concepts}
        vocabulary = {
            word
            for terms in (*self._terms.values(), *self._except.values())
            for term in terms
            for word in term.words
            if not word.endswith("*") and not word.startswith("=")
        }
        self._vocabulary = sorted(vocabulary)
        self._by_first: dict[str, list[tuple[str, _Term, bool]]] = {}
        self._prefixed: list[tuple[str, tuple[str, _Term, bool]]] = []
        for concept in concepts:
            for terms, exception in (
                (self._terms[concept.id], False),
                (self._except[concept.id], True),
            ):
                for term in terms:
                    self._index(concept.id, term, exception=exception)
        self._known = frozenset(known) | frozenset(vocabulary)
        by_stem: dict[str, set[str]] = {}
        for word in self._vocabulary:
            by_stem.setdefault(stemmer.stemWord(word), set()).add(word)
        self._by_stem = {stem: frozenset(found) for stem, found in by_stem.items()}

    def _index(self, concept: str, term: _Term, *, exception: bool) -> None:
        first = term.words[0]
        entry = (concept, term, exception)
        if first.endswith("*"):
            self._prefixed.append((first[:-1], entry))
        elif exception or first.startswith("="):
            # Exceptions and "=word" terms start only on the exact word.
            self._by_first.setdefault("=" + first.removeprefix("="), []).append(entry)
        else:
            self._by_first.setdefault(first, []).append(entry)

    def check(self, text: str) -> TriageResult:
        tokens = _tokens(text)
        words = [t.text for t in tokens]
        same = self._word_matches(words)
        found, excepted = self._scan(tokens, same)
        negations = frozenset(end for _, end in found.get("negation", ()))
        cache: dict[str, list[Match]] = {}

        def matches(concept: str) -> list[Match]:
            if concept not in cache:
                cache[concept] = self._matches(concept, tokens, found, excepted, negations)
            return cache[concept]

        history = _present(matches("remote-past")) and not _present(matches("happening-now"))
        findings: list[Finding] = []
        for flag in self._flags:
            if flag.acute and history:
                continue
            for rule in flag.when:
                evidence = _satisfied(rule, [matches(c) for c in rule], flag.within)
                if evidence is not None:
                    findings.append(Finding(flag, rule, evidence))
                    break
        return TriageResult(
            findings=tuple(findings),
            hypothetical=bool(findings) and self._general_question(text, words, matches),
            mentions_symptom=bool(findings) or _present(matches("symptom")),
        )

    def _general_question(
        self, text: str, words: Sequence[str], matches: Callable[[str], list[Match]]
    ) -> bool:
        """A question about a topic, not a report of something happening to someone now."""
        asks = "?" in text or (bool(words) and words[0] in _QUESTION_WORDS)
        return (
            asks and _present(matches("general-question")) and not _present(matches("present-now"))
        )

    # --- finding concepts ----------------------------------------------------------------

    def _scan(
        self, tokens: Sequence[_Token], same: dict[str, frozenset[str]]
    ) -> tuple[dict[str, set[tuple[int, int]]], dict[str, list[tuple[int, int]]]]:
        """Every term and exception phrase found, in one pass over the message.

        Terms are indexed by their first word, so each message word only tries the terms
        that can start there: the cost grows with the message, not with the term list.
        """
        found: dict[str, set[tuple[int, int]]] = {}
        excepted: dict[str, list[tuple[int, int]]] = {}
        for start, token in enumerate(tokens):
            if token.is_break:
                continue
            keys = {*same.get(token.text, ()), "=" + token.text}
            candidates = [entry for key in keys for entry in self._by_first.get(key, ())]
            candidates += [e for prefix, e in self._prefixed if token.text.startswith(prefix)]
            for concept, term, exception in candidates:
                rest = term.words[1:]
                end = self._rest_from(start + 1, rest, tokens, None if exception else same)
                if end is None:
                    continue
                if exception:
                    excepted.setdefault(concept, []).append((start, end))
                else:
                    found.setdefault(concept, set()).add((start, end))
        return found, excepted

    def _matches(
        self,
        concept: str,
        tokens: Sequence[_Token],
        found: dict[str, set[tuple[int, int]]],
        excepted: dict[str, list[tuple[int, int]]],
        negations: frozenset[int],
    ) -> list[Match]:
        if concept not in self._terms:
            return list(itertools.islice(_numeric(concept, tokens), MAX_MATCHES))
        exceptions = excepted.get(concept, ())
        kept = [
            (start, end)
            for start, end in sorted(found.get(concept, ()))
            if not any(s <= end and start <= e for s, e in exceptions)
        ]
        return [
            Match(
                concept,
                start,
                end,
                " ".join(t.text for t in tokens[start : end + 1]),
                concept != "negation" and _negated(tokens, start, negations),
            )
            for start, end in kept[:MAX_MATCHES]
        ]

    def _rest_from(
        self,
        position: int,
        rest: tuple[str, ...],
        tokens: Sequence[_Token],
        same: dict[str, frozenset[str]] | None,
    ) -> int | None:
        if not rest:
            return position - 1
        # Exception phrases (same=None) are contiguous; terms allow a filler word.
        gap = 0 if same is None else TERM_GAP
        for p in range(position, min(len(tokens), position + gap + 1)):
            if tokens[p].is_break:
                return None
            if self._is(tokens[p].text, rest[0], same):
                end = self._rest_from(p + 1, rest[1:], tokens, same)
                if end is not None:
                    return end
        return None

    def _is(self, word: str, term_word: str, same: dict[str, frozenset[str]] | None) -> bool:
        """Does message `word` stand for `term_word`? `same=None` asks for the exact word."""
        if term_word.endswith("*"):
            return word.startswith(term_word[:-1])
        if term_word.startswith("=") or same is None:
            return word == term_word.removeprefix("=")
        return term_word in same.get(word, frozenset())

    def _word_matches(self, words: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each distinct message word, the term words it stands for."""
        matches: dict[str, frozenset[str]] = {}
        for word in set(words):
            found = set(self._by_stem.get(self._stemmer.stemWord(word), ()))
            if len(word) >= 4 and word not in self._known and not word.isdigit():
                cutoff = 2 if len(word) >= 8 else 1
                near = process.extract(
                    word, self._vocabulary, scorer=OSA.distance, score_cutoff=cutoff, limit=None
                )
                found |= {p for p, distance, _ in near if _is_typo(word, p, distance)}
            matches[word] = frozenset(found)
        return matches


def _term(text: str) -> _Term:
    """A term's words; "=word" must match exactly, "word*" matches as a prefix."""
    words: list[str] = []
    for chunk in text.split():
        exact, prefix = chunk.startswith("="), chunk.endswith("*")
        found = [t.text for t in _tokens(chunk.strip("=*")) if not t.is_break]
        if found and exact:
            found[0] = "=" + found[0]
        if found and prefix:
            found[-1] += "*"
        words += found
    return _Term(tuple(words))


def _tokens(text: str) -> list[_Token]:
    folded = fold(text)
    found: list[_Token] = []
    for match in _TOKEN.finditer(folded):
        word = match.group(0)
        if word in _CLAUSE_WORDS:
            found.append(_Token(word, True))
            continue
        found.append(_Token(RESPELLINGS.get(word, word), word in _BREAKS))
        if len(found) >= MAX_TRIAGE_WORDS:
            break
    return found


def _negated(tokens: Sequence[_Token], start: int, negations: frozenset[int]) -> bool:
    for p in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
        if tokens[p].is_break:
            return False
        if p in negations:
            return True
    return False


def _present(matches: Sequence[Match]) -> bool:
    return any(not m.negated for m in matches)


def _satisfied(
    rule: tuple[str, ...], options: Sequence[Sequence[Match]], within: int | None
) -> tuple[str, ...] | None:
    """The matched words of one combination that satisfies `rule`, or None."""
    live = [[m for m in found if not m.negated] for found in options]
    if not all(live):
        return None
    for combination in itertools.product(*live):
        if _overlapping(combination):
            continue  # one word cannot stand for two concepts ("twitching all over")
        if within is None:
            return tuple(m.words for m in combination)
        low = min(m.start for m in combination)
        high = max(m.end for m in combination)
        if high - low <= within:
            return tuple(m.words for m in combination)
    return None


def _overlapping(matches: Sequence[Match]) -> bool:
    spans = sorted((m.start, m.end) for m in matches)
    return any(later[0] <= earlier[1] for earlier, later in itertools.pairwise(spans))


def _is_typo(word: str, target: str, distance: float) -> bool:
    """Close enough to be a typo of `target`, without turning one real word into another.

    Four-letter words only by a swap or a doubled letter ("pian", "painn"): any single edit
    of a four-letter word makes a different word too often ("want" / "cant", "rate" /
    "race"). Two edits only for long words ("diarrea" for "diarrhoea").
    """
    # Typos rarely hit the first letter, and real words that differ there ("painting" /
    # "fainting", "pointing") would otherwise pass as typos.
    if len(target) < 4 or word[0] != target[0]:
        return False
    if distance >= 2:
        return len(target) >= 8 and len(word) >= 7
    if min(len(word), len(target)) == 4:
        swapped = len(word) == len(target) and sorted(word) == sorted(target)
        return swapped or _REPEATS.sub(r"\1", word) == _REPEATS.sub(r"\1", target)
    return True


# --- concepts computed from numbers ----------------------------------------------------------


def _numeric(concept: str, tokens: Sequence[_Token]) -> Iterator[Match]:
    for position, token in enumerate(tokens):
        value = _number(token.text)
        if value is None:
            continue
        if _fires(concept, value, tokens, position):
            yield Match(concept, position, position, token.text, False)


def _fires(concept: str, value: float, tokens: Sequence[_Token], position: int) -> bool:
    after = [t.text for t in tokens[position + 1 : position + 4] if not t.is_break]
    before = [t.text for t in tokens[max(0, position - 4) : position] if not t.is_break]
    reading = _reading_after(tokens, position)
    if concept == "pill-count":
        if value >= 2 and after[:1] in (["bottles"], ["packets"], ["boxes"], ["packs"]):
            return True
        counted = bool(_PILL_WORDS.intersection(after[:3])) or after[:1] == ["of"]
        return value >= PILL_COUNT and (counted or after[:2] == ["at", "once"])
    if concept == "big-dose":
        return value >= BIG_DOSE_MG and after[:1] in (["mg"], ["milligrams"], ["mgs"])
    if concept in {"slow-pulse", "fast-pulse"}:
        near = _PULSE_WORDS.intersection(before + after[:1]) or "heart" in before
        later = {t.text for t in tokens[position + 1 : position + 6]}
        if not near or reading or later & _EXERCISE_WORDS:
            return False  # a fast pulse during exercise is expected
        return value < SLOW_PULSE if concept == "slow-pulse" else value > FAST_PULSE
    if concept in {"low-bp-reading", "high-bp-reading"}:
        if before[-1:] in (["/"], ["over"]):
            return False  # the bottom number of a reading
        near_bp = bool(_BP_WORDS.intersection(before))
        if not (reading or near_bp) or not 40 <= value <= 300:
            return False
        return value < LOW_SYSTOLIC if concept == "low-bp-reading" else value >= HIGH_SYSTOLIC
    if concept == "low-egfr":
        wider = [t.text for t in tokens[max(0, position - 6) : position]]
        return bool(_KIDNEY_WORDS.intersection(wider)) and value < LOW_EGFR
    if concept == "weeks-pregnant":
        weeks = after[:1] in (["weeks"], ["wks"], ["week"], ["wk"])
        return weeks and 10 <= value <= 42 and not {"ago", "old"}.intersection(after[1:3])
    if concept == "child-age":
        unit = after[0] if after else ""
        if unit in _MONTHS:
            return True
        aged = unit in {"yo", "yrs", "yr"} or (unit in _YEARS and "old" in after[1:3])
        return aged and value <= CHILD_YEARS
    return False


def _reading_after(tokens: Sequence[_Token], position: int) -> bool:
    """Is the number at `position` the top of a reading: "80/50" or "80 over 50"?"""
    following = [t.text for t in tokens[position + 1 : position + 3]]
    return len(following) == 2 and following[0] in {"/", "over"} and following[1].isdigit()


_EXERCISE_WORDS = frozenset(
    "during while workout exercise exercising running run spin gym class training sprint "
    "sprints intervals race cycling".split()
)
_BP_WORDS = frozenset({"bp", "pressure", "systolic", "reading", "blood"})
_KIDNEY_WORDS = frozenset({"gfr", "egfr", "function", "kidney", "kidneys"})
_MONTHS = frozenset({"month", "months", "mo", "mth", "mths", "mos"})
_YEARS = frozenset({"year", "years", "yr", "yrs", "y"})


def _number(text: str) -> float | None:
    if not text[:1].isdigit():
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None
