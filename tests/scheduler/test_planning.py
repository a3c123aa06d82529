"""The planning rules on their own: no database, no Bot API, just chats, content and time.

The properties run over every IANA zone: one delivery per chat per local day, at the local
time or the first valid instant after it, and after any outage the latest slot still
inside the catch-up window (review findings M3 and L8).
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from content import Library
from scheduler import planning
from scheduler.schedule import local_instant, next_slot, slot_day
from storage.deliveries import DueChat, Kind

UTC = dt.UTC
ALL_ZONES = sorted(zoneinfo.available_timezones())
EVERY_DAY = range(7)
WINDOW = dt.timedelta(hours=3)


def chat(
    *,
    zone: str = "UTC",
    at: dt.time = dt.time(9, 0),
    next_due_at: dt.datetime | None = None,
    **fields: object,
) -> DueChat:
    values: dict[str, object] = {
        "id": 1,
        "status": "active",
        "timezone": zone,
        "delivery_time": at,
        "frequency": "daily",
        "topics": ("cramps", "sleep"),
        "diet": (),
        "food_mode": "with_tip",
        "food_weekday": 0,
        "age_band": None,
        "sex": None,
        "life_stage": None,
        "paused_until": None,
        "paused_indefinitely": False,
        "next_due_at": next_due_at,
        "tip_cycle": 1,
        "food_cycle": 1,
    }
    values.update(fields)
    return DueChat(**values)  # type: ignore[arg-type]


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


# ---------------------------------------------------------------------------- unit rules


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-22T09:00:00Z", "2026-11-22T09:00:00Z"),  # on time
        ("2026-11-22T11:59:00Z", "2026-11-22T09:00:00Z"),  # late, inside the window
        ("2026-11-22T12:01:00Z", None),  # past it: missed
        ("2026-11-24T10:00:00Z", "2026-11-24T09:00:00Z"),  # two days down: the latest
        ("2026-11-24T08:00:00Z", None),  # two days down, between slots
    ],
)
def test_the_slot_to_send_is_the_latest_one_inside_the_window(
    now: str, expected: str | None
) -> None:
    due = chat(next_due_at=utc("2026-11-22T09:00:00Z"))
    found = planning.slot_to_send(due, utc(now), WINDOW)
    assert found == (utc(expected) if expected else None)


def test_a_zero_window_sends_only_on_time() -> None:
    due = chat(next_due_at=utc("2026-11-22T09:00:00Z"))
    assert planning.slot_to_send(due, utc("2026-11-22T09:00:00Z"), dt.timedelta(0)) is not None
    assert planning.slot_to_send(due, utc("2026-11-22T09:01:00Z"), dt.timedelta(0)) is None


def test_pauses_and_food_days() -> None:
    now = utc("2026-11-22T09:00:00Z")
    assert planning.paused(chat(paused_indefinitely=True), now)
    assert planning.paused(chat(paused_until=now + dt.timedelta(seconds=1)), now)
    assert not planning.paused(chat(paused_until=now), now)
    weekly = chat(frequency="weekly", food_mode="weekly", food_weekday=3)
    assert [planning.food_day(weekly, d) for d in range(7)] == [d == 3 for d in range(7)]
    assert all(planning.food_day(chat(), d) for d in range(7))
    assert not any(planning.food_day(chat(food_mode="off"), d) for d in range(7))
    paused = chat(paused_until=utc("2026-11-25T15:00:00Z"))
    assert planning.next_due(paused, now) == utc("2026-11-26T09:00:00Z")


def test_a_plan_picks_a_tip_and_a_food_for_the_slots_local_day(library: Library) -> None:
    due = chat(zone="America/Nuuk", at=dt.time(23, 30), next_due_at=utc("2026-03-29T01:00:00Z"))
    plan = planning.plan(library, due, utc("2026-03-29T01:00:00Z"), {}, WINDOW)
    assert plan is not None
    assert plan.local_date == dt.date(2026, 3, 28)  # 00:00 on the 29th stands for the 28th
    assert set(plan.picks) == {Kind.TIP, Kind.FOOD}
    stopped = replace(due, paused_indefinitely=True)
    assert planning.plan(library, stopped, utc("2026-03-29T01:00:00Z"), {}, WINDOW) is None


# ---------------------------------------------------------------------------- properties


def _exists(naive: dt.datetime, tz: ZoneInfo) -> bool:
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _day_exists(day: dt.date, tz: ZoneInfo) -> bool:
    midnight = dt.datetime.combine(day, dt.time(0))
    return any(_exists(midnight + dt.timedelta(minutes=m), tz) for m in range(0, 24 * 60, 15))


def _walk(tz: ZoneInfo, at: dt.time, after: dt.datetime, count: int) -> None:
    """Walk `count` daily slots after `after`, checking each against the rules."""
    previous: dt.date | None = None
    for _ in range(count):
        slot = next_slot(after, tz=tz, at=at, weekdays=EVERY_DAY)
        assert slot > after
        day = slot_day(slot, tz, at)
        if previous is not None:
            # The next local day, unless the zone skipped that calendar day entirely.
            skipped = [previous + dt.timedelta(days=n) for n in range(1, (day - previous).days)]
            assert day > previous and not any(_day_exists(d, tz) for d in skipped)
        wanted = dt.datetime.combine(day, at)
        if _exists(wanted, tz):
            # At the wanted time; of two (clocks falling back), the first.
            assert slot == wanted.replace(tzinfo=tz, fold=0).astimezone(UTC)
        else:
            # The wall clock jumped over it: the first minute after the jump.
            wall = slot.astimezone(tz).replace(tzinfo=None)
            just_before = (slot - dt.timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None)
            assert just_before < wanted < wall
        previous, after = day, slot


@settings(max_examples=150)
@given(
    zone=st.sampled_from(ALL_ZONES),
    start=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    at=st.builds(dt.time, st.integers(0, 23), st.integers(0, 59)),
)
@example(zone="America/Nuuk", start=dt.date(2026, 1, 1), at=dt.time(23, 59))
@example(zone="America/Scoresbysund", start=dt.date(2026, 3, 1), at=dt.time(23, 0))
@example(zone="Australia/Lord_Howe", start=dt.date(2026, 9, 1), at=dt.time(2, 15))
@example(zone="America/Santiago", start=dt.date(2026, 8, 1), at=dt.time(0, 0))
@example(zone="Europe/Berlin", start=dt.date(2026, 3, 1), at=dt.time(2, 30))
@example(zone="America/New_York", start=dt.date(2026, 10, 1), at=dt.time(1, 30))
@example(zone="Pacific/Apia", start=dt.date(2011, 12, 1), at=dt.time(9, 0))
def test_a_year_of_slots_is_one_per_local_day_at_its_time_or_the_first_minute_after(
    zone: str, start: dt.date, at: dt.time
) -> None:
    _walk(ZoneInfo(zone), at, dt.datetime.combine(start, dt.time(12), tzinfo=UTC), 366)


def _clock_changes(tz: ZoneInfo, year: int) -> list[dt.datetime]:
    """The instants (to the minute) at which the zone's UTC offset changes in `year`."""
    changes = []
    day = dt.datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        low, high = day, day + dt.timedelta(days=1)
        if low.astimezone(tz).utcoffset() != high.astimezone(tz).utcoffset():
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            changes.append(high.replace(second=0, microsecond=0))
        day += dt.timedelta(days=1)
    return changes


def test_every_zones_clock_changes_in_2026_keep_one_slot_per_local_day() -> None:
    """Every IANA zone, across each of its 2026 clock changes, at the times that matter:
    the first skipped (or repeated) minute, the middle of the gap, midnight and 23:59."""
    checked = 0
    for zone in ALL_ZONES:
        tz = ZoneInfo(zone)
        for change in _clock_changes(tz, 2026):
            before = (change - dt.timedelta(minutes=1)).astimezone(tz)
            after = change.astimezone(tz)
            shift = abs(after.utcoffset() - before.utcoffset())  # type: ignore[operator]
            # Forward: the wall times from `first` on are skipped; back: they repeat.
            first = (before + dt.timedelta(minutes=1)).replace(tzinfo=None)
            if after.utcoffset() < before.utcoffset():  # type: ignore[operator]
                first = after.replace(tzinfo=None)
            middle = first + shift / 2
            for at in {first.time(), middle.time(), dt.time(0, 0), dt.time(23, 59)}:
                _walk(tz, at.replace(second=0, microsecond=0), change - dt.timedelta(days=3), 6)
                checked += 1
    assert checked > 1000  # about 150 zones change their clocks twice a year


OUTAGE = st.tuples(st.integers(0, 60 * 24 * 30), st.integers(1, 60 * 24 * 4))


@settings(max_examples=200)
@given(
    zone=st.sampled_from(ALL_ZONES),
    at=st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59])),
    window=st.sampled_from([0, 1, 3, 12, 23, 30, 50]).map(lambda h: dt.timedelta(hours=h)),
    outages=st.lists(OUTAGE, max_size=4),
)
@example(  # the review's M3 case: down from day 2 08:00 to day 3 10:00, a 3 h window
    zone="UTC", at=dt.time(9, 0), window=WINDOW, outages=[(60 * 32, 60 * 26)]
)
@example(zone="America/Nuuk", at=dt.time(23, 59), window=WINDOW, outages=[])
def test_after_any_outage_the_latest_slot_inside_the_window_is_sent_and_only_older_missed(
    zone: str, at: dt.time, window: dt.timedelta, outages: list[tuple[int, int]]
) -> None:
    """A minute-ticking engine that is down during `outages`, simulated slot by slot."""
    tz = ZoneInfo(zone)
    # Forty days from 1 March: both hemispheres' spring or autumn clock changes.
    start = utc("2026-03-01T00:00:00Z")
    end = start + dt.timedelta(days=40)
    down = [
        (start + dt.timedelta(minutes=a), start + dt.timedelta(minutes=a + n)) for a, n in outages
    ]

    def up_at(t: dt.datetime) -> dt.datetime:
        """The first tick at or after `t`: the end of any outage `t` falls in."""
        moved = True
        while moved:
            moved = False
            for a, b in down:
                if a <= t < b:
                    t, moved = b, True
        return t

    first = next_slot(start, tz=tz, at=at, weekdays=EVERY_DAY)
    delivered: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}
    state = chat(zone=zone, at=at, next_due_at=first)
    t = up_at(first)
    while t < end:
        slot = planning.slot_to_send(state, t, window)
        if slot is not None:
            day = slot_day(slot, tz, at)
            assert day not in delivered, "two deliveries for one local day"
            delivered[day] = (slot, t)
        state = replace(state, next_due_at=planning.next_due(state, t))
        assert state.next_due_at is not None and state.next_due_at > t
        t = up_at(state.next_due_at)

    # The expected deliveries, slot by slot: a slot goes out at the first tick after it if
    # that tick is inside the window and no later slot has come by then.
    slots = [first]
    while slots[-1] < end:
        slots.append(next_slot(slots[-1], tz=tz, at=at, weekdays=EVERY_DAY))
    expected: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}
    for slot, later in itertools.pairwise(slots):
        tick = up_at(slot)
        if tick < end and tick - slot <= window and tick < later:
            expected[slot_day(slot, tz, at)] = (slot, tick)
    assert delivered == expected
    if not outages:
        # Never down: every local day, exactly at its slot.
        assert all(tick == slot for slot, tick in delivered.values())
        assert all(local_instant(d, at, tz) == s for d, (s, _) in delivered.items())
