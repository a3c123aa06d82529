"""A chat's preferences as one validated value, and the repository calls that change them.

Every change goes through `Preferences`, so a value that is not allowed (an unknown zone,
no topics, a profile that cannot exist) is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from content import AgeBand, Diet, LifeStage, Sex, Topic
from content.enums import CHILDBEARING_AGE_BANDS
from content.schedule import Frequency
from storage.models import Chat

FoodMode = Literal["with_tip", "weekly", "off"]
# Questions in the weekly quiz; 0 = no scheduled quiz (/quiz still works).
QuizSize = Literal[0, 3, 5]

_T = TypeVar("_T")

# Changing any of these moves the next delivery slot, so the caller must reschedule: the
# quiz day is a delivery day while quizzes are on, and quiet hours move a slot inside them.
SCHEDULE_FIELDS = frozenset(
    {
        "timezone",
        "delivery_time",
        "frequency",
        "food_mode",
        "food_weekday",
        "quiz_weekday",
        "quiz_size",
        "quiet_start",
        "quiet_end",
    }
)


def _iana(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone") from None
    return value


def _unique(values: tuple[_T, ...]) -> tuple[_T, ...]:
    if len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values


class Preferences(BaseModel):
    """Everything a chat can choose; immutable, so a change is a new validated value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_iana)]
    delivery_time: dt.time
    frequency: Frequency = Frequency.DAILY
    topics: Annotated[tuple[Topic, ...], Field(min_length=1), AfterValidator(_unique)]
    diet: Annotated[tuple[Diet, ...], AfterValidator(_unique)] = ()
    food_mode: FoodMode = "with_tip"
    food_weekday: Annotated[int, Field(ge=0, le=6)] = 0
    age_band: AgeBand | None = None
    sex: Sex | None = None
    life_stage: LifeStage | None = None
    quiz_weekday: Annotated[int, Field(ge=0, le=6)] = 6
    quiz_size: QuizSize = 3
    # Local wall-clock times; both None = no quiet hours. The window may wrap midnight.
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None

    @field_validator("delivery_time", "quiet_start", "quiet_end")
    @classmethod
    def _whole_minutes(cls, value: dt.time | None) -> dt.time | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            raise ValueError("a delivery time is a local wall-clock time, without a zone")
        return value.replace(second=0, microsecond=0)

    @model_validator(mode="after")
    def _quiet_window(self) -> Preferences:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both a start and an end")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet hours must start and end at different times")
        return self

    @model_validator(mode="after")
    def _possible_life_stage(self) -> Preferences:
        if self.life_stage in (None, LifeStage.NONE):
            return self
        if self.sex is not Sex.FEMALE or self.age_band not in CHILDBEARING_AGE_BANDS:
            raise ValueError("pregnancy and breastfeeding apply to women aged 14-50 only")
        return self


_FIELDS = tuple(Preferences.model_fields)


def preferences_of(chat: Chat) -> Preferences:
    return Preferences.model_validate({name: getattr(chat, name) for name in _FIELDS})


def changed(chat: Chat, changes: dict[str, Any]) -> Preferences:
    """The chat's preferences with `changes` applied and validated (ValidationError if bad)."""
    current = preferences_of(chat).model_dump()
    return Preferences.model_validate({**current, **changes})


def apply(chat: Chat, preferences: Preferences) -> frozenset[str]:
    """Write validated preferences onto the row; returns the names of the fields that changed."""
    changed_fields: set[str] = set()
    for name in _FIELDS:
        value = getattr(preferences, name)
        stored = _column_value(value)
        if getattr(chat, name) != stored:
            setattr(chat, name, stored)
            changed_fields.add(name)
    return frozenset(changed_fields)


def _column_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [str(item) for item in value]
    if isinstance(value, AgeBand | Sex | LifeStage | Frequency):
        return str(value)
    return value


def chat_for_update(session: Session, chat_id: int) -> Chat | None:
    """The chat row, locked until the transaction ends so two taps cannot interleave.

    Synchronous, for `Database.run`; async code calls it via `session.run_sync`.
    """
    return session.get(Chat, chat_id, with_for_update=True, populate_existing=True)


# ---------------------------------------------------------------------- pausing


def pause(chat: Chat, until: dt.datetime | None) -> None:
    """Pause until a UTC instant, or indefinitely when `until` is None."""
    if until is not None and until.tzinfo is None:
        raise ValueError("pause end must be timezone-aware")
    chat.paused_until = until
    chat.paused_indefinitely = until is None


def is_paused(chat: Chat, now: dt.datetime) -> bool:
    return chat.paused_indefinitely or (chat.paused_until is not None and chat.paused_until > now)


def resume(chat: Chat) -> None:
    chat.paused_until = None
    chat.paused_indefinitely = False


# ---------------------------------------------------------------------- the settings menu


def open_menu(chat: Chat) -> int:
    """Start a new menu: older menus' buttons expire and any pending question is dropped."""
    chat.menu_version = (chat.menu_version or 0) + 1
    chat.menu_message_id = None
    clear_awaiting(chat)
    return chat.menu_version


def remember_menus(session: Session, menus: Mapping[int, int]) -> None:
    """Note which message holds each chat's current menu (chat id -> message id).

    One UPDATE by primary key for them all, no row loaded; a chat deleted meanwhile
    (/forget) is simply not there to update.
    """
    table = cast(Table, Chat.__table__)
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("chat"))
        .values(menu_message_id=bindparam("menu")),
        [{"chat": chat_id, "menu": message_id} for chat_id, message_id in menus.items()],
    )


def await_answer(chat: Chat, question: str, user_id: int) -> None:
    chat.awaiting = question
    chat.awaiting_user_id = user_id


def clear_awaiting(chat: Chat) -> None:
    chat.awaiting = None
    chat.awaiting_user_id = None


async def chats_awaiting(session: AsyncSession) -> list[int]:
    """Every chat with an open question (a process starting up learns them once)."""
    return list(await session.scalars(select(Chat.id).where(Chat.awaiting.is_not(None))))
