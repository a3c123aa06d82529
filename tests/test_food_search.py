"""Food-name, category and diet-word matching, and the diet filters behind /foods."""

from __future__ import annotations

import itertools

import pytest

from bot.handlers.foods import Page, foods_on_page, page_diets
from content import Diet, FoodCategory, FoodFlag, Library, food_fits_diet
from content.food_search import FoodIndex, normalise

ANIMAL = {FoodCategory.FISH, FoodCategory.MEAT_POULTRY}


@pytest.fixture(scope="module")
def index(library: Library) -> FoodIndex:
    return FoodIndex.build(library.foods)


@pytest.mark.parametrize(
    ("typed", "food_id"),
    [
        ("spinach", "spinach"),
        ("Spinch", "spinach"),
        ("boiled spinach", "spinach"),
        ("almnds", "almonds"),
        ("ALMONDS!", "almonds"),
        ("almond", "almonds"),
        ("pumkin seeds", "pumpkin-seeds"),
        ("pepitas", "pumpkin-seeds"),
        ("black beans", "black-beans"),
        ("black bean", "black-beans"),
        ("bananas", "banana"),
        ("potatoes", "baked-potato"),
        ("avocado", "avocado"),
        ("avocados", "avocado"),
        ("garbanzos", "chickpeas"),
        ("peanut butter", "peanut-butter"),
        ("peanuts", "peanuts"),
    ],
)
def test_food_names_are_forgiving(index: FoodIndex, typed: str, food_id: str) -> None:
    found = index.find_food(typed)
    assert found is not None and found.id == food_id


@pytest.mark.parametrize(
    "typed", ["almond milk", "greek yogurt", "sweet potato", "xyzzy", "", "😀"]
)
def test_unknown_foods_are_not_guessed(index: FoodIndex, typed: str) -> None:
    assert index.find_food(typed) is None


def test_suggestions_are_three_distinct_foods(index: FoodIndex) -> None:
    suggestions = index.suggest_foods("almond milk")
    assert len(suggestions) == 3
    assert len({food.id for food in suggestions}) == 3
    assert "almonds" in {food.id for food in suggestions}
    assert index.suggest_foods("шпинат") == []


@pytest.mark.parametrize(
    ("typed", "category", "diet"),
    [
        ("seeds", FoodCategory.SEEDS, None),
        ("seed", FoodCategory.SEEDS, None),
        ("nuts", FoodCategory.NUTS, None),
        ("beans", FoodCategory.LEGUMES, None),
        ("leafy greens", FoodCategory.LEAFY_GREENS, None),
        ("fish", FoodCategory.FISH, None),
        ("vegan", None, Diet.VEGAN),
        ("vegn", None, Diet.VEGAN),
        ("gluten-free", None, Diet.GLUTEN_FREE),
        ("nut free", None, Diet.NO_NUTS),
        ("dairy free", None, Diet.DAIRY_FREE),
        ("vegan seeds", FoodCategory.SEEDS, Diet.VEGAN),
        ("seeds vegan", FoodCategory.SEEDS, Diet.VEGAN),
        ("magnesium rich foods", None, None),
    ],
)
def test_filters(
    index: FoodIndex, typed: str, category: FoodCategory | None, diet: Diet | None
) -> None:
    query = index.parse_filter(typed)
    assert (query.category, query.diet, query.food, query.unknown) == (category, diet, None, None)


def test_food_card_query_and_unknown_query(index: FoodIndex) -> None:
    card = index.parse_filter("spinach")
    assert card.food is not None and card.food.id == "spinach"
    unknown = index.parse_filter("greek yogurt")
    assert unknown.unknown == "greek yogurt"
    assert unknown.suggestions and unknown.suggestions[0].id == "yogurt"


@pytest.mark.parametrize(
    ("typed", "food_ids"),
    [
        ("spinach, almonds", ["spinach", "almonds"]),
        ("Spinch vs almnds", ["spinach", "almonds"]),
        ("banana or avocado", ["banana", "avocado"]),
        ("black beans and chickpeas", ["black-beans", "chickpeas"]),
        ("pumpkin seeds; chia seeds / tofu", ["pumpkin-seeds", "chia-seeds", "tofu"]),
        ("almonds, almonds, cashews", ["almonds", "cashews"]),
    ],
)
def test_foods_to_compare_are_read_from_a_list(
    index: FoodIndex, typed: str, food_ids: list[str]
) -> None:
    query = index.parse_filter(typed)
    assert [food.id for food in query.compared] == food_ids
    assert (query.food, query.unknown) == (None, None)


@pytest.mark.parametrize(
    "typed",
    [
        "almond milk",  # one food we do not know, not almonds and milk
        "spinach almonds",  # no separator: never split
        "spinach, xyzzy",  # every part must be a food
        "spinach, spinach",
        "beans and peas",  # a category
        "Spinach, boiled",  # one food's full name
    ],
)
def test_a_list_is_only_a_comparison_when_every_part_is_another_food(
    index: FoodIndex, typed: str
) -> None:
    assert index.parse_filter(typed).compared == ()


@pytest.mark.parametrize(
    ("typed", "food_ids"),
    [
        ("which has more magnesium, banana or avocado?", ["banana", "avocado"]),
        ("spinach vs almonds", ["spinach", "almonds"]),
        ("What about spinach vs. almonds", ["spinach", "almonds"]),
        ("almonds compared to cashews", ["almonds", "cashews"]),
        ("difference between quinoa and oatmeal", ["quinoa", "instant-oatmeal"]),
        ("banana, avocado, kale", ["banana", "avocado", "kale"]),
        ("pb vs avo", ["peanut-butter", "avocado"]),
        ("Is a banana or an avocado richer?", ["banana", "avocado"]),
        ("How much magnesium is in quinoa?", ["quinoa"]),
        ("does tofu have magnesium", ["tofu"]),
        ("almonds", ["almonds"]),
    ],
)
def test_a_typed_question_names_its_foods(
    index: FoodIndex, typed: str, food_ids: list[str]
) -> None:
    assert [food.id for food in index.named_foods(typed)] == food_ids


@pytest.mark.parametrize(
    "typed",
    [
        "milk of magnesia or almonds",  # a laxative, not milk
        "for my 2 year old, almonds or cashews?",  # who it is for changes the answer
        "is spinach or kale better for cramps",
        "I eat almonds and spinach but still cramp",
        "is dark chocolate good for cramps",
        "how much magnesium do I need",
        "almond milk vs soy milk",  # "almond milk" is not almonds and milk
        "the almond the milk",
        "banana, avocado or mango",  # mango is not in the table: no half answer
        "spinach vs almonds " + "really " * 60,  # longer than any plain comparison
        "",
        "🥑 vs 🍌",
    ],
)
def test_other_messages_do_not_name_foods_alone(index: FoodIndex, typed: str) -> None:
    assert index.named_foods(typed) == ()


def test_normalise_handles_plurals_and_punctuation() -> None:
    assert normalise("Black-Beans!!") == "black bean"
    assert normalise("  Potatoes ") == "potato"
    assert normalise("x" * 5000) == "x" * 100


DIET_SETS = [
    frozenset(combo) for size in range(3) for combo in itertools.combinations(list(Diet), size)
]


@pytest.mark.parametrize("diets", DIET_SETS, ids=lambda d: "+".join(sorted(d)) or "none")
def test_every_list_respects_every_diet(library: Library, diets: frozenset[Diet]) -> None:
    for category in [None, *FoodCategory]:
        for food in foods_on_page(library, Page(category), diets):
            assert food_fits_diet(food, diets)
            if category is not None:
                assert food.category is category
            if Diet.VEGAN in diets:
                assert FoodFlag.CONTAINS_DAIRY not in food.flags
                assert FoodFlag.CONTAINS_FISH not in food.flags
                assert food.category not in ANIMAL
                assert "honey" not in f"{food.name} {' '.join(food.aliases)}".lower()
            if Diet.NO_NUTS in diets:
                assert FoodFlag.CONTAINS_NUTS not in food.flags
                assert food.category is not FoodCategory.NUTS
            if Diet.VEGETARIAN in diets:
                assert food.category not in ANIMAL


def test_diet_word_from_the_command_narrows_the_chat_diet(library: Library) -> None:
    page = Page(None, Diet.VEGAN)
    diets = page_diets(page, frozenset({Diet.NO_NUTS}))
    assert diets == {Diet.VEGAN, Diet.NO_NUTS}
    listed = foods_on_page(library, page, diets)
    assert listed and all(food_fits_diet(food, diets) for food in listed)
    assert not any(FoodFlag.CONTAINS_NUTS in food.flags for food in listed)
    top = foods_on_page(library, Page(None), frozenset())
    assert [food.mg for food in top] == sorted((food.mg for food in top), reverse=True)
    assert top[0].mg == max(food.mg for food in library.foods)
