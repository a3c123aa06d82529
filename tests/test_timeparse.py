"""Delivery times as people type them: examples, bad input, and properties over all times."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.timeparse import TimeParseError, parse_delivery_time, parse_quiet_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8", dt.time(8, 0)),
        ("8:30", dt.time(8, 30)),
        ("08:30", dt.time(8, 30)),
        ("8am", dt.time(8, 0)),
        ("8 AM", dt.time(8, 0)),
        ("8:30 pm", dt.time(20, 30)),
        ("8.30p.m.", dt.time(20, 30)),
        ("20:15", dt.time(20, 15)),
        ("20.15", dt.time(20, 15)),
        ("20h15", dt.time(20, 15)),
        ("2015", dt.time(20, 15)),
        ("830", dt.time(8, 30)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("0:05", dt.time(0, 5)),
        ("  21:00  ", dt.time(21, 0)),
        ("noon", dt.time(12, 0)),
        ("Midnight", dt.time(0, 0)),
        ("８：３０", dt.time(8, 30)),
        ("7 o'clock", dt.time(7, 0)),
    ],
)
def test_examples(text: str, expected: dt.time) -> None:
    assert parse_delivery_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:99", "24:00", "23:60", "13pm", "0am", "99", "", "   ", "8:3", "eight", "🙂", "8:30:15",
     "x" * 5000, "9" * 5000, "<b>8</b>", "-8", "8:-30"],
)  # fmt: skip
def test_bad_input_is_refused_with_examples(text: str) -> None:
    with pytest.raises(TimeParseError) as error:
        parse_delivery_time(text)
    assert "e.g." in str(error.value)


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_24_hour_time_round_trips(hour: int, minute: int) -> None:
    at = dt.time(hour, minute)
    assert parse_delivery_time(f"{hour}:{minute:02d}") == at
    assert parse_delivery_time(f"{at:%H:%M}") == at
    assert parse_delivery_time(f"{at:%H%M}") == at


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["am", "pm", " AM", " p.m."]))
def test_twelve_hour_clock_matches_the_24_hour_one(hour: int, minute: int, suffix: str) -> None:
    twelve = hour % 12 or 12
    is_pm = "p" in suffix.lower()
    expected = dt.time((twelve % 12) + (12 if is_pm else 0), minute)
    assert parse_delivery_time(f"{twelve}:{minute:02d}{suffix}") == expected


@given(st.integers(24, 99), st.integers(0, 99))
def test_impossible_hours_are_refused(hour: int, minute: int) -> None:
    with pytest.raises(TimeParseError):
        parse_delivery_time(f"{hour}:{minute:02d}")


@given(st.integers(0, 23), st.integers(60, 99))
def test_impossible_minutes_are_refused(hour: int, minute: int) -> None:
    with pytest.raises(TimeParseError):
        parse_delivery_time(f"{hour}:{minute}")


@given(st.text(max_size=300))
def test_any_text_is_a_valid_time_or_a_clear_refusal(text: str) -> None:
    try:
        at = parse_delivery_time(text)
    except TimeParseError as error:
        assert str(error)
    else:
        assert at.second == 0 and at.tzinfo is None


# ---------------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00-07:00", (dt.time(22, 0), dt.time(7, 0))),
        ("22:00 – 07:00", (dt.time(22, 0), dt.time(7, 0))),
        ("10pm to 7am", (dt.time(22, 0), dt.time(7, 0))),
        ("10 PM - 7 AM", (dt.time(22, 0), dt.time(7, 0))),
        ("from 9:30pm until 6", (dt.time(21, 30), dt.time(6, 0))),
        ("22.30 till 6", (dt.time(22, 30), dt.time(6, 0))),
        ("midnight to 6", (dt.time(0, 0), dt.time(6, 0))),
        ("13-14", (dt.time(13, 0), dt.time(14, 0))),
        ("２２：００—０７：００", (dt.time(22, 0), dt.time(7, 0))),
        ("off", None),
        (" None ", None),
    ],
)
def test_quiet_hours_examples(text: str, expected: tuple[dt.time, dt.time] | None) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("22:00-22:00", "different start and end"),
        ("10pm to 22:00", "different start and end"),
        ("22:00", "e.g. 22:00-07:00"),
        ("tonight", "e.g. 22:00-07:00"),
        ("25:00-07:00", "e.g. 22:00-07:00"),
        ("1-2-3", "e.g. 22:00-07:00"),
        ("", "e.g. 22:00-07:00"),
        ("9" * 5000, "too long"),
        ("<b>9</b>-7", "e.g. 22:00-07:00"),
    ],
)
def test_bad_quiet_hours_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(TimeParseError) as error:
        parse_quiet_hours(text)
    assert says in str(error.value)


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59))
def test_every_window_round_trips(h1: int, m1: int, h2: int, m2: int) -> None:
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if start == end:
        with pytest.raises(TimeParseError):
            parse_quiet_hours(f"{start:%H:%M}-{end:%H:%M}")
    else:
        assert parse_quiet_hours(f"{start:%H:%M}-{end:%H:%M}") == (start, end)
        assert parse_quiet_hours(f"{start:%H:%M} to {end:%H:%M}") == (start, end)


@given(st.text(max_size=300))
def test_any_text_is_a_window_or_a_clear_refusal(text: str) -> None:
    try:
        window = parse_quiet_hours(text)
    except TimeParseError as error:
        assert str(error)
    else:
        assert window is None or window[0] != window[1]
