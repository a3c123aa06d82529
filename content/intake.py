"""Recommended intake (RDA/AI), supplement upper limit (UL) and a person's profile."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, PrivateAttr, model_validator

from content.daily_value import DAILY_VALUE_MG
from content.enums import CHILDBEARING_AGE_BANDS, AgeBand, LifeStage, Sex, Source
from content.problems import FieldRuleError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Profile(BaseModel):
    """What the bot needs to know to look up someone's intake numbers."""

    model_config = _FROZEN

    age_band: AgeBand
    sex: Sex
    life_stage: LifeStage = LifeStage.NONE

    @model_validator(mode="after")
    def _possible(self) -> Profile:
        if self.life_stage is LifeStage.NONE:
            return self
        if self.sex is not Sex.FEMALE:
            raise ValueError(f"a {self.sex} profile cannot be {self.life_stage}")
        if self.age_band not in CHILDBEARING_AGE_BANDS:
            raise ValueError(
                f"'{self.life_stage}' applies to ages 14-50 only, not {self.age_band.label}"
            )
        return self


class Intake(BaseModel):
    """One person's numbers: RDA (or AI for infants) and the supplement UL."""

    model_config = _FROZEN

    rda_mg: int
    ul_mg: int | None
    is_ai: bool


class RdaRow(BaseModel):
    model_config = _FROZEN

    age_band: AgeBand
    male: PositiveInt
    female: PositiveInt
    pregnant: PositiveInt | None = None
    breastfeeding: PositiveInt | None = None
    # Infants have an Adequate Intake rather than an RDA.
    adequate_intake: bool = False


class UlRow(BaseModel):
    model_config = _FROZEN

    age_band: AgeBand
    # Magnesium from supplements and medicines, not food; None where no UL is set (infants).
    supplement_mg: PositiveInt | None


class IntakeTables(BaseModel):
    """The tables of intake.yaml, with one row per age band in each."""

    model_config = _FROZEN

    source: Source
    daily_value_mg: int
    rda_rows: tuple[RdaRow, ...] = Field(alias="rda")
    ul_rows: tuple[UlRow, ...] = Field(alias="ul")

    _rda: Mapping[AgeBand, RdaRow] = PrivateAttr()
    _ul: Mapping[AgeBand, UlRow] = PrivateAttr()

    @model_validator(mode="after")
    def _complete(self) -> IntakeTables:
        if self.daily_value_mg != DAILY_VALUE_MG:
            raise FieldRuleError(
                "daily_value_mg",
                f"the Daily Value is {DAILY_VALUE_MG} mg (used for every %DV); "
                f"the file says {self.daily_value_mg}",
            )
        _one_row_per_band("rda", [row.age_band for row in self.rda_rows])
        _one_row_per_band("ul", [row.age_band for row in self.ul_rows])
        for row in self.rda_rows:
            _check_life_stage_values(row)
            if row.adequate_intake != row.age_band.is_infant:
                raise FieldRuleError(
                    "adequate_intake",
                    "infant rows (and only those) are adequate intakes",
                    entry_id=row.age_band,
                )
        for ul_row in self.ul_rows:
            if (ul_row.supplement_mg is None) != ul_row.age_band.is_infant:
                raise FieldRuleError(
                    "supplement_mg",
                    "no UL is set for infants; every other age band needs one",
                    entry_id=ul_row.age_band,
                )
        return self

    def model_post_init(self, context: object, /) -> None:
        self._rda = MappingProxyType({row.age_band: row for row in self.rda_rows})
        self._ul = MappingProxyType({row.age_band: row for row in self.ul_rows})

    def sex_matters(self, band: AgeBand) -> bool:
        """True where the numbers differ by sex (children up to 13 share one row)."""
        row = self._rda[band]
        return row.male != row.female

    def rda(self, profile: Profile) -> int:
        """Recommended mg per day (an Adequate Intake for infants)."""
        row = self._rda[profile.age_band]
        if profile.life_stage is LifeStage.PREGNANT and row.pregnant is not None:
            return row.pregnant
        if profile.life_stage is LifeStage.BREASTFEEDING and row.breastfeeding is not None:
            return row.breastfeeding
        return row.male if profile.sex is Sex.MALE else row.female

    def rda_is_ai(self, profile: Profile) -> bool:
        return self._rda[profile.age_band].adequate_intake

    def ul(self, profile: Profile) -> int | None:
        """Upper limit for magnesium from supplements and medicines; None if none is set."""
        return self._ul[profile.age_band].supplement_mg

    def for_profile(self, profile: Profile) -> Intake:
        return Intake(
            rda_mg=self.rda(profile), ul_mg=self.ul(profile), is_ai=self.rda_is_ai(profile)
        )

    def life_stage_applies(self, age_band: AgeBand) -> bool:
        """True where the table has pregnancy/lactation values, i.e. worth asking about."""
        row = self._rda[age_band]
        return row.pregnant is not None or row.breastfeeding is not None


def _one_row_per_band(table: str, bands: list[AgeBand]) -> None:
    for band in AgeBand:
        count = bands.count(band)
        if count == 0:
            raise FieldRuleError(table, f"has no row for age band '{band}'")
        if count > 1:
            raise FieldRuleError(table, f"has {count} rows for age band '{band}'")


def _check_life_stage_values(row: RdaRow) -> None:
    expected = row.age_band in CHILDBEARING_AGE_BANDS
    for field, value in (("pregnant", row.pregnant), ("breastfeeding", row.breastfeeding)):
        if expected and value is None:
            raise FieldRuleError(field, "needs a value for this age band", entry_id=row.age_band)
        if not expected and value is not None:
            raise FieldRuleError(
                field, "only ages 14-50 have pregnancy values", entry_id=row.age_band
            )
