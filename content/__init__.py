"""MagBot content: tips, foods, FAQ, intake tables and safety texts as validated data.

Load once with `load_library()` and keep the returned `Library`; nothing is cached here.
"""

from content.daily_value import DAILY_VALUE_MG, percent_dv, percent_of
from content.diets import DIET_LABELS, Diet, food_fits_diet
from content.enums import (
    AGE_BAND_LABELS,
    CATEGORY_LABELS,
    FAQ_SECTION_LABELS,
    LIFE_STAGE_LABELS,
    TOPIC_LABELS,
    AgeBand,
    FaqSection,
    FoodCategory,
    FoodFlag,
    LifeStage,
    Sex,
    Source,
    Topic,
)
from content.intake import Intake, IntakeTables, Profile
from content.library import Library
from content.loader import DEFAULT_DATA_DIR, load_library
from content.models import FaqEntry, Food, RedFlag, Tip
from content.problems import ContentError, Problem
from content.quiz import Quiz

__all__ = [
    "AGE_BAND_LABELS",
    "CATEGORY_LABELS",
    "DAILY_VALUE_MG",
    "DEFAULT_DATA_DIR",
    "DIET_LABELS",
    "FAQ_SECTION_LABELS",
    "LIFE_STAGE_LABELS",
    "TOPIC_LABELS",
    "AgeBand",
    "ContentError",
    "Diet",
    "FaqEntry",
    "FaqSection",
    "Food",
    "FoodCategory",
    "FoodFlag",
    "Intake",
    "IntakeTables",
    "Library",
    "LifeStage",
    "Problem",
    "Profile",
    "Quiz",
    "RedFlag",
    "Sex",
    "Source",
    "Tip",
    "Topic",
    "food_fits_diet",
    "load_library",
    "percent_dv",
    "percent_of",
]
