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
from content import DAILY_VALUE_MG, AgeBand, Diet, LifeStage, Profile, Sex, percent_of
from storage import chats
from storage.models import Chat

# The UL for anyone 9 or older; used when we do not know the person's age.
_ADULT = Profile(age_band=AgeBand.YEARS_19_30, sex=Sex.FEMALE)
_DIET_VALUES = frozenset(diet.value for diet in Diet)


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
        """E.g. 'your RDA of 320 mg' or 'the 420 mg Daily Value'."""
        if self.profile is None:
            return f"the {DAILY_VALUE_MG} mg Daily Value"
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


def profile_of(chat: Chat) -> Profile | None:
    """The person's profile, or None when age or sex is unset (or the row is inconsistent)."""
    if chat.age_band is None or chat.sex is None:
        return None
    with contextlib.suppress(ValueError, ValidationError):
        return Profile(
            age_band=AgeBand(chat.age_band),
            sex=Sex(chat.sex),
            life_stage=LifeStage(chat.life_stage or LifeStage.NONE),
        )
    return None


def diets_of(chat: Chat) -> frozenset[Diet]:
    # Unknown values (say, from a newer version) are ignored rather than breaking /foods.
    return frozenset(Diet(value) for value in chat.diet or [] if value in _DIET_VALUES)


def _usable_timezone(name: str | None, fallback: str) -> str:
    if not name:
        return fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return name


async def needs_of(svc: Services, chat_id: int) -> Needs:
    async with svc.db.session() as session:
        chat = await chats.get_chat(session, chat_id)
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
    profile = profile_of(chat)
    return Needs(
        known=True,
        diets=diets_of(chat),
        profile=profile,
        target_mg=tables.rda(profile) if profile else DAILY_VALUE_MG,
        is_ai=tables.rda_is_ai(profile) if profile else False,
        ul_mg=tables.ul(profile or _ADULT),
        timezone=_usable_timezone(chat.timezone, svc.settings.default_timezone),
    )
