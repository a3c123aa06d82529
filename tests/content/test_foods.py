"""The real foods.yaml against the reference table, %DV, and diet filtering."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from content import (
    DAILY_VALUE_MG,
    Diet,
    Food,
    FoodCategory,
    FoodFlag,
    food_fits_diet,
    percent_dv,
    percent_of,
)
from content.loader import DEFAULT_DATA_DIR

# Reference section 5, typed in by hand: (name, serving, mg, mg_max, source).
REFERENCE_TABLE = [
    ("Pumpkin seeds, roasted", "1 oz (28 g)", 156, None, "nih-ods"),
    ("Chia seeds", "1 oz (28 g)", 111, None, "nih-ods"),
    ("Almonds, dry roasted", "1 oz (28 g)", 80, None, "nih-ods"),
    ("Spinach, boiled", "1/2 cup", 78, None, "nih-ods"),
    ("Cashews, dry roasted", "1 oz (28 g)", 74, None, "nih-ods"),
    ("Peanuts, oil roasted", "1/4 cup", 63, None, "nih-ods"),
    ("Shredded wheat cereal", "2 large biscuits", 61, None, "nih-ods"),
    ("Soymilk, plain or vanilla", "1 cup", 61, None, "nih-ods"),
    ("Black beans, cooked", "1/2 cup", 60, None, "nih-ods"),
    ("Edamame, shelled, cooked", "1/2 cup", 50, None, "nih-ods"),
    ("Peanut butter, smooth", "2 tbsp", 49, None, "nih-ods"),
    ("Potato, baked with skin", "3.5 oz (100 g)", 43, None, "nih-ods"),
    ("Brown rice, cooked", "1/2 cup", 42, None, "nih-ods"),
    ("Yogurt, plain, low fat", "8 oz", 42, None, "nih-ods"),
    ("Fortified breakfast cereal (10 % DV)", "1 serving", 42, None, "nih-ods"),
    ("Oatmeal, instant", "1 packet", 36, None, "nih-ods"),
    ("Kidney beans, canned", "1/2 cup", 35, None, "nih-ods"),
    ("Banana", "1 medium", 32, None, "nih-ods"),
    ("Salmon, Atlantic, farmed, cooked", "3 oz (85 g)", 26, None, "nih-ods"),
    ("Milk", "1 cup", 24, 27, "nih-ods"),
    ("Halibut, cooked", "3 oz (85 g)", 24, None, "nih-ods"),
    ("Raisins", "1/2 cup", 23, None, "nih-ods"),
    ("Whole wheat bread", "1 slice", 23, None, "nih-ods"),
    ("Avocado, cubed", "1/2 cup", 22, None, "nih-ods"),
    ("Chicken breast, roasted", "3 oz (85 g)", 22, None, "nih-ods"),
    ("Ground beef, 90 % lean, pan broiled", "3 oz (85 g)", 20, None, "nih-ods"),
    ("Broccoli, chopped, cooked", "1/2 cup", 12, None, "nih-ods"),
    ("White rice, cooked", "1/2 cup", 10, None, "nih-ods"),
    ("Apple", "1 medium", 9, None, "nih-ods"),
    ("Carrot, raw", "1 medium", 7, None, "nih-ods"),
    ("Hemp seeds, hulled", "3 tbsp (30 g)", 210, None, "usda"),
    ("Swiss chard, boiled", "1 cup (175 g)", 150, None, "usda"),
    ("Quinoa, cooked", "1 cup (185 g)", 118, None, "usda"),
    ("Brazil nuts", "1 oz (28 g)", 105, None, "usda"),
    ("Black-eyed peas, cooked", "1 cup (172 g)", 91, None, "usda"),
    ("Buckwheat groats, cooked", "1 cup (168 g)", 86, None, "usda"),
    ("Mackerel, Atlantic, cooked", "3 oz (85 g)", 82, None, "usda"),
    ("Chickpeas, cooked", "1 cup (164 g)", 79, None, "usda"),
    ("Tofu, firm, calcium-set", "1/2 cup (126 g)", 73, None, "usda"),
    ("Lentils, cooked", "1 cup (198 g)", 71, None, "usda"),
    ("Dark chocolate, 70-85 % cocoa", "1 oz (28 g)", 65, None, "usda"),
    ("Avocado", "1 medium (200 g)", 58, None, "usda"),
    ("Flaxseed, whole", "1 tbsp (10 g)", 39, None, "usda"),
    ("Sunflower seed kernels, dry roasted", "1 oz (28 g)", 36, None, "usda"),
    ("Sesame seeds", "1 tbsp (9 g)", 32, None, "usda"),
    ("Kale, boiled", "1 cup (130 g)", 23, None, "usda"),
]


def _load_foods(path: Path) -> dict[str, Food]:
    # foods.yaml alone, so these checks do not depend on the other content files.
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    foods = [Food.model_validate(raw) for raw in document["foods"]]
    return {food.id: food for food in foods}


FOODS = _load_foods(DEFAULT_DATA_DIR / "foods.yaml")
BY_NAME = {food.name: food for food in FOODS.values()}


def test_every_reference_row_is_present_once() -> None:
    assert len(FOODS) == len(REFERENCE_TABLE) == 46
    assert sorted(BY_NAME) == sorted(row[0] for row in REFERENCE_TABLE)


@pytest.mark.parametrize(("name", "serving", "mg", "mg_max", "source"), REFERENCE_TABLE)
def test_food_values_match_the_reference(
    name: str, serving: str, mg: int, mg_max: int | None, source: str
) -> None:
    food = BY_NAME[name]
    assert (food.serving, food.mg, food.mg_max, food.source) == (serving, mg, mg_max, source)


@pytest.mark.parametrize("food", FOODS.values(), ids=list(FOODS))
def test_grams_match_the_serving_text(food: Food) -> None:
    # Grams are given only where the serving names a weight, and then they agree.
    if "g)" in food.serving:
        assert food.grams is not None
        assert f"{food.grams:g} g)" in food.serving
    else:
        assert food.grams is None


@pytest.mark.parametrize("food", FOODS.values(), ids=list(FOODS))
def test_percent_dv_follows_the_formula(food: Food) -> None:
    assert food.percent_dv == round(food.mg / 420 * 100)


@pytest.mark.parametrize(
    ("food_id", "expected"),
    [
        ("pumpkin-seeds", 37),
        ("hemp-seeds", 50),
        ("milk", 6),
        ("fortified-cereal", 10),
        ("carrot", 2),
    ],
)
def test_percent_dv_hand_checked(food_id: str, expected: int) -> None:
    assert FOODS[food_id].percent_dv == expected


def test_percent_helpers() -> None:
    assert DAILY_VALUE_MG == 420
    assert percent_dv(420) == 100
    assert percent_dv(0) == 0
    assert percent_of(155, 310) == 50
    # Halves round up as on food labels (Python's round() would give 0 here).
    assert percent_of(1, 200) == 1
    with pytest.raises(ValueError):
        percent_of(10, 0)


def test_mg_text() -> None:
    assert FOODS["milk"].mg_text == "24-27 mg"
    assert FOODS["pumpkin-seeds"].mg_text == "156 mg"


def test_avocado_rows_are_distinct() -> None:
    assert FOODS["avocado-cubed"].mg == 22
    assert FOODS["avocado"].mg == 58


@pytest.mark.parametrize(
    ("alias", "food_id"),
    [
        ("pepitas", "pumpkin-seeds"),
        ("garbanzo", "chickpeas"),
        ("chickpea", "chickpeas"),
        ("peanut butter", "peanut-butter"),
        ("pb", "peanut-butter"),
        ("oats", "instant-oatmeal"),
        ("instant oats", "instant-oatmeal"),
        ("soy milk", "soymilk"),
        ("yoghurt", "yogurt"),
    ],
)
def test_common_names_are_aliases(alias: str, food_id: str) -> None:
    assert alias in FOODS[food_id].aliases


def test_flags_for_allergens_and_diets() -> None:
    def with_flag(flag: FoodFlag) -> set[str]:
        return {food.id for food in FOODS.values() if flag in food.flags}

    # Fortified cereal recipes differ by brand: it keeps every allergy flag a brand may need.
    assert with_flag(FoodFlag.CONTAINS_NUTS) == {
        "almonds",
        "cashews",
        "brazil-nuts",
        "fortified-cereal",
    }
    assert with_flag(FoodFlag.CONTAINS_PEANUTS) == {"peanuts", "peanut-butter", "fortified-cereal"}
    assert with_flag(FoodFlag.CONTAINS_SOY) == {"soymilk", "edamame", "tofu", "fortified-cereal"}
    assert with_flag(FoodFlag.CONTAINS_SESAME) == {"sesame-seeds", "whole-wheat-bread"}
    assert with_flag(FoodFlag.WHOLE_NUTS) == {"almonds", "cashews", "brazil-nuts", "peanuts"}
    assert with_flag(FoodFlag.CONTAINS_FISH) == {"salmon", "halibut", "mackerel"}
    assert with_flag(FoodFlag.CONTAINS_GLUTEN) == {
        "shredded-wheat",
        "whole-wheat-bread",
        "fortified-cereal",
        "instant-oatmeal",
    }
    assert with_flag(FoodFlag.CONTAINS_DAIRY) == {
        "yogurt",
        "milk",
        "dark-chocolate",
        "whole-wheat-bread",
        "fortified-cereal",
    }
    not_vegetarian = {food.id for food in FOODS.values() if FoodFlag.VEGETARIAN not in food.flags}
    assert not_vegetarian == {
        "salmon",
        "halibut",
        "mackerel",
        "chicken-breast",
        "ground-beef",
        "fortified-cereal",
    }


def test_animal_foods_sit_in_animal_categories() -> None:
    assert {f.id for f in FOODS.values() if f.category is FoodCategory.MEAT_POULTRY} == {
        "chicken-breast",
        "ground-beef",
    }


def test_dark_chocolate_is_not_an_everyday_food() -> None:
    assert not FOODS["dark-chocolate"].everyday
    assert FOODS["spinach"].everyday


@pytest.mark.parametrize(
    ("diets", "excluded", "kept"),
    [
        ([Diet.VEGAN], {"yogurt", "milk", "salmon", "chicken-breast", "dark-chocolate"}, {"tofu"}),
        ([Diet.VEGETARIAN], {"salmon", "ground-beef"}, {"yogurt", "milk"}),
        ([Diet.NO_NUTS], {"almonds", "cashews", "brazil-nuts"}, {"peanuts", "peanut-butter"}),
        ([Diet.NO_PEANUTS], {"peanuts", "peanut-butter"}, {"almonds"}),
        ([Diet.GLUTEN_FREE], {"whole-wheat-bread", "instant-oatmeal"}, {"quinoa", "buckwheat"}),
        ([Diet.DAIRY_FREE], {"milk", "yogurt", "dark-chocolate"}, {"soymilk"}),
        ([Diet.NO_FISH], {"salmon", "halibut", "mackerel"}, {"chicken-breast"}),
        ([Diet.NO_SOY], {"tofu", "soymilk", "edamame"}, {"black-beans"}),
        ([Diet.NO_SESAME], {"sesame-seeds", "whole-wheat-bread"}, {"chia-seeds"}),
        ([Diet.DAIRY_FREE], {"whole-wheat-bread", "fortified-cereal"}, {"quinoa"}),
        ([Diet.VEGAN, Diet.NO_SOY], {"tofu", "milk"}, {"lentils"}),
        ([], set(), set(FOODS)),
    ],
)
def test_food_fits_diet(diets: list[Diet], excluded: set[str], kept: set[str]) -> None:
    fitting = {food.id for food in FOODS.values() if food_fits_diet(food, diets)}
    assert not fitting & excluded
    assert kept <= fitting
