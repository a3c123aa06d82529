"""Compound weight vs elemental magnesium (reference section 6), children's limits and
profiles (section 4), and food aliases that would log the wrong numbers (review S3)."""

from __future__ import annotations

import re

import pytest

from bot.personal import Needs, profile_of
from bot.supplement_dose import (
    BLEND,
    CHLORIDE,
    CITRATE,
    GLYCINATE,
    HYDROXIDE,
    OXIDE,
    SULFATE,
    SupplementDose,
    SupplementForm,
    elemental_mg,
    find_form,
    find_supplement,
    supplement_reply,
)
from content import AgeBand, Library, LifeStage, Profile, Sex, load_library
from content.food_search import FoodIndex
from storage.models import Chat

LIBRARY = load_library()


def needs_for(library: Library, profile: Profile | None) -> Needs:
    tables = library.intake
    return Needs(
        known=True,
        diets=frozenset(),
        profile=profile,
        target_mg=tables.rda(profile) if profile else 420,
        is_ai=tables.rda_is_ai(profile) if profile else False,
        ul_mg=tables.ul(profile) if profile else 350,
        timezone="UTC",
    )


def reply(text: str, profile: Profile | None = None) -> str:
    dose = find_supplement(text)
    assert dose is not None
    html_text = supplement_reply(dose, needs_for(LIBRARY, profile), LIBRARY.intake, "Disclaimer")
    return re.sub(r"<[^>]+>", "", html_text)


@pytest.mark.parametrize(
    ("form", "share"),
    [(OXIDE, 0.60), (HYDROXIDE, 0.42), (CITRATE, 0.16), (GLYCINATE, 0.14), (CHLORIDE, 0.12)],
)
def test_shares_are_the_reference_figures(form: SupplementForm, share: float) -> None:
    assert form.share == share
    assert SULFATE.share == 0.10


@pytest.mark.parametrize(
    ("compound_mg", "form", "elemental"),
    [
        (1000, CITRATE, 160),
        (500, OXIDE, 300),
        (800, GLYCINATE, 110),  # 112, rounded to 10 mg as an estimate should be
        (400, HYDROXIDE, 170),  # 168
        (1000, CHLORIDE, 120),
        (1000, SULFATE, 100),
        (100, GLYCINATE, 14),
        (250, CITRATE, 40),
    ],
)
def test_elemental_mg(compound_mg: float, form: SupplementForm, elemental: int) -> None:
    assert elemental_mg(compound_mg, form) == elemental


def test_no_figure_no_conversion() -> None:
    with pytest.raises(ValueError):
        elemental_mg(500, BLEND)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("magnesium citrate 1000 mg", CITRATE),
        ("Magnesium Oxide 500mg", OXIDE),
        ("glycinate 800mg", GLYCINATE),
        ("mag bisglycinate 200 mg", GLYCINATE),
        ("magnesium hydroxide 400 mg", HYDROXIDE),
        ("epsom salt 1000 mg", SULFATE),
        ("magnesium sulphate 1000 mg", SULFATE),
        ("citrate and oxide 500 mg", BLEND),
        ("magnesium 300 mg", None),
        ("400 mg", None),
    ],
)
def test_forms_are_recognised(text: str, form: SupplementForm | None) -> None:
    assert find_form(text) == form
    dose = find_supplement(text)
    assert dose is not None and dose.form == form


def test_malate_has_no_figure() -> None:
    form = find_form("magnesium malate 600 mg")
    assert form is not None and form.share is None and "malate" in form.name


def test_citrate_is_converted_and_never_compared_as_a_compound_weight() -> None:
    text = reply("magnesium citrate 1000 mg")
    assert "If 1000 mg is the compound weight, that is about 160 mg of elemental magnesium" in (
        text
    )
    assert "“Magnesium” line on the Supplement Facts panel, it is already elemental" in text
    assert "1000 mg is above the upper limit" not in text
    assert "About 160 mg is within the limit" in text


def test_oxide_over_a_childs_limit_even_as_elemental() -> None:
    text = reply("magnesium oxide 500 mg", Profile(age_band=AgeBand.YEARS_4_8, sex=Sex.MALE))
    assert "about 300 mg of elemental magnesium" in text
    assert "Even about 300 mg is above the upper limit" in text and "110 mg a day" in text


def test_small_dose_within_either_way() -> None:
    text = reply("magnesium glycinate 200 mg")
    assert "about 28 mg of elemental magnesium" in text and "Either way" in text


def test_form_without_figure_asks_for_the_label_line() -> None:
    text = reply("magnesium malate 600 mg")
    assert "no reliable figure" in text and "check the “Magnesium” line" in text
    assert "about" not in text.split("The upper limit")[0]


def test_unknown_age_says_who_the_350_mg_limit_is_for() -> None:
    text = reply("magnesium 500 mg")
    assert "350 mg a day of elemental magnesium for anyone 9 or older" in text
    assert "65 mg at 1-3 years, 110 mg at 4-8 years" in text
    assert "kidney team's diet advice" in text


def test_infants_no_limit_is_not_a_safe_amount() -> None:
    text = reply("magnesium citrate 1000 mg", Profile(age_band=AgeBand.MONTHS_0_6, sex=Sex.MALE))
    assert "does not mean any amount is safe" in text and "clinician prescribes" in text
    assert "Breast milk or formula" in text and "160" not in text


@pytest.mark.parametrize(
    "text",
    ["magnesium 2 tablets", "3 magnesium pills", "magnesium citrate 2 capsules", "mag 1 gummy"],
)
def test_a_number_of_pills_is_never_read_as_milligrams(text: str) -> None:
    dose = find_supplement(text)
    assert dose is not None and dose.mg is None and dose.counted
    answer = reply(text)
    assert "within that limit" not in answer and "above the upper limit" not in answer
    assert "for each pill" in answer


def test_plain_dose_stays_as_before() -> None:
    assert find_supplement("magnesium 500 mg") == SupplementDose(500.0)
    assert find_supplement("spinach 2") is None


# ---------------------------------------------------------------- profiles (D7)


@pytest.mark.parametrize(
    ("band", "rda", "ul"),
    [
        ("0-6m", 30, None),
        ("7-12m", 75, None),
        ("1-3", 80, 65),
        ("4-8", 130, 110),
        ("9-13", 240, 350),
    ],
)
def test_children_without_sex_get_the_childs_numbers(band: str, rda: int, ul: int | None) -> None:
    profile = profile_of(Chat(id=1, type="private", age_band=band, sex=None), LIBRARY.intake)
    assert profile is not None
    assert LIBRARY.intake.rda(profile) == rda and LIBRARY.intake.ul(profile) == ul


def test_adult_band_without_sex_stays_unknown() -> None:
    chat = Chat(id=1, type="private", age_band="31-50", sex=None)
    assert profile_of(chat, LIBRARY.intake) is None


def test_left_over_life_stage_does_not_hide_a_child_band() -> None:
    chat = Chat(id=1, type="private", age_band="1-3", sex="female", life_stage="pregnant")
    assert profile_of(chat, LIBRARY.intake) == Profile(
        age_band=AgeBand.YEARS_1_3, sex=Sex.FEMALE, life_stage=LifeStage.NONE
    )


def test_needs_flags_for_young_children() -> None:
    toddler = needs_for(LIBRARY, Profile(age_band=AgeBand.YEARS_1_3, sex=Sex.FEMALE))
    assert not toddler.shows_daily_value and toddler.young_child and not toddler.is_infant
    school = needs_for(LIBRARY, Profile(age_band=AgeBand.YEARS_4_8, sex=Sex.FEMALE))
    assert school.shows_daily_value and school.young_child
    adult = needs_for(LIBRARY, None)
    assert adult.shows_daily_value and not adult.young_child
    assert "US labels" in adult.target_text


# ---------------------------------------------------------------- aliases (S3)

INDEX = FoodIndex.build(LIBRARY.foods)


@pytest.mark.parametrize(
    ("typed", "wrong"),
    [
        ("cocoa", "dark-chocolate"),
        ("soybeans", "edamame"),
        ("porridge", "instant-oatmeal"),
        ("rolled oats", "instant-oatmeal"),
        ("rice", "white-rice"),
    ],
)
def test_misleading_aliases_are_gone(typed: str, wrong: str) -> None:
    found = INDEX.find_food(typed)
    assert found is None or found.id != wrong


def test_rice_is_left_to_the_person() -> None:
    assert INDEX.find_food("rice") is None
    assert {"brown-rice", "white-rice"} <= {food.id for food in INDEX.suggest_foods("rice")}


def test_potato_names_the_preparation() -> None:
    found = INDEX.find_food("potato")
    assert found is not None and "baked with skin" in found.name
