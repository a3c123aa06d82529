"""Fixed vocabularies shared by the data files and the code that reads them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Topic(StrEnum):
    HOW_IT_WORKS = "how_it_works"
    DEFICIENCY = "deficiency"
    CRAMPS = "cramps"
    WEAKNESS = "weakness"
    EXERCISE = "exercise"
    SLEEP = "sleep"
    FOOD_SOURCES = "food_sources"
    SUPPLEMENTS = "supplements"
    SAFETY = "safety"
    RISK_GROUPS = "risk_groups"
    MYTHS = "myths"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self]


TOPIC_LABELS: Mapping[Topic, str] = MappingProxyType(
    {
        Topic.HOW_IT_WORKS: "How magnesium works",
        Topic.DEFICIENCY: "Deficiency and symptoms",
        Topic.CRAMPS: "Cramps and spasms",
        Topic.WEAKNESS: "Weakness and fatigue",
        Topic.EXERCISE: "Exercise and recovery",
        Topic.SLEEP: "Sleep and relaxation",
        Topic.FOOD_SOURCES: "Food sources",
        Topic.SUPPLEMENTS: "Supplements and forms",
        Topic.SAFETY: "Safety and excess",
        Topic.RISK_GROUPS: "Who is at risk",
        Topic.MYTHS: "Myths and evidence",
    }
)


class FaqSection(StrEnum):
    """The reference sheet's sections, in its order."""

    HOW_IT_WORKS = "how_it_works"
    DEFICIENCY = "deficiency"
    EXCESS = "excess"
    INTAKE = "intake"
    FOODS = "foods"
    SUPPLEMENTS = "supplements"
    OTHER_CAUSES = "other_causes"
    URGENT = "urgent"
    ABOUT = "about"

    @property
    def label(self) -> str:
        return FAQ_SECTION_LABELS[self]


FAQ_SECTION_LABELS: Mapping[FaqSection, str] = MappingProxyType(
    {
        FaqSection.HOW_IT_WORKS: "How magnesium works",
        FaqSection.DEFICIENCY: "Deficiency",
        FaqSection.EXCESS: "Too much magnesium",
        FaqSection.INTAKE: "How much you need",
        FaqSection.FOODS: "Foods",
        FaqSection.SUPPLEMENTS: "Supplements",
        FaqSection.OTHER_CAUSES: "Other causes of muscle trouble",
        FaqSection.URGENT: "When to get urgent care",
        FaqSection.ABOUT: "About MagBot",
    }
)


class FoodCategory(StrEnum):
    SEEDS = "seeds"
    NUTS = "nuts"
    LEGUMES = "legumes"
    LEAFY_GREENS = "leafy_greens"
    VEGETABLES = "vegetables"
    GRAINS = "grains"
    FRUIT = "fruit"
    DAIRY_ALTERNATIVES = "dairy_alternatives"
    FISH = "fish"
    MEAT_POULTRY = "meat_poultry"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: Mapping[FoodCategory, str] = MappingProxyType(
    {
        FoodCategory.SEEDS: "Seeds",
        FoodCategory.NUTS: "Nuts",
        FoodCategory.LEGUMES: "Beans, peas and soy",
        FoodCategory.LEAFY_GREENS: "Leafy greens",
        FoodCategory.VEGETABLES: "Vegetables",
        FoodCategory.GRAINS: "Grains and cereals",
        FoodCategory.FRUIT: "Fruit",
        # The key says "alternatives" but milk and yogurt live here too, as in
        # "milk and alternatives" food-guide groupings.
        FoodCategory.DAIRY_ALTERNATIVES: "Dairy and alternatives",
        FoodCategory.FISH: "Fish",
        FoodCategory.MEAT_POULTRY: "Meat and poultry",
        FoodCategory.OTHER: "Other",
    }
)


class FoodFlag(StrEnum):
    VEGAN = "vegan"
    VEGETARIAN = "vegetarian"
    CONTAINS_NUTS = "contains_nuts"
    CONTAINS_PEANUTS = "contains_peanuts"
    CONTAINS_GLUTEN = "contains_gluten"
    CONTAINS_DAIRY = "contains_dairy"
    CONTAINS_SOY = "contains_soy"
    CONTAINS_FISH = "contains_fish"
    CONTAINS_SESAME = "contains_sesame"
    # Not an allergen: whole nuts and peanuts are a choking risk for children under 5
    # (nhs), so day plans for young children leave these foods out.
    WHOLE_NUTS = "whole_nuts"


class UrgentAction(StrEnum):
    """What an urgent reply tells people to do first (reference section 8), most urgent first."""

    EMERGENCY = "emergency"
    CRISIS = "crisis"
    POISON = "poison"
    SAME_DAY = "same_day"


class Source(StrEnum):
    """The reference sheet's source tags (its header lists what each one stands for)."""

    NIH_ODS = "nih-ods"
    USDA = "usda"
    ARTICLES = "articles"
    FDA = "fda"
    COCHRANE = "cochrane"
    NHS = "nhs"
    HEALTHDIRECT = "healthdirect"
    EU = "eu"
    HELPLINES = "helplines"
    CALC = "calc"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS: Mapping[Source, str] = MappingProxyType(
    {
        Source.NIH_ODS: "NIH Office of Dietary Supplements",
        Source.USDA: "USDA FoodData Central",
        Source.ARTICLES: "consumer health articles checked against NIH",
        Source.FDA: "US Food and Drug Administration",
        Source.COCHRANE: "Cochrane review of magnesium for cramps",
        Source.NHS: "NHS (UK)",
        Source.HEALTHDIRECT: "healthdirect Australia",
        Source.EU: "EU food-label rules",
        Source.HELPLINES: "the helplines' own published numbers",
        Source.CALC: "arithmetic on the sources above",
    }
)


class AgeBand(StrEnum):
    """Age bands of the reference intake tables; values are what the data files use."""

    MONTHS_0_6 = "0-6m"
    MONTHS_7_12 = "7-12m"
    YEARS_1_3 = "1-3"
    YEARS_4_8 = "4-8"
    YEARS_9_13 = "9-13"
    YEARS_14_18 = "14-18"
    YEARS_19_30 = "19-30"
    YEARS_31_50 = "31-50"
    YEARS_51_PLUS = "51+"

    @property
    def label(self) -> str:
        return AGE_BAND_LABELS[self]

    @property
    def is_infant(self) -> bool:
        return self in (AgeBand.MONTHS_0_6, AgeBand.MONTHS_7_12)

    @classmethod
    def for_years(cls, years: int) -> AgeBand:
        """The band of someone `years` old (1 or more; a baby's band needs months)."""
        if years < 1:
            raise ValueError("age bands in years start at 1")
        for last, band in _LAST_YEAR_OF_BAND:
            if years <= last:
                return band
        return cls.YEARS_51_PLUS


AGE_BAND_LABELS: Mapping[AgeBand, str] = MappingProxyType(
    {
        AgeBand.MONTHS_0_6: "0-6 months",
        AgeBand.MONTHS_7_12: "7-12 months",
        AgeBand.YEARS_1_3: "1-3 years",
        AgeBand.YEARS_4_8: "4-8 years",
        AgeBand.YEARS_9_13: "9-13 years",
        AgeBand.YEARS_14_18: "14-18 years",
        AgeBand.YEARS_19_30: "19-30 years",
        AgeBand.YEARS_31_50: "31-50 years",
        AgeBand.YEARS_51_PLUS: "51 years and over",
    }
)

# The reference gives pregnancy and lactation values for these bands only; a profile
# outside them cannot be pregnant or breastfeeding.
CHILDBEARING_AGE_BANDS: frozenset[AgeBand] = frozenset(
    {AgeBand.YEARS_14_18, AgeBand.YEARS_19_30, AgeBand.YEARS_31_50}
)


_LAST_YEAR_OF_BAND = (
    (3, AgeBand.YEARS_1_3),
    (8, AgeBand.YEARS_4_8),
    (13, AgeBand.YEARS_9_13),
    (18, AgeBand.YEARS_14_18),
    (30, AgeBand.YEARS_19_30),
    (50, AgeBand.YEARS_31_50),
)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return "Male" if self is Sex.MALE else "Female"


class LifeStage(StrEnum):
    NONE = "none"
    PREGNANT = "pregnant"
    BREASTFEEDING = "breastfeeding"

    @property
    def label(self) -> str:
        return LIFE_STAGE_LABELS[self]


LIFE_STAGE_LABELS: Mapping[LifeStage, str] = MappingProxyType(
    {
        LifeStage.NONE: "Neither",
        LifeStage.PREGNANT: "Pregnant",
        LifeStage.BREASTFEEDING: "Breastfeeding",
    }
)
