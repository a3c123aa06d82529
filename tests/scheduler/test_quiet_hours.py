"""Quiet hours, the weekly quiz day and Later, as pure planning rules: no database, no Bot API.

The properties run over every IANA zone: whatever the window, the delivery time and the
clock changes, no planned send instant (a daily slot or a Later) lies inside the chat's
quiet hours, each local day still has one slot, and a Later never brings a daily tip
forward.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from content import Library
from scheduler import planning
from scheduler.planning import LaterFate
from scheduler.schedule import (
    delivery_weekdays,
    in_quiet,
    later_due_at,
    local_instant,
    next_due_for,
    out_of_quiet,
    quiet_time,
    quiet_until,
    slot_day,
    slot_time,
)
from storage.deliveries import Kind
from tests.scheduler.test_planning import WINDOW, chat, utc

ALL_ZONES = sorted(zoneinfo.available_timezones())
T = dt.time
SUNDAY = dt.date(2026, 11, 22)


# ---------------------------------------------------------------------------- the window


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        (T(21, 59), T(22, 0), T(7, 0), False),
        (T(22, 0), T(22, 0), T(7, 0), True),  # the start is inside
        (T(23, 59, 59), T(22, 0), T(7, 0), True),
        (T(0, 0), T(22, 0), T(7, 0), True),  # the window wraps midnight
        (T(6, 59), T(22, 0), T(7, 0), True),
        (T(7, 0), T(22, 0), T(7, 0), False),  # the end is not
        (T(12, 30), T(12, 0), T(14, 0), True),  # a window inside one day
        (T(14, 0), T(12, 0), T(14, 0), False),
        (T(11, 0), T(12, 0), T(14, 0), False),
        (T(3, 0), None, None, False),  # no quiet hours
        (T(3, 0), T(3, 0), T(3, 0), False),  # an empty window is none
    ],
)
def test_in_quiet(local: dt.time, start: dt.time | None, end: dt.time | None, quiet: bool) -> None:
    assert in_quiet(local, start, end) is quiet


def test_a_slot_inside_the_window_moves_to_its_end_the_same_day() -> None:
    assert quiet_time(T(23, 0), T(22, 0), T(7, 0)) == T(7, 0)  # earlier that day
    assert quiet_time(T(1, 0), T(22, 0), T(7, 0)) == T(7, 0)  # later that day
    assert quiet_time(T(9, 0), T(22, 0), T(7, 0)) == T(9, 0)
    assert quiet_time(T(9, 0), None, None) == T(9, 0)
    late = chat(at=T(23, 0), quiet_start=T(22, 0), quiet_end=T(7, 0))
    assert slot_time(late) == T(7, 0)
    # Saturday 23:00 is quiet: Sunday's slot is at 07:00 and stands for Sunday.
    slot = next_due_for(late, utc("2026-11-21T23:00:00Z"))
    assert slot == utc("2026-11-22T07:00:00Z")
    assert slot_day(slot, ZoneInfo("UTC"), slot_time(late)) == SUNDAY


def test_an_instant_inside_the_window_moves_to_the_end_of_that_window() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = T(22, 0), T(7, 0)
    # 23:30 Berlin on the 22nd: the window ends at 07:00 on the 23rd (06:00 UTC).
    evening = utc("2026-11-22T22:30:00Z")
    assert out_of_quiet(evening, berlin, start, end) == utc("2026-11-23T06:00:00Z")
    # 02:00 Berlin: the same night's end, that morning.
    night = utc("2026-11-23T01:00:00Z")
    assert out_of_quiet(night, berlin, start, end) == utc("2026-11-23T06:00:00Z")
    assert quiet_until(night, berlin, start, end) == utc("2026-11-23T06:00:00Z")
    day = utc("2026-11-23T12:00:00Z")
    assert out_of_quiet(day, berlin, start, end) == day
    assert quiet_until(day, berlin, start, end) is None
    assert out_of_quiet(night, berlin, None, None) == night


def test_a_window_end_the_clocks_skip_moves_to_the_first_minute_after_it() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29: a window ending 02:30 ends at 03:00.
    berlin = ZoneInfo("Europe/Berlin")
    inside = utc("2026-03-29T00:30:00Z")  # 01:30 CET
    moved = out_of_quiet(inside, berlin, T(1, 0), T(2, 30))
    assert moved == utc("2026-03-29T01:00:00Z")  # 03:00 CEST
    # A slot at 02:30 that day is pushed by the gap to 03:00, into a 03:00-05:00 window.
    early = chat(zone="Europe/Berlin", at=T(2, 30), quiet_start=T(3, 0), quiet_end=T(5, 0))
    slot = next_due_for(early, utc("2026-03-28T12:00:00Z"))
    assert slot.astimezone(berlin).time() == T(5, 0)


# ---------------------------------------------------------------------------- quiz day


def test_the_quiz_day_is_a_delivery_day_while_scheduled_quizzes_are_on() -> None:
    assert delivery_weekdays("weekdays", "with_tip", 0) == frozenset(range(5))
    assert delivery_weekdays("weekdays", "with_tip", 0, 6, 3) == frozenset({0, 1, 2, 3, 4, 6})
    assert delivery_weekdays("weekdays", "with_tip", 0, 6, 0) == frozenset(range(5))
    weekdays = chat(frequency="weekdays", quiz_weekday=6, quiz_size=3)
    friday_evening = utc("2026-11-20T18:00:00Z")
    assert next_due_for(weekdays, friday_evening) == utc("2026-11-22T09:00:00Z")  # Sunday
    assert next_due_for(replace(weekdays, quiz_size=0), friday_evening) == utc(
        "2026-11-23T09:00:00Z"
    )


def test_a_quiz_day_plan_asks_for_the_quiz_after_the_days_tip(library: Library) -> None:
    sunday = utc("2026-11-22T09:00:00Z")
    daily = chat(next_due_at=sunday, quiz_weekday=6, quiz_size=3)
    plan = planning.plan(library, daily, sunday, {}, WINDOW)
    assert plan is not None and plan.quiz_size == 3
    assert plan.kinds == [Kind.TIP, Kind.FOOD, Kind.QUIZ]
    # Only on the quiz day, only with scheduled quizzes on, never while paused.
    monday = chat(next_due_at=sunday + dt.timedelta(days=1), quiz_weekday=6)
    plan = planning.plan(library, monday, sunday + dt.timedelta(days=1), {}, WINDOW)
    assert plan is not None and plan.quiz_size == 0
    off = planning.plan(library, replace(daily, quiz_size=0), sunday, {}, WINDOW)
    assert off is not None and Kind.QUIZ not in off.kinds
    assert (
        planning.plan(library, replace(daily, paused_indefinitely=True), sunday, {}, WINDOW) is None
    )
    # A weekdays chat's Sunday slot is the quiz alone.
    weekdays = replace(daily, frequency="weekdays", food_mode="with_tip")
    plan = planning.plan(library, weekdays, sunday, {}, WINDOW)
    assert plan is not None and plan.kinds == [Kind.QUIZ]


# ---------------------------------------------------------------------------- Later


def test_a_chat_due_only_for_its_later_gets_the_later_alone(library: Library) -> None:
    later = utc("2026-11-22T10:00:00Z")  # an hour after Sunday's 09:00 tip
    waiting = chat(next_due_at=later, later_tip_id=library.tips[0].id, later_at=later, quiz_size=0)
    assert planning.slot_to_send(waiting, later, WINDOW) is None  # no early Monday tip
    plan = planning.plan(library, waiting, later, {}, WINDOW)
    assert plan is not None and plan.kinds == [Kind.LATER] and not plan.picks
    assert plan.later is not None and plan.later.local_date == SUNDAY
    assert planning.later_fate(waiting, later, WINDOW) is LaterFate.DUE
    # Once sent it is forgotten: the next due time is Monday's slot.
    assert planning.next_due(waiting, later, later=False) == utc("2026-11-23T09:00:00Z")
    # Not yet: the chat waits for it, and the next due time is the Later's.
    early = later - dt.timedelta(minutes=1)
    assert planning.later_fate(waiting, early, WINDOW) is LaterFate.WAITING
    assert planning.plan(library, waiting, early, {}, WINDOW) is None
    assert planning.next_due(waiting, utc("2026-11-22T09:00:00Z")) == later


def test_a_later_is_dropped_when_paused_too_late_or_unknown(library: Library) -> None:
    at = utc("2026-11-22T10:00:00Z")
    base = chat(next_due_at=at, later_tip_id=library.tips[0].id, later_at=at)
    paused = replace(base, paused_indefinitely=True)
    assert planning.later_fate(paused, at, WINDOW) is LaterFate.DROPPED
    assert planning.plan(library, paused, at, {}, WINDOW) is None
    stale = at + WINDOW + dt.timedelta(minutes=1)
    assert planning.later_fate(base, stale, WINDOW) is LaterFate.DROPPED
    gone = replace(base, later_tip_id="no-such-tip")
    assert planning.later_fate(gone, at, WINDOW) is LaterFate.DUE
    assert planning.plan(library, gone, at, {}, WINDOW) is None  # nothing to send
    assert planning.later_fate(replace(base, later_at=None), at, WINDOW) is LaterFate.NONE


def test_a_later_inside_quiet_hours_waits_for_their_end(library: Library) -> None:
    asked = utc("2026-11-22T22:30:00Z")
    quiet = chat(
        next_due_at=asked,
        later_tip_id=library.tips[0].id,
        later_at=asked,
        quiz_size=0,
        quiet_start=T(22, 0),
        quiet_end=T(7, 0),
    )
    assert later_due_at(quiet) == utc("2026-11-23T07:00:00Z")
    assert planning.later_fate(quiet, asked, WINDOW) is LaterFate.WAITING
    assert planning.plan(library, quiet, asked, {}, WINDOW) is None
    assert planning.next_due(quiet, asked) == utc("2026-11-23T07:00:00Z")
    # At 07:00 Monday's own slot (09:00, outside the window) is not brought forward.
    morning = utc("2026-11-23T07:00:00Z")
    plan = planning.plan(library, replace(quiet, next_due_at=morning), morning, {}, WINDOW)
    assert plan is not None and plan.kinds == [Kind.LATER]
    assert plan.later is not None and plan.later.local_date == dt.date(2026, 11, 23)


# ---------------------------------------------------------------------------- properties

minutes = st.integers(0, 24 * 60 - 1).map(lambda m: T(m // 60, m % 60))


@st.composite
def windows(draw: st.DrawFn) -> tuple[dt.time, dt.time]:
    start = draw(minutes)
    end = draw(minutes.filter(lambda t: t != start))
    return start, end


instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)


@given(
    zone=st.sampled_from(ALL_ZONES),
    at=minutes,
    window=windows(),
    now=instants,
    later_minutes=st.none() | st.integers(0, 36 * 60),
    frequency=st.sampled_from(["daily", "weekdays", "three_weekly", "weekly"]),
)
@example(
    zone="Europe/Berlin",
    at=T(2, 30),
    window=(T(3, 0), T(5, 0)),
    now=dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC),
    later_minutes=None,
    frequency="daily",
)
@example(
    zone="Pacific/Apia",
    at=T(23, 30),
    window=(T(22, 0), T(8, 0)),
    now=dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC),
    later_minutes=13 * 60,
    frequency="weekly",
)
def test_no_planned_send_is_ever_inside_quiet_hours(
    zone: str,
    at: dt.time,
    window: tuple[dt.time, dt.time],
    now: dt.datetime,
    later_minutes: int | None,
    frequency: str,
) -> None:
    start, end = window
    tz = ZoneInfo(zone)
    later_at = None if later_minutes is None else now + dt.timedelta(minutes=later_minutes)
    subject = chat(
        zone=zone,
        at=at,
        frequency=frequency,
        quiet_start=start,
        quiet_end=end,
        later_tip_id="a-tip" if later_at else None,
        later_at=later_at,
    )
    due = planning.next_due(subject, now)
    assert due > now or (later_at is not None and due == later_due_at(subject))
    assert not in_quiet(due.astimezone(tz).time(), start, end)
    # The next few daily slots too, each on its own local day.
    slot, days = now, set()
    for _ in range(4):
        slot = planning.next_due(replace(subject, later_at=None), slot)
        assert not in_quiet(slot.astimezone(tz).time(), start, end)
        days.add(slot_day(slot, tz, slot_time(subject)))
    assert len(days) == 4
    if later_at is not None:
        moved = later_due_at(subject)
        assert moved is not None and moved >= later_at
        assert not in_quiet(moved.astimezone(tz).time(), start, end)


@given(zone=st.sampled_from(ALL_ZONES), at=minutes, window=windows(), day=st.integers(0, 800))
def test_each_local_day_has_exactly_one_slot_outside_quiet_hours(
    zone: str, at: dt.time, window: tuple[dt.time, dt.time], day: int
) -> None:
    """A week of daily slots from any date: one per local day, at the delivery time or,
    inside the window, at its end (or the first valid minute after either)."""
    tz = ZoneInfo(zone)
    start, end = window
    subject = chat(zone=zone, at=at, quiet_start=start, quiet_end=end)
    after = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    slots = [planning.next_due(subject, after)]
    for _ in range(6):
        slots.append(planning.next_due(subject, slots[-1]))
    local_days = [slot_day(s, tz, slot_time(subject)) for s in slots]
    assert len(set(local_days)) == 7
    wanted = quiet_time(at, start, end)
    for slot, local_day in zip(slots, local_days, strict=True):
        assert not in_quiet(slot.astimezone(tz).time(), start, end)
        # At the wanted time, or the first valid minute after it (a clock change), moved
        # out of the window only if a clock change pushed it in.
        assert slot == out_of_quiet(local_instant(local_day, wanted, tz), tz, start, end)
