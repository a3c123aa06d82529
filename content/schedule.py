"""How often a chat wants tips: the fixed vocabulary the chat row, the settings menu and the
delivery schedule share. The time maths that turns it into instants is scheduler.schedule."""

from __future__ import annotations

from enum import StrEnum


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    THREE_A_WEEK = "three_weekly"
    WEEKLY = "weekly"


FREQUENCY_LABELS: dict[Frequency, str] = {
    Frequency.DAILY: "every day",
    Frequency.WEEKDAYS: "on weekdays",
    Frequency.THREE_A_WEEK: "three times a week (Mon, Wed, Fri)",
    Frequency.WEEKLY: "once a week (Monday)",
}

# Python weekday numbers: Monday is 0.
FREQUENCY_DAYS: dict[Frequency, frozenset[int]] = {
    Frequency.DAILY: frozenset(range(7)),
    Frequency.WEEKDAYS: frozenset(range(5)),
    Frequency.THREE_A_WEEK: frozenset({0, 2, 4}),
    Frequency.WEEKLY: frozenset({0}),
}
