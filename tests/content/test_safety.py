"""Red flags cover every item of reference section 8; the disclaimers read as required."""

from __future__ import annotations

import re

import pytest
import yaml

from content import RedFlag
from content.loader import DEFAULT_DATA_DIR

SAFETY = yaml.safe_load((DEFAULT_DATA_DIR / "safety.yaml").read_text(encoding="utf-8"))
RED_FLAGS = [RedFlag.model_validate(raw) for raw in SAFETY["red_flags"]]
PHRASES = {phrase for flag in RED_FLAGS for phrase in flag.phrases}


def test_every_section_8_item_has_a_red_flag() -> None:
    assert {flag.id for flag in RED_FLAGS} == {
        "chest-pain",
        "abnormal-heartbeat",
        "fainting",
        "trouble-breathing",
        "paralysis-sudden-weakness",
        "seizure",
        "confusion-drowsiness",
        "very-low-blood-pressure",
        "overdose",
        "kidney-failure",
    }


def test_enough_phrases_and_several_per_flag() -> None:
    assert len(PHRASES) >= 60
    assert all(len(flag.phrases) >= 5 for flag in RED_FLAGS)


def test_phrases_are_lowercase() -> None:
    assert all(phrase == phrase.lower() for phrase in PHRASES)


@pytest.mark.parametrize(
    "phrase",
    [
        "chest pain",
        "chest hurts",
        "pain in my chest",
        "passed out",
        "fainted",
        "cant breathe",
        "can't breathe",
        "short of breath",
        "heart racing",
        "heart pounding",
        "irregular heartbeat",
        "seizure",
        "convulsion",
        "paralysed",
        "paralyzed",
        "can't move",
        "overdose",
        "took too many",
        "whole bottle",
        "dialysis",
        "kidney failure",
        "very low blood pressure",
        "extremely drowsy",
    ],
)
def test_common_wordings_are_listed(phrase: str) -> None:
    assert phrase in PHRASES


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def test_short_disclaimer_is_one_sentence() -> None:
    assert _sentences(SAFETY["disclaimer"]) == 1


def test_onboarding_disclaimer_is_two_or_three_sentences() -> None:
    assert 2 <= _sentences(SAFETY["onboarding_disclaimer"]) <= 3


def test_urgent_message_sends_people_to_emergency_care() -> None:
    assert "emergency" in SAFETY["urgent_message"].lower()
