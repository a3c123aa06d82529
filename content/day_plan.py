"""A one-day food plan that reaches a magnesium target, found by a small optimisation.

The search looks at every combination of 3 to 5 different everyday foods that fit the
person's diet, with 1 or 2 servings of each and at most two foods from one category, and
scores each combination that reaches the target:

    score = overshoot in mg + SERVING_COST x number of servings

so a plan lands close to the target with few servings. Branch and bound keeps it fast:
foods are tried richest first, and a branch is dropped as soon as it can no longer reach
the target or can no longer score within TOLERANCE of the best plan found so far.

Repeated requests get different plans: the exact previous plan is never offered again,
and among the near-best plans (within TOLERANCE of the best) the one sharing fewest foods
with the previous plan wins, ties broken by a seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from content.diets import Diet, food_fits_diet
from content.models import Food

PlanKey = frozenset[tuple[str, int]]


@dataclass(frozen=True)
class PlanRules:
    min_foods: int = 3
    max_foods: int = 5
    max_servings: int = 2
    max_per_category: int = 2
    # One more serving is worth this many mg of overshoot: a plan of three servings that
    # overshoots by 40 mg beats one of six that lands exactly.
    serving_cost: int = 15
    tolerance: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.min_foods <= self.max_foods:
            raise ValueError("need 1 <= min_foods <= max_foods")
        if self.max_servings < 1 or self.max_per_category < 1:
            raise ValueError("max_servings and max_per_category must be at least 1")


@dataclass(frozen=True)
class PlanItem:
    food: Food
    servings: int

    @property
    def mg(self) -> int:
        return self.food.mg * self.servings


@dataclass(frozen=True)
class DayPlan:
    items: tuple[PlanItem, ...]
    target_mg: int
    score: int

    @property
    def total_mg(self) -> int:
        return sum(item.mg for item in self.items)

    @property
    def servings(self) -> int:
        return sum(item.servings for item in self.items)

    @property
    def key(self) -> PlanKey:
        return frozenset((item.food.id, item.servings) for item in self.items)


@dataclass(frozen=True)
class NoPlan:
    """No allowed combination reaches the target; says how close the best one gets."""

    target_mg: int
    allowed_foods: int
    best_total_mg: int


@dataclass
class _Search:
    pool: list[Food]
    target: int
    rules: PlanRules
    previous: PlanKey
    found: list[tuple[int, tuple[PlanItem, ...]]] = field(default_factory=list)
    best: float = math.inf

    def run(self) -> None:
        self._extend(0, [], 0, 0, Counter())

    def _extend(
        self,
        start: int,
        chosen: list[PlanItem],
        total: int,
        servings: int,
        per_category: Counter[str],
    ) -> None:
        rules = self.rules
        if len(chosen) >= rules.min_foods and total >= self.target:
            self._record(chosen, total, servings)
            # Adding a food only adds overshoot and servings: nothing below here scores better.
            return
        slots = rules.max_foods - len(chosen)
        if slots == 0:
            return
        for index in range(start, len(self.pool)):
            food = self.pool[index]
            # The pool is sorted richest first, so if even the next `slots` foods at full
            # servings fall short, every later start falls shorter still.
            reach = rules.max_servings * sum(f.mg for f in self.pool[index : index + slots])
            if total + reach < self.target:
                return
            # The bound only grows as foods get poorer, so later starts cannot do better.
            if self._bound(len(chosen), total, servings, food.mg) > self.best + rules.tolerance:
                return
            if per_category[food.category] >= rules.max_per_category:
                continue
            per_category[food.category] += 1
            for count in range(1, rules.max_servings + 1):
                chosen.append(PlanItem(food, count))
                self._extend(
                    index + 1, chosen, total + food.mg * count, servings + count, per_category
                )
                chosen.pop()
            per_category[food.category] -= 1

    def _bound(self, count: int, total: int, servings: int, richest_left: int) -> int:
        """The least score any completion of this branch can have."""
        deficit = max(0, self.target - total)
        # Each further serving adds at most `richest_left` mg.
        more = max(self.rules.min_foods - count, math.ceil(deficit / richest_left))
        overshoot = max(0, total - self.target)
        return overshoot + self.rules.serving_cost * (servings + more)

    def _record(self, chosen: list[PlanItem], total: int, servings: int) -> None:
        items = tuple(chosen)
        if frozenset((item.food.id, item.servings) for item in items) == self.previous:
            return
        score = (total - self.target) + self.rules.serving_cost * servings
        self.best = min(self.best, score)
        if score <= self.best + self.rules.tolerance:
            self.found.append((score, items))


def allowed_foods(foods: Iterable[Food], diets: Iterable[Diet]) -> list[Food]:
    """Everyday foods that fit every diet preference, richest first."""
    chosen = frozenset(diets)
    fitting = [food for food in foods if food.everyday and food_fits_diet(food, chosen)]
    return sorted(fitting, key=lambda food: (-food.mg, food.id))


def best_possible_mg(pool: list[Food], rules: PlanRules) -> int:
    """The most magnesium any plan can hold (ignoring the per-category limit)."""
    return rules.max_servings * sum(food.mg for food in pool[: rules.max_foods])


def plan_day(
    foods: Iterable[Food],
    diets: Iterable[Diet],
    target_mg: int,
    *,
    seed: int = 0,
    previous: PlanKey = frozenset(),
    rules: PlanRules | None = None,
) -> DayPlan | NoPlan:
    """The plan for `target_mg` described in the module docstring, or why there is none."""
    if target_mg <= 0:
        raise ValueError("target_mg must be positive")
    rules = rules or PlanRules()
    pool = allowed_foods(foods, diets)
    search = _Search(pool, target_mg, rules, previous)
    if len(pool) >= rules.min_foods:
        search.run()
    if not search.found:
        return NoPlan(target_mg, len(pool), best_possible_mg(pool, rules))
    near_best = [
        (score, items) for score, items in search.found if score <= search.best + rules.tolerance
    ]
    before = {food_id for food_id, _ in previous}
    fewest_shared = min(_shared(items, before) for _, items in near_best)
    candidates = sorted(
        (item for item in near_best if _shared(item[1], before) == fewest_shared),
        key=lambda item: (item[0], [(i.food.id, i.servings) for i in item[1]]),
    )
    score, items = random.Random(seed).choice(candidates)
    return DayPlan(items=items, target_mg=target_mg, score=score)


def _shared(items: tuple[PlanItem, ...], food_ids: set[str]) -> int:
    return sum(1 for item in items if item.food.id in food_ids)
