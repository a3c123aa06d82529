"""Triage mechanisms added with the forty-third ("a realistic day's inbox") and forty-fourth
("sensations described vividly") writers' batches, made general rather than fitted to single
messages: "fine for now" after a child's ingestion waits to see, so it no longer tells the
event as over. And, the other way: a cramp that "released when i" did something; a burning
felt in a working muscle, not a burn made on the skin; a hammer that hit a thumb, not a
head; shoulders or a neck "like concrete" (tension, not paralysis); a student revising a
condition; a body shaking while it holds a plank; an arm left hanging off a bed or sofa; and
a heart beating hard, but evenly, in hard effort with no other symptom. Each is tried on
wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "my little boy swallowed some of my magnesium tablets, he seems fine for now",
            "child-ingestion",
        ),
        ("toddler got into my mag gummies and ate 4, shes ok for now", "child-ingestion"),
        ("ive been burning my thighs with a lighter again", "self-harm"),
        ("heart pounding during my run, it wont settle", "abnormal-heartbeat"),
        ("heart pounding during my run and now i feel dizzy and sick", "abnormal-heartbeat"),
        ("my heart is skipping during my workout", "abnormal-heartbeat"),
        ("my son collapsed holding a plank and is having a seizure", "seizure"),
    ],
)
def test_emergencies_still_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "my little boy swallowed some of my magnesium tablets, he seems fine for now",
            "child-ingestion",
        ),
        ("ive been burning my thighs with a lighter again", "self-harm"),
        ("my son collapsed holding a plank and is having a seizure", "seizure"),
    ],
)
def test_the_bot_alarms_on_them(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my calf cramped and locked up in bed, released when i stretched my foot back",
        "my hand locked in a cramp while writing, let go when i shook it out",
        "burning in my quads on the stairs after leg day, is that normal",
        "burning in my calves during the last km of my run, magnesium helpful?",
        "hit my finger with a hammer putting up a shelf, it throbs, ice or heat?",
        "my neck feels like concrete after a long shift at the desk, any stretches?",
        "traps like concrete from stress this week, would magnesium relax them",
        "medical student here revising hypermagnesemia, which reflex goes first?",
        "holding a plank my arms shake like crazy after 40 seconds, normal?",
        "slept with my arm hanging off the bed and it was numb for a minute after",
        "my heart pounds when i run up the stairs, totally normal right?",
        "my pulse was pounding in my ears after the hill climb",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()
