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
from typing import Protocol
from zoneinfo import ZoneInfo

from content.schedule import FREQUENCY_DAYS, Frequency

_MINUTE = dt.timedelta(minutes=1)
_DAY = dt.timedelta(days=1)


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


def delivery_weekdays(
    frequency: str,
    food_mode: str,
    food_weekday: int,
    quiz_weekday: int | None = None,
    quiz_size: int = 0,
) -> frozenset[int]:
    """Local weekdays with something to send: tip days, the weekly food day if any, and the
    weekly quiz day if scheduled quizzes are on (a weekdays-only chat still gets its Sunday
    quiz)."""
    days = set(FREQUENCY_DAYS[Frequency(frequency)])
    if food_mode == "weekly":
        days.add(food_weekday)
    if quiz_weekday is not None and quiz_size > 0:
        days.add(quiz_weekday)
    return frozenset(days)


# ------------------------------------------------------------------------- quiet hours
#
# A chat's quiet hours are a window of local wall-clock time, [start, end), that may wrap
# midnight (22:00-07:00). Nothing scheduled is sent inside it: a daily slot inside it moves
# to the window's end the same local day, a Later inside it to the end of that window, and
# broadcast rows wait until it ends.


def in_quiet(local: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Whether the local wall-clock time `local` lies inside the window [start, end)."""
    if start is None or end is None or start == end:
        return False
    local = local.replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window wraps midnight


def quiet_time(at: dt.time, start: dt.time | None, end: dt.time | None) -> dt.time:
    """The local time a daily slot at `at` is sent: `at`, or the window's end when `at`
    lies inside the quiet hours (the same local day, so each day still has one slot)."""
    if end is not None and in_quiet(at, start, end):
        return end
    return at


def out_of_quiet(
    instant: dt.datetime, tz: ZoneInfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime:
    """`instant`, or the end of the quiet window it falls in (the first instant after it at
    local time `end`). Walking on handles a window end that a clock change skipped."""
    # Four rounds: the end of a skipped day can land in the next window once, no more.
    for _ in range(4):
        local = instant.astimezone(tz)
        if end is None or not in_quiet(local.time(), start, end):
            return instant
        candidate = local_instant(local.date(), end, tz)
        if candidate <= instant:
            candidate = local_instant(local.date() + _DAY, end, tz)
        instant = candidate
    return instant


def quiet_until(
    instant: dt.datetime, tz: ZoneInfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """When the quiet window `instant` falls in ends, or None outside quiet hours."""
    moved = out_of_quiet(instant, tz, start, end)
    return moved if moved != instant else None


class Schedulable(Protocol):
    """What a chat's next delivery time depends on (a `Chat` row or a claimed `DueChat`)."""

    @property
    def timezone(self) -> str: ...
    @property
    def delivery_time(self) -> dt.time: ...
    @property
    def frequency(self) -> str: ...
    @property
    def food_mode(self) -> str: ...
    @property
    def food_weekday(self) -> int: ...
    @property
    def quiz_weekday(self) -> int: ...
    @property
    def quiz_size(self) -> int: ...
    @property
    def quiet_start(self) -> dt.time | None: ...
    @property
    def quiet_end(self) -> dt.time | None: ...
    @property
    def later_at(self) -> dt.datetime | None: ...


def slot_time(chat: Schedulable) -> dt.time:
    """The local time of the chat's daily slot once quiet hours are respected."""
    return quiet_time(chat.delivery_time, chat.quiet_start, chat.quiet_end)


def next_regular_slot(chat: Schedulable, after: dt.datetime) -> dt.datetime:
    """The chat's first daily slot strictly after `after`, never inside its quiet hours."""
    tz = ZoneInfo(chat.timezone)
    slot = next_slot(
        after,
        tz=tz,
        at=slot_time(chat),
        weekdays=delivery_weekdays(
            chat.frequency, chat.food_mode, chat.food_weekday, chat.quiz_weekday, chat.quiz_size
        ),
    )
    # Only a clock change can push a slot into the window (its time was skipped).
    return out_of_quiet(slot, tz, chat.quiet_start, chat.quiet_end)


def later_due_at(chat: Schedulable) -> dt.datetime | None:
    """When the chat's pending Later (a tip asked for again) may go out, if it has one."""
    if chat.later_at is None:
        return None
    return out_of_quiet(chat.later_at, ZoneInfo(chat.timezone), chat.quiet_start, chat.quiet_end)


def next_due_for(chat: Schedulable, after: dt.datetime) -> dt.datetime:
    """The chat's next delivery instant: its next daily slot strictly after `after`, or
    its pending Later if that comes first."""
    regular = next_regular_slot(chat, after)
    later = later_due_at(chat)
    return regular if later is None else min(regular, later)
