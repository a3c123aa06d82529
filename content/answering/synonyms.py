"""Synonym groups: every wording of a concept also adds the group's head word.

Expansion (keeping the original word and adding the head) rather than replacement keeps
specific words specific: "twitch" still points at the eye-twitching entry most strongly,
while also counting as a kind of cramp.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from content.answering.normalise import words
from content.enums import CATEGORY_LABELS
from content.library import Library

# head word -> the wordings people use for it (folded as `normalise.words` folds text).
SYNONYM_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "magnesium": ("mg", "mag", "magnesiums", "magnesium's"),
        "cramp": (
            "cramps",
            "cramping",
            "cramped",
            "crampy",
            "spasm",
            "spasms",
            "spasming",
            "charley horse",
            "charley horses",
            "charlie horse",
            "charlie horses",
            "twitch",
            "twitches",
            "twitching",
            "twitchy",
            "locks up",
            "seizes up",
            "knots up",
        ),
        "weak": (
            "weakness",
            "tired",
            "tiredness",
            "fatigue",
            "fatigued",
            "exhausted",
            "exhaustion",
            "wiped out",
            "sluggish",
            "lethargic",
            "lethargy",
            "no energy",
            "drained",
            "worn out",
        ),
        "excess": (
            "too much",
            "too many",
            "overdose",
            "overdosed",
            "overdosing",
            "toxic",
            "toxicity",
            "hypermagnesemia",
            "hypermagnesaemia",
            "excessive",
            "overdo",
        ),
        "deficiency": (
            "low",
            "deficient",
            "lacking",
            "lack",
            "hypomagnesemia",
            "hypomagnesaemia",
            "not enough",
            "shortage",
            "depleted",
        ),
        "diarrhoea": (
            "diarrhea",
            "diarrhoea",
            "the runs",
            "loose stools",
            "upset stomach",
            "tummy",
            "poop",
            "toilet",
            "laxative",
        ),
        "sleep": ("insomnia", "bedtime", "before bed", "sleeping", "asleep"),
        "supplement": (
            "supplements",
            "pill",
            "pills",
            "tablet",
            "tablets",
            "capsule",
            "capsules",
            "gummies",
            "supplementing",
            "supplement",
        ),
        "food": ("foods", "eat", "eating", "diet", "meal", "meals"),
        "child": (
            "children",
            "kid",
            "kids",
            "teen",
            "teens",
            "teenager",
            "teenage",
            "toddler",
            "son",
            "daughter",
        ),
        "baby": ("babies", "infant", "infants", "newborn", "month old"),
        "pregnancy": ("pregnant", "breastfeeding", "nursing", "lactation", "weeks pregnant"),
        "doctor": ("gp", "physician", "clinician"),
        "medicine": (
            "medicines",
            "medication",
            "medications",
            "meds",
            "drug",
            "drugs",
            "prescription",
            "prescriptions",
        ),
        "exercise": ("workout", "workouts", "gym", "training", "sport", "sports", "leg day"),
        "sore": ("soreness", "aching", "ache", "achy", "doms"),
        "kidney": ("kidneys", "renal"),
        "alcohol": ("booze", "beer", "beers", "wine", "drinking", "drinker", "drunk"),
        "vegan": ("vegetarian", "plant based", "plantbased"),
        "leg": ("legs", "calf", "calves"),
        "night": ("nite", "nighttime", "nights", "in bed"),
        "elderly": ("older people", "old age", "seniors", "grandma", "grandpa", "aging", "ageing"),
        "chocolate": ("choc", "cocoa", "cacao"),
        "repair": ("heal", "healing", "grow", "growth", "rebuild", "gains", "build muscle"),
        "stored": ("keep", "keeps", "store", "stores", "storage", "kept"),
        "faint": (
            "fainted",
            "fainting",
            "passed out",
            "pass out",
            "passing out",
            "blacked out",
            "collapsed",
        ),
    }
)


class SynonymMap:
    """Adds head words for every synonym wording found in a word list."""

    def __init__(
        self,
        groups: Mapping[str, Sequence[str]] = SYNONYM_GROUPS,
        extra: Iterable[tuple[str, str]] = (),
    ) -> None:
        """`extra` adds (wording, head) pairs, e.g. food names from the content library."""
        heads: dict[tuple[str, ...], list[str]] = {}
        pairs = [(wording, head) for head, group in groups.items() for wording in (head, *group)]
        for wording, head in [*pairs, *extra]:
            key = tuple(words(wording))
            if key and head not in heads.setdefault(key, []):
                heads[key].append(head)
        self._heads: Mapping[tuple[str, ...], tuple[str, ...]] = MappingProxyType(
            {key: tuple(found) for key, found in heads.items()}
        )
        self._longest = max(len(key) for key in heads)

    @property
    def wordings(self) -> frozenset[str]:
        """Every single word that appears in some wording, for the typo corrector's vocabulary."""
        return frozenset(word for key in self._heads for word in key)

    def expand(self, found: Sequence[str]) -> list[str]:
        """`found` plus the head words of each synonym wording in it, each head once."""
        added: list[str] = []
        for start in range(len(found)):
            for size in range(1, self._longest + 1):
                span = found[start : start + size]
                for head in self._heads.get(tuple(span), ()):
                    if head not in span and head not in added:
                        added.append(head)
        return [*found, *added]

    def heads_of(self, found: Iterable[str]) -> frozenset[str]:
        """The head words that single words in `found` stand for (themselves included)."""
        return frozenset(head for word in found for head in self._heads.get((word,), ()))


def food_synonyms(library: Library) -> list[tuple[str, str]]:
    """Foods stand for "food" and their category ("almonds" -> food, nuts).

    A name's first part and each alias count as whole wordings ("pumpkin seeds"), so the
    words in them ("hemp hearts") never stand for food on their own.
    """
    pairs: list[tuple[str, str]] = []
    for food in library.foods:
        category = CATEGORY_LABELS[food.category].split()[0].strip(",").lower()
        for name in (food.name.split(",")[0].split("(")[0], *food.aliases):
            wording = " ".join(word for word in words(name) if word.isalpha())
            if wording:
                pairs += [(wording, "food"), (wording, category)]
    return pairs
