"""The validated, immutable content library that the rest of the bot reads."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

from content.diets import Diet, food_fits_diet
from content.enums import Topic, UrgentAction
from content.intake import IntakeTables
from content.models import ActionText, Concept, FaqEntry, Food, RedFlag, Tip
from content.quiz import Quiz, quizzes_by_tip

T = TypeVar("T")


class Library(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tips: tuple[Tip, ...]
    foods: tuple[Food, ...]
    faq: tuple[FaqEntry, ...]
    intake: IntakeTables
    red_flags: tuple[RedFlag, ...]
    concepts: tuple[Concept, ...]
    actions: Mapping[UrgentAction, ActionText]
    # Ends a no-answer reply to a message that mentions a symptom.
    symptom_note: str
    disclaimer: str
    onboarding_disclaimer: str
    # At least one question per tip (the loader checks), in file order.
    quizzes: tuple[Quiz, ...]

    _tips: Mapping[str, Tip] = PrivateAttr()
    _foods: Mapping[str, Food] = PrivateAttr()
    _faq: Mapping[str, FaqEntry] = PrivateAttr()
    _quizzes: Mapping[str, Quiz] = PrivateAttr()
    _quizzes_by_tip: Mapping[str, tuple[Quiz, ...]] = PrivateAttr()
    # Answers derived from this library alone (candidate tips for a set of topics, foods for
    # a diet), computed once each: the delivery engine asks for every chat it plans.
    _memo: dict[Hashable, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        self._tips = MappingProxyType({tip.id: tip for tip in self.tips})
        self._foods = MappingProxyType({food.id: food for food in self.foods})
        self._faq = MappingProxyType({entry.id: entry for entry in self.faq})
        self._quizzes = MappingProxyType({quiz.id: quiz for quiz in self.quizzes})
        self._quizzes_by_tip = MappingProxyType(quizzes_by_tip(self.quizzes))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered under `key` for this library's lifetime; `compute` must
        depend on the library and the key only (a reload builds a new library)."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def tip(self, tip_id: str) -> Tip:
        return self._tips[tip_id]

    def has_tip(self, tip_id: str) -> bool:
        """False for an id no tip has (any more: a reload may have removed it)."""
        return tip_id in self._tips

    def food(self, food_id: str) -> Food:
        return self._foods[food_id]

    def faq_entry(self, entry_id: str) -> FaqEntry:
        return self._faq[entry_id]

    def faq_for_tip(self, tip_id: str) -> FaqEntry:
        """The FAQ entry that expands a tip ("Tell me more"); KeyError for an unknown tip."""
        return self._faq[self.tip(tip_id).faq]

    def quiz(self, quiz_id: str) -> Quiz:
        return self._quizzes[quiz_id]

    def quizzes_for_tip(self, tip_id: str) -> tuple[Quiz, ...]:
        """The questions on one tip, in file order; KeyError for an unknown tip."""
        return self._quizzes_by_tip.get(self.tip(tip_id).id, ())

    def tips_for_topics(self, topics: Iterable[Topic]) -> tuple[Tip, ...]:
        """Tips whose topic is in `topics`, in file order."""
        wanted = frozenset(topics)
        return tuple(tip for tip in self.tips if tip.topic in wanted)

    def foods_for_diets(self, diets: Iterable[Diet]) -> tuple[Food, ...]:
        """Foods that fit every diet preference, richest in magnesium first."""
        chosen = frozenset(diets)
        fitting = (food for food in self.foods if food_fits_diet(food, chosen))
        return tuple(sorted(fitting, key=lambda food: food.mg, reverse=True))
