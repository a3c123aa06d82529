"""Triage mechanisms added with the twenty-third ("long chatty messages, health diaries,
emergencies buried or played down") and twenty-fourth ("very short phone messages, slang,
abbreviations, emoji, other Englishes") writers' batches, made general rather than fitted to
single messages: a pulse taken earlier in the sentence and read out later, a low bottom
number of a blood-pressure reading, feeling wobbly on standing, drinks that all come back
up, the pregnancy week named before its number, text speak and northern family words, and,
the other way, a workup and tests already done, an event told "last month when", "yrs
back", a figure of speech ("a weak heart", "jokes that his legs are paralysed"), a running
track, a warm-up, a video's claim, a kidney team that prescribes magnesium, and units that
confuse. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("checked nan's pulse because she looked grey and it was 36", "abnormal-heartbeat"),
        ("we felt his pulse at the wrist after he slumped and its 41", "abnormal-heartbeat"),
        ("bp 90/52 now and suddenly i feel like im about to pass out", "low-blood-pressure"),
        ("blood pressure really low today and im wobbly when i get up", "low-blood-pressure"),
        ("vomiting every time i drink even water since last night", "dehydration"),
        ("my toddler is throwing up after every sip of milk since this morning", "dehydration"),
        ("week 34 here, my face and fingers puffed up suddenly tonight", "pregnancy-warning"),
        ("cnt breathe properly and my lips look blue", "trouble-breathing"),
        ("chst feels crushed and my left arm is heavy", "chest-pain"),
        ("heart going a mile a minute since i woke up and i feel faint", "abnormal-heartbeat"),
        ("me mam collapsed in the kitchen and isnt waking up", "unresponsive"),
        ("my left calf is swollen and sore and much bigger than the right", "blood-clot"),
        (
            "after the ultramarathon my thighs are in agony and he has barely passed urine",
            "rhabdomyolysis",
        ),
        ("fingers clamping together and my mouth is tingling", "tetany"),
        (
            "4 days after having my baby, pounding headache and my vision is blurry",
            "pregnancy-warning",
        ),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "Quick history: chest pain two summers ago, had a full workup, all was normal. "
        "Which seeds are richest in magnesium?",
        "my sister had a seizure last month when her fever spiked, the children's ward checked "
        "her and she has been completely fine since. can kids take magnesium?",
        "fainted at a festival 3 yrs back in the heat, got checked, fine. electrolytes tips?",
        "my grandpa calls it his weak heart when he cries at sad films, does magnesium help mood",
        "my brother jokes that his arms are paralysed whenever it's his turn to cook",
        "heart rate hit 180 during 400 m repeats on the track, back down in a minute, "
        "magnesium for recovery?",
        "shins and calves tight at the start of my run, warmed up properly and they loosened",
        "saw a reel saying magnesium cures heart attacks, surely not?",
        "my dad's new kidney is working well and his transplant team prescribed him magnesium",
        "renal nurse here, how much magnesium is in a typical renal diet",
        "mmol vs mg for magnesium, confusion again, please explain",
        "my aunt had a TIA in the spring, full workup, on the right tablets now and back "
        "gardening. can she take magnesium?",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
