"""Delivery times typed the way people type them: `8`, `8:30`, `08:30`, `8am`, `20:15`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Longer input is never a time; refusing it early keeps the regexes cheap on 5,000 chars.
MAX_INPUT = 20

TIME_EXAMPLES = "8, 8:30, 08:30, 8am, 8:30 pm or 20:15"

_WORDS = {"noon": dt.time(12, 0), "midday": dt.time(12, 0), "midnight": dt.time(0, 0)}
_CLOCK = re.compile(
    r"(?P<hour>\d{1,2})"
    r"(?:\s*[:.h]\s*(?P<minute>\d{2})|(?P<packed>\d{2}))?"
    r"\s*(?:(?P<half>[ap])\.?\s*m?\.?)?"
    r"(?:\s*(?:h|hrs?|o'?clock|uhr))?"
)


class TimeParseError(ValueError):
    """The text is not a clock time; the message says what would be."""


def parse_delivery_time(text: str) -> dt.time:
    """The wall-clock time in `text`, or TimeParseError.

    12-hour times need am/pm to be read as afternoon ("8" is 08:00, "8pm" is 20:00);
    "12am" is midnight and "12pm" is noon, as on any clock.
    """
    cleaned = _normalise(text)
    if not cleaned:
        raise TimeParseError(f"Please type a time, e.g. {TIME_EXAMPLES}.")
    if len(cleaned) > MAX_INPUT:
        raise TimeParseError(f"That is too long for a time. Try e.g. {TIME_EXAMPLES}.")
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        raise TimeParseError(f"I could not read that as a time. Try e.g. {TIME_EXAMPLES}.")
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or match.group("packed") or 0)
    half = match.group("half")
    if half is not None:
        if not 1 <= hour <= 12:
            raise TimeParseError("With am/pm the hour must be 1 to 12, e.g. 8am or 8:30 pm.")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise TimeParseError(
            "That time does not exist: hours run 0-23 and minutes 00-59, e.g. 20:15."
        )
    return dt.time(hour, minute)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and colons (８：３０) into ASCII ones.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# ---------------------------------------------------------------------- quiet hours

QUIET_EXAMPLES = "22:00-07:00 or 10pm to 7am"
# Longer input is never two times and a separator ("12:30 pm until 7:45 am" is 22).
MAX_RANGE_INPUT = 40
_OFF_WORDS = frozenset({"off", "none", "no", "never", "nothing", "0"})
_RANGE = re.compile(
    r"(?:from\s+)?(?P<start>.+?)\s*(?:-|–|—|~|\bto\b|\buntil\b|\btill?\b)\s*(?P<end>.+)"
)


def parse_quiet_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """Two clock times typed as a window ("22:00-07:00", "10pm to 7am"), or None for
    "off"; TimeParseError otherwise. The window may run past midnight; start and end
    must differ (a window of no length, or of the whole day, is not quiet hours)."""
    cleaned = _normalise(text)
    if cleaned in _OFF_WORDS:
        return None
    if len(cleaned) > MAX_RANGE_INPUT:
        raise TimeParseError(f"That is too long for two times. Try e.g. {QUIET_EXAMPLES}.")
    match = _RANGE.fullmatch(cleaned)
    if match is None:
        raise TimeParseError(
            f"Please type when quiet hours start and end, e.g. {QUIET_EXAMPLES} (or “off”)."
        )
    try:
        start = parse_delivery_time(match.group("start"))
        end = parse_delivery_time(match.group("end"))
    except TimeParseError:
        raise TimeParseError(
            f"I could not read those two times. Try e.g. {QUIET_EXAMPLES} (or “off”)."
        ) from None
    if start == end:
        raise TimeParseError("Quiet hours need different start and end times, e.g. 22:00-07:00.")
    return start, end
