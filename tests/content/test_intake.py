"""Intake tables: every cell of the reference table, the UL, profiles and table mistakes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from content import AgeBand, Intake, LifeStage, Profile, Sex, load_library
from content.intake import IntakeTables
from tests.content.conftest import LoadProblems
from tests.content.datasets import Documents, locations

# Reference section 4, typed in by hand: band -> (male, female, pregnancy, lactation, UL).
REFERENCE = {
    AgeBand.MONTHS_0_6: (30, 30, None, None, None),
    AgeBand.MONTHS_7_12: (75, 75, None, None, None),
    AgeBand.YEARS_1_3: (80, 80, None, None, 65),
    AgeBand.YEARS_4_8: (130, 130, None, None, 110),
    AgeBand.YEARS_9_13: (240, 240, None, None, 350),
    AgeBand.YEARS_14_18: (410, 360, 400, 360, 350),
    AgeBand.YEARS_19_30: (400, 310, 350, 310, 350),
    AgeBand.YEARS_31_50: (420, 320, 360, 320, 350),
    AgeBand.YEARS_51_PLUS: (420, 320, None, None, 350),
}


@pytest.fixture(scope="module")
def intake() -> IntakeTables:
    import yaml

    from content.loader import DEFAULT_DATA_DIR

    return IntakeTables.model_validate(
        yaml.safe_load((DEFAULT_DATA_DIR / "intake.yaml").read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("band", list(AgeBand))
def test_rda_and_ul_match_the_reference(intake: IntakeTables, band: AgeBand) -> None:
    male, female, pregnant, lactation, ul = REFERENCE[band]
    assert intake.rda(Profile(age_band=band, sex=Sex.MALE)) == male
    assert intake.rda(Profile(age_band=band, sex=Sex.FEMALE)) == female
    assert intake.ul(Profile(age_band=band, sex=Sex.FEMALE)) == ul
    assert intake.life_stage_applies(band) is (pregnant is not None)
    if pregnant is not None and lactation is not None:
        assert intake.rda(Profile(age_band=band, sex=Sex.FEMALE, life_stage="pregnant")) == (
            pregnant
        )
        breastfeeding = Profile(age_band=band, sex=Sex.FEMALE, life_stage="breastfeeding")
        assert intake.rda(breastfeeding) == lactation
        # The supplement UL does not change in pregnancy or lactation.
        assert intake.ul(breastfeeding) == 350


def test_infants_have_an_adequate_intake_and_no_ul(intake: IntakeTables) -> None:
    baby = Profile(age_band=AgeBand.MONTHS_7_12, sex=Sex.FEMALE)
    assert intake.rda_is_ai(baby)
    assert intake.for_profile(baby) == Intake(rda_mg=75, ul_mg=None, is_ai=True)
    adult = Profile(age_band=AgeBand.YEARS_19_30, sex=Sex.MALE)
    assert not intake.rda_is_ai(adult)
    assert intake.for_profile(adult) == Intake(rda_mg=400, ul_mg=350, is_ai=False)


def test_daily_value_is_420(intake: IntakeTables) -> None:
    assert intake.daily_value_mg == 420


@pytest.mark.parametrize(
    ("band", "sex", "stage"),
    [
        (AgeBand.YEARS_19_30, Sex.MALE, LifeStage.PREGNANT),
        (AgeBand.YEARS_31_50, Sex.MALE, LifeStage.BREASTFEEDING),
        (AgeBand.YEARS_51_PLUS, Sex.FEMALE, LifeStage.PREGNANT),
        (AgeBand.YEARS_9_13, Sex.FEMALE, LifeStage.PREGNANT),
        (AgeBand.MONTHS_0_6, Sex.FEMALE, LifeStage.BREASTFEEDING),
    ],
)
def test_impossible_profiles_are_rejected(band: AgeBand, sex: Sex, stage: LifeStage) -> None:
    with pytest.raises(ValidationError):
        Profile(age_band=band, sex=sex, life_stage=stage)


def test_profile_is_frozen_and_defaults_to_no_life_stage() -> None:
    profile = Profile(age_band="14-18", sex="female")
    assert profile.life_stage is LifeStage.NONE
    with pytest.raises(ValidationError):
        profile.sex = Sex.MALE


def test_age_band_labels_are_readable() -> None:
    assert AgeBand("51+").label == "51 years and over"
    assert AgeBand("0-6m").label == "0-6 months"


# --- mistakes in intake.yaml ---------------------------------------------------------------


def test_missing_age_band_row(docs: Documents, problems_of: LoadProblems) -> None:
    del docs["intake.yaml"]["rda"][4]
    problems = problems_of(docs)
    assert locations(problems) == {("intake.yaml", None, "rda")}
    assert "9-13" in problems[0].message


def test_pregnancy_value_outside_ages_14_to_50(docs: Documents, problems_of: LoadProblems) -> None:
    docs["intake.yaml"]["rda"][8]["pregnant"] = 350
    problems = problems_of(docs)
    assert locations(problems) == {("intake.yaml", "51+", "pregnant")}


def test_daily_value_must_stay_420(docs: Documents, problems_of: LoadProblems) -> None:
    docs["intake.yaml"]["daily_value_mg"] = 400
    problems = problems_of(docs)
    assert locations(problems) == {("intake.yaml", None, "daily_value_mg")}


def test_bad_value_in_a_row_names_the_age_band(docs: Documents, problems_of: LoadProblems) -> None:
    docs["intake.yaml"]["rda"][6]["female"] = "lots"
    problems = problems_of(docs)
    assert locations(problems) == {("intake.yaml", "rda 19-30", "female")}


def test_infant_ul_must_be_unset(docs: Documents, problems_of: LoadProblems) -> None:
    docs["intake.yaml"]["ul"][0]["supplement_mg"] = 65
    problems = problems_of(docs)
    assert locations(problems) == {("intake.yaml", "0-6m", "supplement_mg")}


def test_real_library_exposes_the_tables() -> None:
    # Only meaningful once every data file exists; kept small so the failure is obvious.
    library = load_library()
    assert library.intake.rda(Profile(age_band="31-50", sex="male")) == 420
