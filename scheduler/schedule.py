"""Local delivery times as UTC instants, correct across daylight-saving changes.

Rules: a local time that does not exist on a day (the clocks jump over it) is delivered at
the first valid minute after it; an ambiguous one (the clocks repeat it) at its first
occurrence. Each local day yields exactly one instant, so nothing is sent twice or skipped.
That instant may fall on the next calendar day when the jump runs to midnight
(America/Nuuk skips 23:00-24:00 on 2026-03-28: a 23:30 slot of the 28th comes at 00:00 on
the 29th); it still stands for the 28th (`slot_day`), and the 29th has its own slot.
The one exception is a calendar day that a zone skipped entirely (Pacific/Apia dropped
2011-12-30): it has no local times at all, so it has no slot either, rather than a slot at
midnight of the next day that would only repeat that day's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from content.schedule import FREQUENCY_DAYS, Frequency
from storage.models import Chat

_MINUTE = dt.timedelta(minutes=1)


def _exists(naive: dt.datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == naive


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant at which `at` happens on local `day` in `tz`.

    A skipped wall-clock time moves to the first valid minute after it, which may fall on
    the next day only when the zone skipped the whole day (see `next_slot`).
    """
    naive = dt.datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    # Gaps are at most a few hours; walking minutes keeps odd zones (Lord Howe's
    # half-hour shift, Chatham's :45 offset) right without special cases.
    while not _exists(naive, tz):
        naive += _MINUTE
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)


def day_exists(day: dt.date, tz: ZoneInfo) -> bool:
    """False only for a calendar day the zone skipped entirely (not one minute of it)."""
    return local_instant(day, dt.time(0), tz).astimezone(tz).date() == day


def slot_day(slot: dt.datetime, tz: ZoneInfo, at: dt.time) -> dt.date:
    """The local day a slot at local time `at` stands for: its own date, or the day before
    when a gap pushed it past midnight. A slot computed for another time of day (the chat
    changed its delivery time since) falls back to its own date."""
    own = slot.astimezone(tz).date()
    before = own - dt.timedelta(days=1)
    if local_instant(own, at, tz) != slot and local_instant(before, at, tz) == slot:
        return before
    return own


def next_slot(
    after: dt.datetime, *, tz: ZoneInfo, at: dt.time, weekdays: Iterable[int]
) -> dt.datetime:
    """The first delivery instant strictly after `after` on one of the local `weekdays`."""
    days = frozenset(weekdays)
    if not days:
        raise ValueError("a schedule needs at least one weekday")
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    # Start a day early so that clocks falling back across midnight cannot hide a slot.
    day = after.astimezone(tz).date() - dt.timedelta(days=1)
    # Two weeks: a weekly slot on a day the zone skipped entirely moves on a week.
    for _ in range(16):
        if day.weekday() in days:
            candidate = local_instant(day, at, tz)
            # A candidate pushed into the next day by a gap still counts, unless the whole
            # day was skipped (then the next day's own slot serves).
            same_day = candidate.astimezone(tz).date() == day
            if candidate > after and (same_day or day_exists(day, tz)):
                return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("a weekly schedule always has a slot within two weeks")


def local_date_of(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def delivery_weekdays(frequency: str, food_mode: str, food_weekday: int) -> frozenset[int]:
    """Local weekdays with something to send: tip days, plus the weekly food day if any."""
    days = set(FREQUENCY_DAYS[Frequency(frequency)])
    if food_mode == "weekly":
        days.add(food_weekday)
    return frozenset(days)


def next_due_for(chat: Chat, after: dt.datetime) -> dt.datetime:
    """The chat's next delivery instant strictly after `after`."""
    return next_slot(
        after,
        tz=ZoneInfo(chat.timezone),
        at=chat.delivery_time,
        weekdays=delivery_weekdays(chat.frequency, chat.food_mode, chat.food_weekday),
    )
