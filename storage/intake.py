"""The food intake log behind /log and /today, kept per chat and local date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IntakeEntry

# One day of honest logging never comes close; the cap stops a runaway script filling the table.
MAX_ENTRIES_PER_DAY = 100


def local_day(timezone: str, instant: dt.datetime) -> dt.date:
    """The calendar date at `instant` in `timezone`: the day a /log counts towards."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(ZoneInfo(timezone)).date()


async def add_entry(
    session: AsyncSession,
    chat_id: int,
    local_date: dt.date,
    food_id: str,
    servings: float,
    mg: float,
) -> IntakeEntry | None:
    """Log a food; None when the day already holds MAX_ENTRIES_PER_DAY entries."""
    if await count_for_day(session, chat_id, local_date) >= MAX_ENTRIES_PER_DAY:
        return None
    entry = IntakeEntry(
        chat_id=chat_id, local_date=local_date, food_id=food_id, servings=servings, mg=mg
    )
    session.add(entry)
    await session.flush()
    return entry


async def count_for_day(session: AsyncSession, chat_id: int, local_date: dt.date) -> int:
    query = select(func.count()).where(
        IntakeEntry.chat_id == chat_id, IntakeEntry.local_date == local_date
    )
    return int(await session.scalar(query) or 0)


async def entries_for_day(
    session: AsyncSession, chat_id: int, local_date: dt.date
) -> list[IntakeEntry]:
    """The day's entries in the order they were logged."""
    query = (
        select(IntakeEntry)
        .where(IntakeEntry.chat_id == chat_id, IntakeEntry.local_date == local_date)
        .order_by(IntakeEntry.id)
    )
    return list(await session.scalars(query))


async def undo_last(session: AsyncSession, chat_id: int, local_date: dt.date) -> IntakeEntry | None:
    """Remove the day's most recent entry and return it; None when the day is empty."""
    query = (
        select(IntakeEntry)
        .where(IntakeEntry.chat_id == chat_id, IntakeEntry.local_date == local_date)
        .order_by(IntakeEntry.id.desc())
        .limit(1)
    )
    entry = await session.scalar(query)
    if entry is None:
        return None
    await session.execute(delete(IntakeEntry).where(IntakeEntry.id == entry.id))
    return entry


async def remove_entries(
    session: AsyncSession, chat_id: int, entry_ids: Sequence[int]
) -> list[IntakeEntry]:
    """Remove the listed entries of this chat (a receipt's "Undo all" names them), oldest
    first; the ones already gone, or another chat's, are left out."""
    query = (
        select(IntakeEntry)
        .where(IntakeEntry.chat_id == chat_id, IntakeEntry.id.in_(entry_ids))
        .order_by(IntakeEntry.id)
    )
    found = list(await session.scalars(query))
    if found:
        await session.execute(
            delete(IntakeEntry).where(IntakeEntry.id.in_([entry.id for entry in found]))
        )
    return found
