"""Triage mechanisms added from a ninth writer's tuning messages (many Englishes, athletes,
device readings, short bursts, formal older people, sarcasm), each tried on wordings of our
own (not the evaluation set's): what now fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # Caribbean and Scots English: "cyaan" / "cannae" is "cant", "mi" is "my", "an'" is
        # "and" (so "an' mi" is no myocardial infarction), "aff" is "off".
        ("mi cyaan lift mi leg dem since dis morning", "paralysis-sudden-weakness"),
        ("ma granda cannae catch his breath", "trouble-breathing"),
        ("mi finger dem lock up an' mi mout a tingle", "tetany"),
        ("my nan keeps noddin aff and isnae making sense", "confusion-drowsiness"),
        # The clinical "an MI" still reads as one.
        ("doctor thinks he had an MI this morning", "chest-pain"),
        # Filipino and West African words for fainting, a seizure, not waking or answering.
        ("nawalan ng malay si lola kanina", "fainting"),
        ("nangingisay ang anak ko", "seizure"),
        ("my papa no fit answer me since morning", "unresponsive"),
        # "y/o" is years old; powder round a child's mouth is a sign it was swallowed.
        ("my 3 y/o has magnesium powder all round her mouth", "child-ingestion"),
        # A count of tablets named with their strength.
        ("she took 12 x magnesium 250mg tablets", "overdose"),
        # A kidney patient and magnesium.
        ("renal patient here, can i use milk of magnesia", "kidney-failure"),
        # A very slow pulse stays a warning even in an athlete, and with symptoms.
        ("im a runner and my pulse is 36 tonight", "abnormal-heartbeat"),
        ("cyclist here, heart rate 44 and i feel dizzy", "abnormal-heartbeat"),
        # A low reading confirmed on a recheck.
        ("bp 80/50, rechecked and it was 82/52", "low-blood-pressure"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # A tablet's strength is not a count of tablets; a doubled small stated dose.
        "took my 200mg tablet twice today by accident, should i skip tomorrow",
        "doubled my dose by mistake, 2 x 150 mg, feel fine",
        # An athlete's or a sleeper's slow pulse without symptoms.
        "resting hr 45, im a triathlete, is that why i sleep so well",
        "my ring says my pulse was 47 while i was asleep",
        # A pulse or breathlessness explained by exercise.
        "after my 5k my heart rate was 182, is magnesium good for recovery",
        "bit breathless up the hill but im out of shape, magnesium for energy?",
        # Jitters from coffee are not spasms.
        "hands a bit shaky from too much coffee this morning, which magnesium for calm",
        # A low reading a normal recheck replaced.
        "cuff said 84/50 then the repeat reading was 121/79, faulty cuff?",
        # Things and animals do not have heart attacks or strokes that concern us.
        "my wallet is having a heart attack after the supplement shop",
        # Recovered and cleared.
        "got knocked out playing rugby years ago, fully cleared, is magnesium good for joints",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
