"""Triage mechanisms added from an eighth writer's tuning messages (calm messages that share
an emergency's words, and varied emergencies), each tried on wordings of our own (not the
evaluation set's): what now fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # Coming round after slumping is a faint, not only an unresponsive spell.
        ("nan slumped in her chair at lunch and then came round a minute later", "fainting"),
        # Self-harm that has started again.
        ("ive started cutting again this week", "self-harm"),
        # A lethal amount asked about in despair.
        ("how much milk of magnesia would kill a person, i give up", "self-harm"),
        # A past habit of self-harm with the urges back now.
        ("i used to self harm at school and the urges are back", "self-harm"),
        # A whole bag is a large amount, like a whole bottle.
        ("my brother ate a whole bag of magnesium chews", "overdose"),
        # A heart that "won't settle" has not settled: a denied resolution is no history.
        ("pulse 150 sitting down and it wont settle", "abnormal-heartbeat"),
        ("my heart is racing and hasnt settled down", "abnormal-heartbeat"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # "floppy" describing ears, not a limp child.
        "our toddler looks so cute in her floppy-eared rabbit hat, best weaning foods?",
        # A hyperbole told as a condition, and stroke as a hospital service.
        "dad always said hed have a stroke if we left the lights on, which foods have magnesium",
        "i'm a physio on a stroke ward and skip lunch, what snack has magnesium",
        "does magnesium prevent strokes or is that a myth",
        # Graduating ("passed out of" a course) and being startled for a moment.
        "my son passed out of police training college today, can he take magnesium for cramps",
        "stressed out for a sec when the bill came, anyway is magnesium citrate cheaper",
        # A self-harm history, now well.
        "i used to self harm years ago and im doing really well now, is magnesium good for mood",
        # A child's diet is not a child who swallowed supplements.
        "my 4 year old eats lots of yoghurt, does she need supplements as well",
        # A racing heart that settled, or from joy.
        "my heart raced after the ice bath for a moment, then totally fine",
        "heart racing with excitement, got the job! which nuts have most magnesium",
        # A single past event told with "once at" an age, and a test that came back clear.
        "i fainted once at 12 at a school assembly, is magnesium safe for teens",
        "had palpitations once after an energy drink, ecg all clear, can i take magnesium",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
