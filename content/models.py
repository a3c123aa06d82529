"""The content entries: tips, foods, FAQ entries and red flags (all immutable)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from content.daily_value import percent_dv
from content.enums import FaqSection, FoodCategory, FoodFlag, Source, Topic, UrgentAction
from content.fields import (
    MAX_RELATED,
    MIN_KEYWORDS,
    MIN_PHRASINGS,
    MIN_RED_FLAG_RULES,
    MIN_RELATED,
    Alias,
    Answer,
    EntryId,
    Keyword,
    Label,
    Message,
    Name,
    Phrasing,
    Question,
    RedFlagPhrase,
    Serving,
    TipBody,
    TipTitle,
    at_least,
    between,
)
from content.problems import FieldRuleError

FROZEN = ConfigDict(frozen=True, extra="forbid")

_NOT_VEGAN = frozenset({FoodFlag.CONTAINS_DAIRY, FoodFlag.CONTAINS_FISH})
_ANIMAL_CATEGORIES = frozenset({FoodCategory.MEAT_POULTRY, FoodCategory.FISH})


class Tip(BaseModel):
    model_config = FROZEN

    id: EntryId
    topic: Topic
    title: TipTitle
    body: TipBody
    source: Source
    # The FAQ entry that expands the tip: "Tell me more" under a daily tip sends its answer.
    faq: EntryId


class Food(BaseModel):
    model_config = FROZEN

    id: EntryId
    name: Name
    aliases: tuple[Alias, ...] = ()
    serving: Serving
    grams: PositiveFloat | None = None
    mg: int = Field(gt=0)
    mg_max: int | None = None
    category: FoodCategory
    flags: frozenset[FoodFlag] = frozenset()
    everyday: bool = True
    source: Source

    @model_validator(mode="after")
    def _consistent(self) -> Food:
        if self.mg_max is not None and self.mg_max <= self.mg:
            raise FieldRuleError(
                "mg_max", f"mg_max ({self.mg_max}) must be greater than mg ({self.mg})"
            )
        flags = self.flags
        if FoodFlag.VEGAN in flags and FoodFlag.VEGETARIAN not in flags:
            raise FieldRuleError("flags", "a vegan food is also vegetarian: add 'vegetarian'")
        if FoodFlag.VEGAN in flags and flags & _NOT_VEGAN:
            clash = ", ".join(sorted(flags & _NOT_VEGAN))
            raise FieldRuleError("flags", f"a food flagged 'vegan' cannot also be {clash}")
        if self.category in _ANIMAL_CATEGORIES and flags & {FoodFlag.VEGAN, FoodFlag.VEGETARIAN}:
            raise FieldRuleError(
                "flags", f"category '{self.category}' is neither vegan nor vegetarian"
            )
        if self.category is FoodCategory.FISH and FoodFlag.CONTAINS_FISH not in flags:
            raise FieldRuleError("flags", "category 'fish' needs the 'contains_fish' flag")
        if self.source is Source.ARTICLES:
            raise FieldRuleError("source", "food values come from 'nih-ods' or 'usda'")
        return self

    @property
    def percent_dv(self) -> int:
        return percent_dv(self.mg)

    @property
    def mg_text(self) -> str:
        if self.mg_max is None:
            return f"{self.mg} mg"
        return f"{self.mg}-{self.mg_max} mg"


class FaqEntry(BaseModel):
    model_config = FROZEN

    id: EntryId
    section: FaqSection
    question: Question
    phrasings: Annotated[tuple[Phrasing, ...], AfterValidator(at_least(MIN_PHRASINGS, "phrasings"))]
    keywords: Annotated[tuple[Keyword, ...], AfterValidator(at_least(MIN_KEYWORDS, "keywords"))]
    answer: Answer
    related: Annotated[
        tuple[EntryId, ...], AfterValidator(between(MIN_RELATED, MAX_RELATED, "related ids"))
    ]
    disclaimer: bool
    source: Source

    @model_validator(mode="after")
    def _not_self_related(self) -> FaqEntry:
        if self.id in self.related:
            raise FieldRuleError("related", "an entry cannot be related to itself")
        if len(set(self.related)) != len(self.related):
            raise FieldRuleError("related", "lists the same id twice")
        return self


# Concepts triage computes itself from numbers in the message rather than from words.
BUILT_IN_CONCEPTS = frozenset(
    {
        "pill-count",  # 5 or more tablets, capsules or gummies
        "big-dose",  # 2,000 mg or more
        "slow-pulse",  # a stated pulse or heart rate under 50
        "fast-pulse",  # a stated pulse or heart rate over 120
        "low-bp-reading",  # a blood-pressure reading with the top number under 90
        "child-age",  # "my 2 year old", "18 month old"
        "high-bp-reading",  # a blood-pressure reading with the top number 140 or more
        "low-egfr",  # a stated eGFR or kidney function under 30
        "weeks-pregnant",  # "32 weeks" (not "weeks ago" or "weeks old")
        "dose-multiple",  # "10x her dose", "5 times the recommended amount"
        "low-sats",  # a stated oxygen saturation under 92 %
        "low-gcs",  # a stated Glasgow coma score of 8 or less
    }
)
# Concepts the triage code itself relies on, beyond the red flags' rules.
REQUIRED_CONCEPTS = frozenset(
    {
        "negation",
        "remote-past",
        "happening-now",
        "present-now",
        "general-question",
        "symptom",
        "child",
        "not-a-person",
        "fiction",
    }
)


class Concept(BaseModel):
    """One idea triage looks for ("chest", "pain", "a child"), as the words people use for it.

    A term matches through typos and word endings; a term ending in `*` matches any word that
    starts with it. A match inside one of the `except_in` phrases does not count ("stroke"
    in "stroke of luck").
    """

    model_config = FROZEN

    id: EntryId
    terms: Annotated[tuple[RedFlagPhrase, ...], AfterValidator(at_least(1, "terms"))]
    except_in: tuple[RedFlagPhrase, ...] = ()
    # A state of a person ("limp", "fainted", "unresponsive"): it does not count when the
    # clause is about an animal or a thing ("my cat lies floppy", "my phone is unresponsive").
    person_state: bool = False


class RedFlag(BaseModel):
    """A warning sign that means "seek urgent care", described as combinations of concepts.

    The flag fires when every concept of one `when` rule appears, not negated, within
    `within` words of each other (anywhere in the message when `within` is unset).
    """

    model_config = FROZEN

    id: EntryId
    label: Label
    action: UrgentAction
    # The flag's own advice, shown under the action's first line.
    advice: Message
    when: Annotated[
        tuple[tuple[EntryId, ...], ...], AfterValidator(at_least(MIN_RED_FLAG_RULES, "rules"))
    ]
    within: int | None = Field(default=12, ge=1, le=200)
    # An acute event told as long past ("I fainted once years ago") is history, not an
    # emergency; ongoing conditions (dialysis) are not acute.
    acute: bool = True
    # Concepts that, found a few words from the sign, make it ordinary: weak legs "after leg
    # day" are tired muscles, not sudden weakness.
    ordinary_near: tuple[EntryId, ...] = ()


class ActionText(BaseModel):
    """The first lines of an urgent reply: for something happening now, and for a question."""

    model_config = FROZEN

    now: Message
    conditional: Message
