"""Triage mechanisms added from a seventh writer's tuning messages (formal older adults,
carers in clinical shorthand, second-language English, fragments, long stories), each tried
on wordings of our own (not the evaluation set's): what now fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # "not able to" is an inability, not a denial of what follows.
        ("my wife is not able to breathe properly", "trouble-breathing"),
        ("he wasnt able to move his legs at all this morning", "paralysis-sudden-weakness"),
        # Numbers spelled out in two words, and a midwife's "weeks of forty".
        ("she is thirty-four weeks along and has a terrible headache", "pregnancy-warning"),
        ("primip at 37/40 with bp 158/104 and a headache", "pregnancy-warning"),
        ("took twenty-five magnesium tablets an hour ago", "overdose"),
        # Clinical shorthand: rousable to voice only, a FAST screen, tablets gone missing.
        ("mr b drowsy, only rousable to voice this evening", "confusion-drowsiness"),
        ("we can barely keep her awake today", "confusion-drowsiness"),
        ("client FAST positive, left arm weak", "stroke"),
        ("30 mag citrate tabs unaccounted for since the night shift", "overdose"),
        # Older British English: "water" is urine.
        ("after the long hike my legs ache terribly and my water is like cola", "rhabdomyolysis"),
        # Self-injury with its marks, or as a way of coping.
        ("my daughter keeps cutting herself, she has fresh cuts on her wrists", "self-harm"),
        ("i burn my arms when i get upset", "self-harm"),
        ("everyone would be better off if i disappeared for good", "self-harm"),
        # A jar like a bottle; breathing with two words of difficulty.
        ("my son ate an entire jar of magnesium gummies", "overdose"),
        ("his breathing is slow and shallow after all that magnesium", "trouble-breathing"),
        # Formal and clinical words: a facial droop, indistinct speech, an excessive quantity,
        # someone who has not regained consciousness, a baby too sleepy to feed.
        ("nurse noted a facial droop on the left", "stroke"),
        ("my father's speech is unclear since breakfast", "stroke"),
        ("I believe he swallowed an excessive number of magnesium tablets", "overdose"),
        ("my neighbour fell and has not regained consciousness", "unresponsive"),
        ("the baby is too sleepy to feed today", "confusion-drowsiness"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Spanish "mi" is "my", not a myocardial infarction.
        "mi madre wants to know which foods have magnesium",
        # The legal seizure of goods.
        "customs seizure of my supplement order, where else can i buy magnesium",
        # An animal named right after the state it describes.
        "we watched a video of fainting goats, anyway is magnesium good for sleep",
        # A picky eater eats nothing dangerous.
        "my 3 year old is a fussy eater, how can i get more magnesium into her",
        # A normal blood pressure reading asked about.
        "my bp is 115/75, is that too low to start magnesium",
        # A pulse during exercise named before the number; the next number's label.
        "on the treadmill my watch said 150, is magnesium good for runners",
        "pulse 72, sats 98, all normal, can i take magnesium with my inhaler",
        # A trip away is not a disappearance.
        "would anyone notice if i disappeared for a week to a spa, is magnesium good for stress",
        # A baby sleeping through the night.
        "my baby doesnt wake up for night feeds anymore, is that normal at 6 months",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
