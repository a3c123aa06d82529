"""Local delivery times as UTC instants: DST gaps, repeats, odd offsets, frequencies."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.schedule import FREQUENCY_DAYS, Frequency
from scheduler.schedule import delivery_weekdays, local_instant, next_slot, slot_day

UTC = dt.UTC
EVERY_DAY = range(7)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def local(instant: dt.datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z")


@pytest.mark.parametrize(
    ("zone", "day", "wanted", "expected_local"),
    [
        # Spring forward: 02:00-02:59 does not exist; the first valid minute is 03:00.
        ("Europe/Berlin", "2026-03-29", "02:30", "2026-03-29 03:00 +0200"),
        ("America/New_York", "2026-03-08", "02:15", "2026-03-08 03:00 -0400"),
        # Lord Howe moves by half an hour: 02:00-02:29 are skipped.
        ("Australia/Lord_Howe", "2026-10-04", "02:10", "2026-10-04 02:30 +1100"),
        # Chatham's +12:45 jumps from 02:45 to 03:45.
        ("Pacific/Chatham", "2026-09-27", "03:00", "2026-09-27 03:45 +1345"),
        # Times just outside the gap are untouched.
        ("Europe/Berlin", "2026-03-29", "01:59", "2026-03-29 01:59 +0100"),
        ("Europe/Berlin", "2026-03-29", "03:00", "2026-03-29 03:00 +0200"),
        # Fall back: 02:30 happens twice in Berlin; the first (summer time) one counts.
        ("Europe/Berlin", "2026-10-25", "02:30", "2026-10-25 02:30 +0200"),
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01 01:30 -0400"),
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-05 01:45 +1100"),
        ("Pacific/Chatham", "2026-04-05", "02:50", "2026-04-05 02:50 +1345"),
        # Kathmandu's +05:45 has no DST at all.
        ("Asia/Kathmandu", "2026-11-22", "07:00", "2026-11-22 07:00 +0545"),
    ],
)
def test_local_instant_on_change_days(
    zone: str, day: str, wanted: str, expected_local: str
) -> None:
    hour, minute = map(int, wanted.split(":"))
    instant = local_instant(dt.date.fromisoformat(day), dt.time(hour, minute), ZoneInfo(zone))
    assert instant.tzinfo is UTC
    assert local(instant, zone) == expected_local


def test_kathmandu_morning_is_a_quarter_past_one_utc() -> None:
    instant = local_instant(dt.date(2026, 11, 22), dt.time(7, 0), ZoneInfo("Asia/Kathmandu"))
    assert instant == at("2026-11-22T01:15:00Z")


@pytest.mark.parametrize(
    ("zone", "wanted", "start"),
    [
        ("Europe/Berlin", dt.time(2, 30), "2026-03-27T00:00:00Z"),
        ("Europe/Berlin", dt.time(2, 30), "2026-10-23T00:00:00Z"),
        ("America/New_York", dt.time(1, 30), "2026-10-30T00:00:00Z"),
        ("America/New_York", dt.time(2, 30), "2026-03-06T00:00:00Z"),
        ("Australia/Lord_Howe", dt.time(2, 15), "2026-10-02T00:00:00Z"),
        ("Australia/Lord_Howe", dt.time(1, 45), "2026-04-03T00:00:00Z"),
        ("Pacific/Chatham", dt.time(3, 0), "2026-09-25T00:00:00Z"),
        ("Pacific/Chatham", dt.time(2, 50), "2026-04-03T00:00:00Z"),
    ],
)
def test_change_weeks_give_one_slot_per_local_day(zone: str, wanted: dt.time, start: str) -> None:
    """Walking slot to slot across a change: each local date exactly once, none skipped."""
    tz = ZoneInfo(zone)
    after = at(start)
    dates = []
    for _ in range(6):
        after = next_slot(after, tz=tz, at=wanted, weekdays=EVERY_DAY)
        dates.append(after.astimezone(tz).date())
    first = dates[0]
    assert dates == [first + dt.timedelta(days=n) for n in range(6)]


def test_after_the_first_of_two_half_past_twos_the_next_slot_is_tomorrow() -> None:
    tz = ZoneInfo("Europe/Berlin")
    first = local_instant(dt.date(2026, 10, 25), dt.time(2, 30), tz)
    second = first + dt.timedelta(hours=1)  # the repeated 02:30, now in winter time
    assert local(second, "Europe/Berlin") == "2026-10-25 02:30 +0100"
    for after in (first, second):
        nxt = next_slot(after, tz=tz, at=dt.time(2, 30), weekdays=EVERY_DAY)
        assert local(nxt, "Europe/Berlin") == "2026-10-26 02:30 +0100"


@pytest.mark.parametrize("zone", ["America/Nuuk", "America/Godthab", "America/Scoresbysund"])
def test_a_gap_that_runs_to_midnight_keeps_that_days_slot(zone: str) -> None:
    """28 Mar 2026: the clocks jump from 23:00 to the next day's 00:00. A 23:59 slot of the
    28th comes at 00:00, the first valid minute after it, and still counts for the 28th."""
    tz = ZoneInfo(zone)
    wanted = dt.time(23, 59)
    slot = next_slot(at("2026-03-28T12:00:00Z"), tz=tz, at=wanted, weekdays=EVERY_DAY)
    assert local(slot, zone)[:16] == "2026-03-29 00:00"
    assert slot_day(slot, tz, wanted) == dt.date(2026, 3, 28)
    after = next_slot(slot, tz=tz, at=wanted, weekdays=EVERY_DAY)
    assert local(after, zone)[:16] == "2026-03-29 23:59"
    assert slot_day(after, tz, wanted) == dt.date(2026, 3, 29)


def test_a_skipped_calendar_day_has_no_slot() -> None:
    """Samoa skipped 2011-12-30 entirely: no midnight slot that would clash with the 31st."""
    tz = ZoneInfo("Pacific/Apia")
    slot = next_slot(at("2011-12-29T20:00:00Z"), tz=tz, at=dt.time(9, 0), weekdays=EVERY_DAY)
    assert local(slot, "Pacific/Apia") == "2011-12-31 09:00 +1400"


@pytest.mark.parametrize(
    ("frequency", "expected_days"),
    [
        (Frequency.DAILY, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
        (Frequency.WEEKDAYS, ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]),
        (Frequency.THREE_A_WEEK, ["Mon", "Wed", "Fri", "Mon", "Wed", "Fri", "Mon"]),
        (Frequency.WEEKLY, ["Mon"] * 7),
    ],
)
def test_frequencies(frequency: Frequency, expected_days: list[str]) -> None:
    tz = ZoneInfo("America/New_York")
    after = at("2026-11-22T14:00:00Z")  # Sunday 09:00 in New York, after its 08:00
    days = []
    for _ in range(7):
        after = next_slot(after, tz=tz, at=dt.time(8, 0), weekdays=FREQUENCY_DAYS[frequency])
        days.append(after.astimezone(tz).strftime("%a"))
        assert after.astimezone(tz).time() == dt.time(8, 0)
    assert days == expected_days


def test_weekly_food_day_adds_a_delivery_day() -> None:
    assert delivery_weekdays("weekly", "weekly", 3) == frozenset({0, 3})
    assert delivery_weekdays("weekly", "with_tip", 3) == frozenset({0})
    assert delivery_weekdays("weekdays", "off", 6) == frozenset(range(5))


def test_naive_instants_and_empty_weekdays_are_refused() -> None:
    tz = ZoneInfo("UTC")
    with pytest.raises(ValueError, match="timezone-aware"):
        next_slot(dt.datetime(2026, 1, 1), tz=tz, at=dt.time(9), weekdays=EVERY_DAY)
    with pytest.raises(ValueError, match="weekday"):
        next_slot(at("2026-01-01T00:00:00Z"), tz=tz, at=dt.time(9), weekdays=[])


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Tehran",
]


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2030, 12, 31),
        timezones=st.just(UTC),
    ),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_daily_slots_are_one_per_local_day_and_never_before_the_wanted_time(
    zone: str, start: dt.datetime, hour: int, minute: int
) -> None:
    tz = ZoneInfo(zone)
    wanted = dt.time(hour, minute)
    after = start
    previous_date = None
    for _ in range(40):
        slot = next_slot(after, tz=tz, at=wanted, weekdays=EVERY_DAY)
        assert slot > after
        local_slot = slot.astimezone(tz)
        # Never earlier than asked; later only when the wanted minute did not exist.
        assert local_slot.time() >= wanted
        if local_slot.replace(tzinfo=None).time() != wanted:
            naive = dt.datetime.combine(local_slot.date(), wanted)
            roundtrip = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
            assert roundtrip.replace(tzinfo=None) != naive, "moved a time that exists"
        if previous_date is not None:
            assert local_slot.date() == previous_date + dt.timedelta(days=1)
        previous_date = local_slot.date()
        after = slot
