"""Which typed messages only say their writer took their supplement (pure logic)."""

from __future__ import annotations

import pytest

from content.answering.dose_report import MAX_WORDS, reports_own_dose


@pytest.mark.parametrize(
    "message",
    [
        "took my mag",
        "I took my magnesium",
        "mag taken",
        "Just took my magnesium before bed",
        "had 2 mag caps with dinner",
        "took 200mg citrate this morning",
        "I've taken my supplements",
        "took magnesium last night and slept well",
        "mag done ✅",
    ],
)
def test_a_report_of_the_days_dose(message: str) -> None:
    assert reports_own_dose(message)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "took it",  # took what?
        "taken",
        "I took my magnesium, why do my legs still cramp?",  # a question
        "I took my magnesium and my legs still cramp",  # a complaint the FAQ answers
        "should i take my magnesium now",
        "had cramps after my run",  # no supplement
        "took my dose",  # of what?
        "my son took my magnesium",  # someone else's intake
        "took my mag " + "and my mag " * MAX_WORDS,  # a wall of text
        "взял магний",
    ],
)
def test_anything_else_is_no_report(message: str) -> None:
    assert not reports_own_dose(message)


@pytest.mark.parametrize(
    ("message", "report"),
    [
        ("took 2 caps", True),
        ("took 400 mg magnesium", True),
        ("took mag at 8", True),
        ("took 3 caps", False),  # past an everyday count: triage's to judge, not a report
        ("took 5000 mg magnesium", False),
        ("took 15 mag citrate pills", False),
    ],
)
def test_only_an_everyday_amount_makes_a_report(message: str, report: bool) -> None:
    assert reports_own_dose(message) is report
