"""Red flags cover every item of reference section 8, each with the right first action."""

from __future__ import annotations

import re

import yaml

from content import load_library
from content.enums import UrgentAction
from content.loader import DEFAULT_DATA_DIR

SAFETY = yaml.safe_load((DEFAULT_DATA_DIR / "safety.yaml").read_text(encoding="utf-8"))
LIBRARY = load_library()
FLAGS = {flag.id: flag for flag in LIBRARY.red_flags}

# Reference section 8: the sign and what to do first.
SECTION_8 = {
    "chest-pain": UrgentAction.EMERGENCY,
    "abnormal-heartbeat": UrgentAction.EMERGENCY,
    "fainting": UrgentAction.EMERGENCY,
    "trouble-breathing": UrgentAction.EMERGENCY,
    "unresponsive": UrgentAction.EMERGENCY,
    "paralysis-sudden-weakness": UrgentAction.EMERGENCY,
    "seizure": UrgentAction.EMERGENCY,
    "confusion-drowsiness": UrgentAction.EMERGENCY,
    "low-blood-pressure": UrgentAction.EMERGENCY,
    "stroke": UrgentAction.EMERGENCY,
    "kidney-failure": UrgentAction.EMERGENCY,
    "self-harm": UrgentAction.CRISIS,
    "child-ingestion": UrgentAction.POISON,
    "overdose": UrgentAction.POISON,
    "pregnancy-warning": UrgentAction.SAME_DAY,
    "blood-clot": UrgentAction.SAME_DAY,
    "rhabdomyolysis": UrgentAction.SAME_DAY,
    "dehydration": UrgentAction.SAME_DAY,
    "tetany": UrgentAction.SAME_DAY,
}


def test_every_section_8_item_has_a_red_flag_with_its_action() -> None:
    assert {flag_id: flag.action for flag_id, flag in FLAGS.items()} == SECTION_8


def test_every_concept_has_several_terms_and_they_are_lowercase() -> None:
    for concept in LIBRARY.concepts:
        assert all(term == term.lower() for term in concept.terms), concept.id
    assert sum(len(concept.terms) for concept in LIBRARY.concepts) >= 1000


def test_crisis_text_gives_the_crisis_lines_of_the_reference() -> None:
    crisis = LIBRARY.actions[UrgentAction.CRISIS]
    for text in (crisis.now, crisis.conditional):
        assert "988" in text and "116 123" in text and "emergency" in text


def test_poison_text_gives_poison_control() -> None:
    poison = LIBRARY.actions[UrgentAction.POISON]
    for text in (poison.now, poison.conditional):
        assert "1-800-222-1222" in text and "poison" in text.lower()


def test_every_action_names_emergency_services_or_a_clinician() -> None:
    for action, texts in LIBRARY.actions.items():
        assert "emergency" in texts.now.lower(), action
        assert "if" in texts.conditional.lower(), action


def test_children_get_the_childrens_limit() -> None:
    assert "65 mg" in FLAGS["child-ingestion"].advice


def test_stopping_magnesium_respects_a_prescription() -> None:
    assert "unless a clinician prescribed" in LIBRARY.actions[UrgentAction.EMERGENCY].now
    assert "bowel preparation taken as prescribed" in FLAGS["overdose"].advice


def test_symptom_note_is_the_reference_line() -> None:
    assert LIBRARY.symptom_note == (
        "If this is happening now and feels serious, call your local emergency number."
    )


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def test_short_disclaimer_is_one_sentence() -> None:
    assert _sentences(SAFETY["disclaimer"]) == 1


def test_onboarding_disclaimer_is_two_or_three_sentences() -> None:
    assert 2 <= _sentences(SAFETY["onboarding_disclaimer"]) <= 3
