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
