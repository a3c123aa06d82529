"""The user's diet preferences and which foods fit them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from content.enums import FoodCategory, FoodFlag
from content.models import Food


class Diet(StrEnum):
    VEGAN = "vegan"
    VEGETARIAN = "vegetarian"
    NO_NUTS = "no_nuts"
    NO_PEANUTS = "no_peanuts"
    GLUTEN_FREE = "gluten_free"
    DAIRY_FREE = "dairy_free"
    NO_FISH = "no_fish"
    NO_SOY = "no_soy"
    NO_SESAME = "no_sesame"

    @property
    def label(self) -> str:
        return DIET_LABELS[self]


DIET_LABELS: Mapping[Diet, str] = MappingProxyType(
    {
        Diet.VEGAN: "Vegan",
        Diet.VEGETARIAN: "Vegetarian",
        Diet.NO_NUTS: "No tree nuts",
        Diet.NO_PEANUTS: "No peanuts",
        Diet.GLUTEN_FREE: "Gluten-free",
        Diet.DAIRY_FREE: "Dairy-free",
        Diet.NO_FISH: "No fish",
        Diet.NO_SOY: "No soy",
        Diet.NO_SESAME: "No sesame",
    }
)

_REQUIRED_FLAG: Mapping[Diet, FoodFlag] = MappingProxyType(
    {Diet.VEGAN: FoodFlag.VEGAN, Diet.VEGETARIAN: FoodFlag.VEGETARIAN}
)
_EXCLUDED_FLAG: Mapping[Diet, FoodFlag] = MappingProxyType(
    {
        Diet.NO_NUTS: FoodFlag.CONTAINS_NUTS,
        Diet.NO_PEANUTS: FoodFlag.CONTAINS_PEANUTS,
        Diet.GLUTEN_FREE: FoodFlag.CONTAINS_GLUTEN,
        Diet.DAIRY_FREE: FoodFlag.CONTAINS_DAIRY,
        Diet.NO_FISH: FoodFlag.CONTAINS_FISH,
        Diet.NO_SOY: FoodFlag.CONTAINS_SOY,
        Diet.NO_SESAME: FoodFlag.CONTAINS_SESAME,
    }
)


def food_fits_diet(food: Food, diets: Iterable[Diet]) -> bool:
    """True when the food suits every one of the given diet preferences."""
    for diet in diets:
        required = _REQUIRED_FLAG.get(diet)
        if required is not None and required not in food.flags:
            return False
        excluded = _EXCLUDED_FLAG.get(diet)
        if excluded is not None and excluded in food.flags:
            return False
        # Belt and braces: a fish dish must never reach a no-fish user, flag or not.
        if diet is Diet.NO_FISH and food.category is FoodCategory.FISH:
            return False
    return True
