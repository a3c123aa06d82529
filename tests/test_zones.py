"""Time zones from cities, IANA names, offsets and locations; properties over all offsets."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.zones import (
    ZoneParseError,
    ZoneResolver,
    default_resolver,
    offset_zone,
    zone_at,
    zone_label,
)

MIDWINTER = dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def resolver() -> ZoneResolver:
    return default_resolver()


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("BERLN", "Europe/Berlin"),
        ("München", "Europe/Berlin"),
        ("munchen", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new yrok", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Tokio", "Asia/Tokyo"),
        ("東京", "Asia/Tokyo"),
        ("Москва", "Europe/Moscow"),
        ("Paris", "Europe/Paris"),
        ("Paris, US", "America/Chicago"),
        ("Germany", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Europe/Berln", "Europe/Berlin"),
        ("america/new york", "America/New_York"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("utc +2", "Etc/GMT-2"),
        ("GMT-5", "Etc/GMT+5"),
        ("+3", "Etc/GMT-3"),
        ("UTC−7", "Etc/GMT+7"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("UTC+05:45", "Asia/Kathmandu"),
        ("PST", "America/Los_Angeles"),
    ],
)
def test_examples(resolver: ZoneResolver, text: str, zone: str) -> None:
    assert resolver.resolve(text).zone == zone


@pytest.mark.parametrize(
    "text",
    ["Mars/Olympus", "UTC+15", "GMT-13", "UTC+99", "UTC+5:75", "", "   ", "x" * 5000, "🙂🙂🙂",
     "United States", "Russia", "qqqqzzzz", "<script>alert(1)</script>"],
)  # fmt: skip
def test_bad_input_is_refused_with_a_hint(resolver: ZoneResolver, text: str) -> None:
    with pytest.raises(ZoneParseError) as error:
        resolver.resolve(text)
    assert len(str(error.value)) < 200 and "e.g." in str(error.value)


def test_offsets_beyond_fourteen_hours_are_rejected() -> None:
    for hours in (15, 20, -13, -14, -20):
        with pytest.raises(ZoneParseError):
            offset_zone(hours)


def test_the_match_says_which_place_was_understood(resolver: ZoneResolver) -> None:
    match = resolver.resolve("berln")
    assert "Berlin" in match.described_as and "Germany" in match.described_as


def test_locations_resolve_offline() -> None:
    assert zone_at(52.52, 13.40).zone == "Europe/Berlin"
    assert zone_at(35.68, 139.69).zone == "Asia/Tokyo"
    assert zone_at(-33.87, 151.21).zone == "Australia/Sydney"
    # Open Pacific: a nautical zone, shown as an offset.
    open_sea = zone_at(0.0, -140.0)
    assert open_sea.zone.startswith("Etc/GMT") and open_sea.described_as.startswith("UTC")
    with pytest.raises(ZoneParseError):
        zone_at(95.0, 0.0)


@given(st.integers(-12, 14), st.sampled_from(["UTC", "GMT", "utc", "", "Utc "]))
def test_whole_hour_offsets_map_to_etc_zones_with_the_right_offset(
    prefix_hours: int, prefix: str
) -> None:
    hours = prefix_hours
    match = default_resolver().resolve(f"{prefix}{hours:+d}")
    offset = MIDWINTER.astimezone(ZoneInfo(match.zone)).utcoffset()
    assert offset == dt.timedelta(hours=hours)
    assert zone_label(match.zone) == ("UTC" if hours == 0 else f"UTC{hours:+d}")


@given(st.integers(15, 99) | st.integers(-99, -13))
def test_offsets_outside_the_real_range_are_refused(hours: int) -> None:
    with pytest.raises(ZoneParseError):
        default_resolver().resolve(f"UTC{hours:+d}")


_ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("posix", "right"))
)


@settings(max_examples=200)
@given(st.sampled_from(_ZONES), st.sampled_from([str.lower, str.upper, str]))
def test_every_iana_name_is_found_in_any_case(zone: str, case: object) -> None:
    assert callable(case)
    assert default_resolver().resolve(case(zone)).zone == zone


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_any_text_gives_a_real_zone_or_a_clear_refusal(text: str) -> None:
    try:
        match = default_resolver().resolve(text)
    except ZoneParseError as error:
        assert str(error)
    else:
        ZoneInfo(match.zone)  # raises if the zone were not real
