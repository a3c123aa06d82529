"""Completeness targets for the real content (how much there is, not whether it is valid)."""

from __future__ import annotations

from collections import Counter

from content.enums import FaqSection, Topic
from content.library import Library
from content.loader import FAQ_FILE, FOODS_FILE, TIPS_FILE
from content.problems import Problem

MIN_TIPS = 90
MIN_TIPS_PER_TOPIC = 6
MIN_FOODS = 46
MIN_FAQ = 45
MIN_FAQ_PER_SECTION = 1


def coverage_problems(library: Library) -> list[Problem]:
    """Where the content falls short of the targets; empty when it meets them all."""
    problems: list[Problem] = []
    if len(library.tips) < MIN_TIPS:
        problems.append(_short(TIPS_FILE, "tips", len(library.tips), MIN_TIPS))
    per_topic = Counter(tip.topic for tip in library.tips)
    for topic in Topic:
        if per_topic[topic] < MIN_TIPS_PER_TOPIC:
            problems.append(
                _short(TIPS_FILE, f"tips on '{topic}'", per_topic[topic], MIN_TIPS_PER_TOPIC)
            )
    if len(library.foods) < MIN_FOODS:
        problems.append(_short(FOODS_FILE, "foods", len(library.foods), MIN_FOODS))
    if len(library.faq) < MIN_FAQ:
        problems.append(_short(FAQ_FILE, "FAQ entries", len(library.faq), MIN_FAQ))
    per_section = Counter(entry.section for entry in library.faq)
    for section in FaqSection:
        if per_section[section] < MIN_FAQ_PER_SECTION:
            problems.append(
                _short(
                    FAQ_FILE,
                    f"FAQ entries in section '{section}'",
                    per_section[section],
                    MIN_FAQ_PER_SECTION,
                )
            )
    return problems


def _short(file: str, what: str, have: int, need: int) -> Problem:
    return Problem(file, None, None, f"has {have} {what}; at least {need} are needed")
