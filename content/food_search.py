"""Forgiving look-up of what people type after /foods and /log.

People write "spinch", "black bean", "pepitas" or "gluten free": words are normalised
(case, punctuation, simple plurals), matched exactly against names, aliases, categories and
diet words first, and only then fuzzily, with a strict cutoff so that "almond milk" is never
taken for almonds.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from rapidfuzz import fuzz, process

from content.diets import DIET_LABELS, Diet
from content.enums import CATEGORY_LABELS, FoodCategory
from content.models import Food

# Long enough for any food name people type; longer input is noise and costs time.
MAX_QUERY_CHARS = 100
# token_sort_ratio score a fuzzy match needs; below it we suggest rather than guess.
MATCH_CUTOFF = 85.0
# Suggestions scoring below this are unrelated words and are not offered.
SUGGEST_CUTOFF = 45.0

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD_OR_COMMA = re.compile(r"[^\W_]+|[,;]", re.UNICODE)
# Words people wrap around a request ("top magnesium rich foods") that name nothing.
_FILLER = frozenset(
    {"magnesium", "mg", "rich", "food", "high", "top", "best", "all", "list", "show", "me"}
)

# "/foods spinach, almonds" or "spinach vs almonds": what may stand between compared foods.
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/+&]|\b(?:vs|versus|or|and)\b\.?)\s*", re.IGNORECASE)
# More foods than fit on a phone screen side by side are a list, not a comparison.
MAX_COMPARED = 6
_CATEGORY_WORDS: Mapping[str, FoodCategory] = MappingProxyType(
    {
        "seeds": FoodCategory.SEEDS,
        "nuts": FoodCategory.NUTS,
        "tree nuts": FoodCategory.NUTS,
        "legumes": FoodCategory.LEGUMES,
        "beans": FoodCategory.LEGUMES,
        "pulses": FoodCategory.LEGUMES,
        "beans and peas": FoodCategory.LEGUMES,
        "greens": FoodCategory.LEAFY_GREENS,
        "leafy": FoodCategory.LEAFY_GREENS,
        "leafy greens": FoodCategory.LEAFY_GREENS,
        "vegetables": FoodCategory.VEGETABLES,
        "veg": FoodCategory.VEGETABLES,
        "veggies": FoodCategory.VEGETABLES,
        "grains": FoodCategory.GRAINS,
        "whole grains": FoodCategory.GRAINS,
        "fruit": FoodCategory.FRUIT,
        "fruits": FoodCategory.FRUIT,
        "dairy": FoodCategory.DAIRY_ALTERNATIVES,
        "dairy alternatives": FoodCategory.DAIRY_ALTERNATIVES,
        "fish": FoodCategory.FISH,
        "seafood": FoodCategory.FISH,
        "meat": FoodCategory.MEAT_POULTRY,
        "poultry": FoodCategory.MEAT_POULTRY,
        "other": FoodCategory.OTHER,
    }
)

_DIET_WORDS: Mapping[str, Diet] = MappingProxyType(
    {
        "vegan": Diet.VEGAN,
        "plant based": Diet.VEGAN,
        "vegetarian": Diet.VEGETARIAN,
        "veggie": Diet.VEGETARIAN,
        "nut free": Diet.NO_NUTS,
        "tree nut free": Diet.NO_NUTS,
        "no tree nuts": Diet.NO_NUTS,
        "no nuts": Diet.NO_NUTS,
        "peanut free": Diet.NO_PEANUTS,
        "no peanuts": Diet.NO_PEANUTS,
        "gluten free": Diet.GLUTEN_FREE,
        "no gluten": Diet.GLUTEN_FREE,
        "gf": Diet.GLUTEN_FREE,
        "coeliac": Diet.GLUTEN_FREE,
        "celiac": Diet.GLUTEN_FREE,
        "dairy free": Diet.DAIRY_FREE,
        "no dairy": Diet.DAIRY_FREE,
        "lactose free": Diet.DAIRY_FREE,
        "fish free": Diet.NO_FISH,
        "no fish": Diet.NO_FISH,
        "soy free": Diet.NO_SOY,
        "no soy": Diet.NO_SOY,
        "sesame free": Diet.NO_SESAME,
        "no sesame": Diet.NO_SESAME,
    }
)


def _singular(word: str) -> str:
    """A crude English singular; applied to both sides, it only needs to be consistent."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("oes"):
        return word[:-2]
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Lowercase words without punctuation or plurals: 'Black-Beans!' -> 'black bean'."""
    return " ".join(_words(text, MAX_QUERY_CHARS))


def _words(text: str, limit: int, *, commas: bool = False) -> list[str]:
    """Folded singular words; with `commas`, each "," and ";" is a word of its own."""
    text = unicodedata.normalize("NFKC", text[:limit]).casefold()
    words = _WORD_OR_COMMA.findall(text) if commas else _NON_WORD.sub(" ", text).split()
    return [_singular(word) for word in words]


# Between two foods of a typed comparison: "almonds vs cashews", "banana or avocado",
# "almonds compared to cashews" (a comma counts as "or": "banana, avocado or mango").
_GAPS = frozenset(
    {("v",), ("vs",), ("versus",), ("or",), ("and",), ("against",)}
    | {("compared", word) for word in ("to", "with")}
)
_JOIN_WORDS = frozenset(word for gap in _GAPS for word in gap)
# Left out when reading the words between two foods: "a banana, or an avocado".
_LOOSE = frozenset({",", ";", "a", "an", "the"})
# The only other words a typed question about foods may hold. Anything else ("for my toddler",
# "for cramps", "milk of magnesia") may change what a good answer is, so such a message goes
# to the FAQ rather than to a table of numbers.
_QUESTION_WORDS = frozenset(
    _singular(word)
    for word in (
        "how much which what one is are has have got contain contains more most higher richer "
        "better best magnesium mg the a an in of about between difference compare comparison "
        "do does than there per serving ,"
    ).split()
)


@dataclass(frozen=True)
class FoodIndex:
    """Every way of naming a food, a category or a diet, normalised, for fast look-up."""

    foods: Mapping[str, Food]
    categories: Mapping[str, FoodCategory]
    diets: Mapping[str, Diet]

    @classmethod
    def build(cls, foods: Iterable[Food]) -> FoodIndex:
        food_list = list(foods)
        names: dict[str, Food] = {}
        # Full names and aliases win over the short head of a name: "avocado" is the
        # whole avocado, not "Avocado, cubed".
        for food in food_list:
            names.setdefault(normalise(food.name), food)
        for food in food_list:
            for alias in food.aliases:
                names.setdefault(normalise(alias), food)
        for food in food_list:
            names.setdefault(normalise(food.id), food)
        for food in food_list:
            names.setdefault(normalise(food.name.split(",")[0]), food)
        names.pop("", None)

        categories = {normalise(word): category for word, category in _CATEGORY_WORDS.items()}
        for category in FoodCategory:
            categories.setdefault(normalise(category.value), category)
            categories.setdefault(normalise(CATEGORY_LABELS[category]), category)
        diets = {normalise(word): diet for word, diet in _DIET_WORDS.items()}
        for diet in Diet:
            diets.setdefault(normalise(diet.value), diet)
            diets.setdefault(normalise(DIET_LABELS[diet]), diet)
        return cls(
            foods=MappingProxyType(names),
            categories=MappingProxyType(categories),
            diets=MappingProxyType(diets),
        )

    def find_food(self, text: str) -> Food | None:
        """The food `text` names, exactly or with a small typo; None when unsure."""
        key = normalise(text)
        if not key:
            return None
        exact = self.foods.get(key)
        if exact is not None:
            return exact
        best = process.extractOne(
            key, self.foods.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=MATCH_CUTOFF
        )
        return self.foods[best[0]] if best is not None else None

    def suggest_foods(self, text: str, limit: int = 3) -> list[Food]:
        """Up to `limit` different foods whose names look most like `text`, best first."""
        key = normalise(text)
        if not key:
            return []
        found: list[Food] = []
        candidates = process.extract(
            key, self.foods.keys(), scorer=fuzz.WRatio, limit=None, score_cutoff=SUGGEST_CUTOFF
        )
        for name, _score, _index in candidates:
            food = self.foods[name]
            if food not in found:
                found.append(food)
            if len(found) == limit:
                break
        return found

    def several_foods(self, text: str) -> tuple[Food, ...]:
        """The foods of a list like "spinach, almonds" or "spinach vs almonds", in order.

        Empty unless every part between the separators names a food (a small typo allowed)
        and at least two are different. Without a separator nothing is split: "almond milk"
        is not almonds and milk.
        """
        parts = [part for part in _LIST_SEPARATOR.split(text[:MAX_QUERY_CHARS]) if part]
        if len(parts) < 2:
            return ()
        found = [self.find_food(part) for part in parts]
        foods = [food for food in found if food is not None]
        return _distinct(foods) if len(foods) == len(found) else ()

    def named_foods(self, text: str, limit: int = 300) -> tuple[Food, ...]:
        """The foods of a typed message that only asks about foods ("how much magnesium in
        quinoa?", "which has more, banana or avocado?"), in order; empty for anything else.

        Foods count by their exact names only, several joined by a comma, "vs", "or", "and"
        or "compared to", and the message may hold no other words than question words like
        "which has more magnesium".
        """
        if len(text) > limit:
            return ()
        words = _words(text, limit, commas=True)
        if not self._may_name_foods_alone(words):
            return ()
        tokens = self._tokens(words)
        places = [i for i, token in enumerate(tokens) if isinstance(token, Food)]
        if not places:
            return ()
        for before, after in itertools.pairwise(places):
            between = tokens[before + 1 : after]
            gap = tuple(word for word in between if word not in _LOOSE)
            listed = not gap and any(word in {",", ";"} for word in between)
            if gap not in _GAPS and not listed:
                return ()
        outside = tokens[: places[0]] + tokens[places[-1] + 1 :]
        if any(word not in _QUESTION_WORDS for word in outside):
            return ()
        return _unique([token for token in tokens if isinstance(token, Food)])

    def _tokens(self, words: Sequence[str]) -> list[Food | str]:
        """The words with each exact food name in them, longest first, read as its food."""
        longest = self._longest_name
        tokens: list[Food | str] = []
        start = 0
        while start < len(words):
            for end in range(min(len(words), start + longest), start, -1):
                food = self.foods.get(" ".join(words[start:end]))
                if food is not None:
                    tokens.append(food)
                    start = end
                    break
            else:
                tokens.append(words[start])
                start += 1
        return tokens

    def _may_name_foods_alone(self, words: Sequence[str]) -> bool:
        """A quick no for most messages: a word no food name, join or question word has."""
        return all(
            word in self._name_words or word in _QUESTION_WORDS or word in _JOIN_WORDS
            for word in words
        )

    @cached_property
    def _name_words(self) -> frozenset[str]:
        return frozenset(word for key in self.foods for word in key.split())

    @cached_property
    def _longest_name(self) -> int:
        return max((key.count(" ") + 1 for key in self.foods), default=0)

    def _word(self, key: str) -> Diet | FoodCategory | None:
        return self.diets.get(key) or self.categories.get(key)

    def parse_filter(self, text: str) -> FoodQuery:
        """Read the argument of /foods: a diet, a category, both, or a food name."""
        words = normalise(text).split()
        while words and words[0] in _FILLER:
            words = words[1:]
        while words and words[-1] in _FILLER:
            words = words[:-1]
        key = " ".join(words)
        if not key:
            return FoodQuery()
        word = self._word(key)
        if word is not None:
            return _query_of(word)
        for cut in range(1, len(words)):
            left, right = self._word(" ".join(words[:cut])), self._word(" ".join(words[cut:]))
            if isinstance(left, Diet) and isinstance(right, FoodCategory):
                return FoodQuery(category=right, diet=left)
            if isinstance(left, FoodCategory) and isinstance(right, Diet):
                return FoodQuery(category=left, diet=right)
        food = self.foods.get(key)
        if food is not None:
            return FoodQuery(food=food)
        several = self.several_foods(text)
        if several:
            return FoodQuery(compared=several)
        return self._fuzzy_filter(key)

    def _fuzzy_filter(self, key: str) -> FoodQuery:
        vocabulary: dict[str, Diet | FoodCategory | Food] = {}
        vocabulary.update(self.foods)
        vocabulary.update(self.categories)
        vocabulary.update(self.diets)
        best = process.extractOne(
            key, vocabulary.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=MATCH_CUTOFF
        )
        if best is None:
            return FoodQuery(unknown=key, suggestions=tuple(self.suggest_foods(key)))
        target = vocabulary[best[0]]
        if isinstance(target, Diet | FoodCategory):
            return _query_of(target)
        return FoodQuery(food=target)


@dataclass(frozen=True)
class FoodQuery:
    """What /foods was asked for; all None means "the top foods"."""

    category: FoodCategory | None = None
    diet: Diet | None = None
    food: Food | None = None
    unknown: str | None = None
    suggestions: tuple[Food, ...] = ()
    # Two or more foods to compare side by side.
    compared: tuple[Food, ...] = ()


def _unique(foods: Sequence[Food]) -> tuple[Food, ...]:
    """Each food once, in order."""
    unique: dict[str, Food] = {}
    for food in foods:
        unique.setdefault(food.id, food)
    return tuple(unique.values())


def _distinct(foods: Sequence[Food]) -> tuple[Food, ...]:
    """Each food once, in order; empty when fewer than two different foods are left."""
    unique = _unique(foods)
    return unique if len(unique) > 1 else ()


def _query_of(word: Diet | FoodCategory) -> FoodQuery:
    if isinstance(word, Diet):
        return FoodQuery(diet=word)
    return FoodQuery(category=word)
