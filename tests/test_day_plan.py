"""The /plan optimiser and the personal %RDA arithmetic, on the real food table."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.personal import Needs, profile_of
from content import (
    AgeBand,
    Diet,
    Food,
    FoodCategory,
    Library,
    LifeStage,
    Profile,
    Sex,
    Source,
    food_fits_diet,
    load_library,
)
from content.day_plan import DayPlan, NoPlan, PlanRules, allowed_foods, plan_day
from storage.models import Chat

LIBRARY = load_library()
RULES = PlanRules()
PROFILES = [Profile(age_band=band, sex=sex) for band in AgeBand for sex in Sex] + [
    Profile(age_band=AgeBand.YEARS_19_30, sex=Sex.FEMALE, life_stage=LifeStage.PREGNANT),
    Profile(age_band=AgeBand.YEARS_14_18, sex=Sex.FEMALE, life_stage=LifeStage.BREASTFEEDING),
]


def food(food_id: str, mg: int, category: FoodCategory = FoodCategory.VEGETABLES) -> Food:
    return Food(
        id=food_id,
        name=food_id.title(),
        serving="1 cup",
        mg=mg,
        category=category,
        flags=frozenset(),
        source=Source.NIH_ODS,
    )


def check_valid(plan: DayPlan, diets: frozenset[Diet], target: int) -> None:
    assert plan.total_mg >= target
    assert RULES.min_foods <= len(plan.items) <= RULES.max_foods
    assert len({item.food.id for item in plan.items}) == len(plan.items)
    for item in plan.items:
        assert 1 <= item.servings <= RULES.max_servings
        assert item.food.everyday
        assert food_fits_diet(item.food, diets)
    categories = [item.food.category for item in plan.items]
    assert max(categories.count(c) for c in categories) <= RULES.max_per_category


@given(
    diets=st.frozensets(st.sampled_from(list(Diet))),
    profile=st.sampled_from(PROFILES),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=150, deadline=None)
def test_plan_reaches_the_target_with_allowed_foods_or_says_it_cannot(
    diets: frozenset[Diet], profile: Profile, seed: int
) -> None:
    target = LIBRARY.intake.rda(profile)
    plan = plan_day(LIBRARY.foods, diets, target, seed=seed)
    pool = allowed_foods(LIBRARY.foods, diets)
    if isinstance(plan, NoPlan):
        # It may only give up when no combination at all could reach the target.
        assert len(pool) < RULES.min_foods or plan.best_total_mg < target
    else:
        check_valid(plan, diets, target)


def brute_force_best(foods: list[Food], target: int) -> int | None:
    best: int | None = None
    for size in range(RULES.min_foods, RULES.max_foods + 1):
        for combo in itertools.combinations(foods, size):
            categories = [f.category for f in combo]
            if max(categories.count(c) for c in categories) > RULES.max_per_category:
                continue
            for servings in itertools.product(range(1, RULES.max_servings + 1), repeat=size):
                total = sum(f.mg * s for f, s in zip(combo, servings, strict=True))
                if total >= target:
                    score = total - target + RULES.serving_cost * sum(servings)
                    best = score if best is None else min(best, score)
    return best


@pytest.mark.parametrize("target", [30, 80, 130, 240, 310, 360, 420])
def test_plan_scores_within_tolerance_of_the_exhaustive_best(target: int) -> None:
    categories = list(FoodCategory)
    foods = [
        food(f"food-{i}", mg, categories[i % 4])
        for i, mg in enumerate([150, 118, 91, 86, 78, 63, 50, 42, 35, 23, 12, 9])
    ]
    best = brute_force_best(foods, target)
    plan = plan_day(foods, [], target, seed=7)
    assert best is not None and isinstance(plan, DayPlan)
    check_valid(plan, frozenset(), target)
    assert plan.score == plan.total_mg - target + RULES.serving_cost * plan.servings
    assert best <= plan.score <= best + RULES.tolerance


def test_plan_says_when_it_cannot() -> None:
    small = [food(f"small-{i}", 10, list(FoodCategory)[i]) for i in range(6)]
    plan = plan_day(small, [], 420)
    assert isinstance(plan, NoPlan)
    assert plan.best_total_mg == 100 and plan.allowed_foods == 6
    too_few = plan_day([food("a", 200), food("b", 200, FoodCategory.SEEDS)], [], 100)
    assert isinstance(too_few, NoPlan) and too_few.allowed_foods == 2


def test_strict_diets_leave_no_animal_or_nut_foods() -> None:
    diets = frozenset({Diet.VEGAN, Diet.NO_NUTS, Diet.NO_PEANUTS, Diet.GLUTEN_FREE, Diet.NO_SOY})
    for seed in range(5):
        plan = plan_day(LIBRARY.foods, diets, 420, seed=seed)
        assert isinstance(plan, DayPlan)
        check_valid(plan, diets, 420)


def test_repeated_plans_differ() -> None:
    previous = frozenset[tuple[str, int]]()
    seen = []
    for seed in range(6):
        plan = plan_day(LIBRARY.foods, [Diet.VEGETARIAN], 320, seed=seed, previous=previous)
        assert isinstance(plan, DayPlan)
        assert plan.key != previous
        previous = plan.key
        seen.append(plan.key)
    assert len(set(seen)) >= 2


def test_same_seed_same_plan() -> None:
    first = plan_day(LIBRARY.foods, [], 400, seed=42)
    second = plan_day(LIBRARY.foods, [], 400, seed=42)
    assert first == second


def test_excluding_the_best_plan_gives_the_next_best() -> None:
    foods = [food("a", 50, FoodCategory.SEEDS), food("b", 50, FoodCategory.NUTS), food("c", 50)]
    only = plan_day(foods, [], 150)
    assert isinstance(only, DayPlan) and only.total_mg == 150
    again = plan_day(foods, [], 150, previous=only.key)
    # The other combinations all need more servings, but they still reach the target.
    assert isinstance(again, DayPlan) and again.key != only.key
    single = PlanRules(max_servings=1)
    sole = plan_day(foods, [], 150, rules=single)
    assert isinstance(sole, DayPlan)
    assert isinstance(plan_day(foods, [], 150, rules=single, previous=sole.key), NoPlan)


def test_bad_target_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_day(LIBRARY.foods, [], 0)


# ---------------------------------------------------------------- %RDA for several profiles


def needs_for(library: Library, profile: Profile | None) -> Needs:
    return Needs(
        known=True,
        diets=frozenset(),
        profile=profile,
        target_mg=library.intake.rda(profile) if profile else 420,
        is_ai=library.intake.rda_is_ai(profile) if profile else False,
        ul_mg=library.intake.ul(profile) if profile else 350,
        timezone="UTC",
    )


@pytest.mark.parametrize(
    ("band", "sex", "stage", "rda", "almonds_percent", "pumpkin_percent"),
    [
        (AgeBand.YEARS_31_50, Sex.FEMALE, LifeStage.NONE, 320, 25, 49),
        (AgeBand.YEARS_31_50, Sex.MALE, LifeStage.NONE, 420, 19, 37),
        (AgeBand.YEARS_14_18, Sex.MALE, LifeStage.NONE, 410, 20, 38),
        (AgeBand.YEARS_19_30, Sex.FEMALE, LifeStage.PREGNANT, 350, 23, 45),
        (AgeBand.YEARS_4_8, Sex.FEMALE, LifeStage.NONE, 130, 62, 120),
    ],
)
def test_percent_of_own_rda(
    library: Library,
    band: AgeBand,
    sex: Sex,
    stage: LifeStage,
    rda: int,
    almonds_percent: int,
    pumpkin_percent: int,
) -> None:
    chat = Chat(id=1, type="private", age_band=band, sex=sex, life_stage=stage)
    profile = profile_of(chat)
    assert profile == Profile(age_band=band, sex=sex, life_stage=stage)
    needs = needs_for(library, profile)
    assert needs.target_mg == rda
    assert needs.percent_of_target(library.food("almonds").mg) == almonds_percent
    assert needs.percent_of_target(library.food("pumpkin-seeds").mg) == pumpkin_percent
    assert f"{rda} mg" in needs.target_text


def test_no_profile_falls_back_to_the_daily_value(library: Library) -> None:
    assert profile_of(Chat(id=1, type="private", age_band=None, sex="male")) is None
    # A male profile cannot be pregnant: treated as unknown rather than crashing.
    assert (
        profile_of(Chat(id=1, type="private", age_band="31-50", sex="male", life_stage="pregnant"))
        is None
    )
    needs = needs_for(library, None)
    assert needs.target_mg == 420 and "Daily Value" in needs.target_text
    assert needs.percent_of_target(80) == 19


def test_infants_get_an_adequate_intake(library: Library) -> None:
    profile = Profile(age_band=AgeBand.MONTHS_7_12, sex=Sex.MALE)
    needs = needs_for(library, profile)
    assert needs.is_ai and needs.target_mg == 75 and "Adequate Intake" in needs.target_text
    assert needs.ul_mg is None
