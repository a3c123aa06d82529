"""What the food commands need to know about a chat: diet, daily target, limits, time zone.

Read-only: the preferences themselves are edited elsewhere (/start, /settings). A chat that
never sent /start still gets sensible defaults, so /foods and /plan work for anyone.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.services import Services
from content import (
    DAILY_VALUE_MG,
    AgeBand,
    Diet,
    IntakeTables,
    LifeStage,
    Profile,
    Sex,
    percent_of,
)
from content.enums import CHILDBEARING_AGE_BANDS
from storage.chat_cache import ChatView
from storage.models import Chat

# The UL for anyone 9 or older; used when we do not know the person's age.
_ADULT = Profile(age_band=AgeBand.YEARS_19_30, sex=Sex.FEMALE)
_DIET_VALUES = frozenset(diet.value for diet in Diet)
# The 420 mg Daily Value is for adults and children 4 and older (fda): no %DV below 4.
UNDER_4_BANDS = frozenset({AgeBand.MONTHS_0_6, AgeBand.MONTHS_7_12, AgeBand.YEARS_1_3})
# Bands that hold children under 5: whole nuts and peanuts are a choking risk (nhs).
UNDER_5_BANDS = UNDER_4_BANDS | {AgeBand.YEARS_4_8}

# Plain text; callers escape it.
INFANT_NOTE = (
    "For a baby, breast milk or formula provides the magnesium they need, and solid foods "
    "start at around 6 months. Ask your paediatrician about a baby's diet, and give no "
    "magnesium supplement unless a clinician prescribes it."
)
PORTIONS_NOTE = "Servings here are adult servings: a young child's portions are smaller."
NUTS_NOTE = (
    "Whole nuts and peanuts are a choking risk for children under 5: offer them ground or "
    "as smooth nut butter."
)
KIDNEY_NOTE = "If you have kidney disease, follow your kidney team's diet advice."


def supplement_limit_line(ul_mg: int | None) -> str:
    """The profile's supplement limit as a sentence (plain text): under it, or none at all."""
    if ul_mg is None:
        return "No supplement limit is set for this age: give none unless a clinician says so."
    return f"Supplements: stay under {ul_mg} mg a day unless a clinician says otherwise."


@dataclass(frozen=True)
class Needs:
    known: bool
    diets: frozenset[Diet]
    profile: Profile | None
    target_mg: int
    is_ai: bool
    ul_mg: int | None
    timezone: str

    @property
    def target_text(self) -> str:
        """E.g. 'your RDA of 320 mg' or 'the 420 mg Daily Value (US labels)'."""
        if self.profile is None:
            return f"the {DAILY_VALUE_MG} mg Daily Value (US labels)"
        kind = "Adequate Intake" if self.is_ai else "RDA"
        return f"your {kind} of {self.target_mg} mg"

    @property
    def short_target(self) -> str:
        """For chart legends: 'your RDA 320 mg' or 'Daily Value 420 mg'."""
        if self.profile is None:
            return f"Daily Value {DAILY_VALUE_MG} mg"
        return f"your {'AI' if self.is_ai else 'RDA'} {self.target_mg} mg"

    def percent_of_target(self, mg: float) -> int:
        return percent_of(mg, self.target_mg)

    @property
    def age_band(self) -> AgeBand | None:
        return self.profile.age_band if self.profile is not None else None

    @property
    def is_infant(self) -> bool:
        return self.age_band is not None and self.age_band.is_infant

    @property
    def shows_daily_value(self) -> bool:
        """%DV (420 mg) only for adults and children 4 and older, or an unknown age."""
        return self.age_band not in UNDER_4_BANDS

    @property
    def young_child(self) -> bool:
        """The profile may be a child under 5: no whole nuts, and adult servings are too big."""
        return self.age_band in UNDER_5_BANDS


def sex_matters(tables: IntakeTables, band: AgeBand) -> bool:
    """True where the intake table's numbers differ by sex (only then is sex asked)."""
    return tables.sex_matters(band)


def profile_of(chat: Chat | ChatView, tables: IntakeTables | None = None) -> Profile | None:
    """The person's profile, or None when it is incomplete or inconsistent.

    Sex is never asked where the tables do not differ by sex (children up to 13), so with
    `tables` a missing sex is filled in there: the numbers are the same either way. A child
    band always gets the child's numbers, even if an adult's sex or life stage is left over.
    """
    if chat.age_band is None:
        return None
    try:
        band = AgeBand(chat.age_band)
        stage = LifeStage(chat.life_stage or LifeStage.NONE)
        sex = Sex(chat.sex) if chat.sex is not None else None
    except ValueError:
        return None
    if sex is None:
        if tables is None or sex_matters(tables, band):
            return None
        sex = Sex.FEMALE  # same numbers either way
    if band not in CHILDBEARING_AGE_BANDS:
        stage = LifeStage.NONE  # a child cannot be pregnant: ignore a stale value
    with contextlib.suppress(ValidationError):
        return Profile(age_band=band, sex=sex, life_stage=stage)
    return None


def diets_of(chat: Chat | ChatView) -> frozenset[Diet]:
    # Unknown values (say, from a newer version) are ignored rather than breaking /foods.
    return frozenset(Diet(value) for value in chat.diet or () if value in _DIET_VALUES)


def _usable_timezone(name: str | None, fallback: str) -> str:
    if not name:
        return fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return name


async def needs_of(svc: Services, chat_id: int) -> Needs:
    chat = await svc.db.chat_view(chat_id)
    tables = svc.library.intake
    if chat is None:
        return Needs(
            known=False,
            diets=frozenset(),
            profile=None,
            target_mg=DAILY_VALUE_MG,
            is_ai=False,
            ul_mg=tables.ul(_ADULT),
            timezone=svc.settings.default_timezone,
        )
    profile = profile_of(chat, tables)
    return Needs(
        known=True,
        diets=diets_of(chat),
        profile=profile,
        target_mg=tables.rda(profile) if profile else DAILY_VALUE_MG,
        is_ai=tables.rda_is_ai(profile) if profile else False,
        ul_mg=tables.ul(profile or _ADULT),
        timezone=_usable_timezone(chat.timezone, svc.settings.default_timezone),
    )
