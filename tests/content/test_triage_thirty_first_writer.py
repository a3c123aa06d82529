"""Triage mechanisms added with the fifty-seventh ("voice-to-text and autocorrect"),
fifty-eighth ("very short messages and fragments"), fifty-ninth ("updates and corrections
continuing a conversation") and sixtieth ("health-literate writers: nurses, pharmacists,
paramedics, students, clinical abbreviations") writers' batches, made general rather than
fitted to single messages.

Corrections: a `retraction` ("no, sorry", "I got it wrong") withdraws a sign told before it
that it then denies, or a thing swallowed it names anew ("it was a jelly bean"), but never
one it names again or makes worse; "not me who drank it" denies the person, not the
drinking. Numbers: "72 not 172" denies the 172 alone (and "ate 3 not 30 gummies" still ate
gummies), "sorry, I meant 72" reads 72 in place of the number before it, whichever is
higher. Readings: one said to be none ("our ages, not a bp reading"), or a low one blamed on
a dodgy device when a normal one is given and no symptom, does not count; a stated normal
pressure stops a learned low-pressure guess. Spoken wording: "kind of" / "sort of" inside a
sign ("lips look kind of blue"). Time and checks: "in 89," is a year; a clinician's verdict
goes on through its clause ("said my heart is fine and the flutters are ectopics"); a Holter
is a check and "reassured me" a verdict. Other word senses: "re my last message" is no
farewell, "confused, glycinate or citrate?" a choice, "watching Grey's" a story, whose window
stops at the writer's own people or "now". A posture ("sat cross-legged") reaches forward
through its clause to the limb that went to sleep, not past "now", "suddenly" or "then".

And, the other way: each exception leaves the emergency near it firing. Each is tried on
wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # spoken hedges inside a sign
        ("my dad's lips look sort of grey and he is struggling to breathe", "trouble-breathing"),
        ("her lips are kind of blue now", "trouble-breathing"),
        # corrections that keep or raise the alarm
        ("it was my 3 year old not me who swallowed the iron tablets", "child-ingestion"),
        ("it's not me, my husband has crushing chest pain", "chest-pain"),
        ("correction: it was my 2 year old who ate the gummies, not me", "child-ingestion"),
        (
            "I said my son swallowed one vitamin but I got it wrong: it was the whole bottle",
            "child-ingestion",
        ),
        (
            "my daughter swallowed a vitamin, I got it wrong: it was an adult iron tablet",
            "child-ingestion",
        ),
        # numbers corrected
        ("pulse 58, sorry I meant 158, and it's still racing", "abnormal-heartbeat"),
        ("my son ate 3 not 30 of my magnesium gummies", "child-ingestion"),
        ("took 40 not 4 magnesium tablets an hour ago", "overdose"),
        # readings
        ("her bp is 75/40, not a typo, and she is very drowsy", "low-blood-pressure"),
        (
            "the arm cuff says 82/50 and the wrist one said 118/76, which one is broken? "
            "I feel faint",
            "low-blood-pressure",
        ),
        ("my bp is normally 120/80 but now it's 78/40 and I feel faint", "low-blood-pressure"),
        # posture, years, stories, farewells, confusion, checks
        ("sat cross legged on the floor and then suddenly my whole left side went numb", "stroke"),
        ("sat on my foot for a bit and now my left arm and leg are weak", "stroke"),
        ("his face is drooping on one side, he had a stroke in 98 too", "stroke"),
        ("watching Grey's with my husband and now he is having a seizure on the sofa", "seizure"),
        ("watching Grey's and my son just collapsed and won't wake up", "unresponsive"),
        ("this is my last message, I can't go on", "self-harm"),
        (
            "mum is confused and doesn't know where she is, she takes citrate",
            "confusion-drowsiness",
        ),
        ("the doctor said my bp was fine but now my chest is crushing", "chest-pain"),
        (
            "had a Holter last year, normal, but tonight my heart races at 170 and I feel faint",
            "abnormal-heartbeat",
        ),
        (
            "the gp said my heart was fine and then an hour later I got crushing chest pain",
            "chest-pain",
        ),
    ],
)
def test_emergencies_still_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("her lips are kind of blue now", "trouble-breathing"),
        ("it was my 3 year old not me who swallowed the iron tablets", "child-ingestion"),
        ("watching Grey's and my son just collapsed and won't wake up", "unresponsive"),
    ],
)
def test_the_bot_alarms_on_them(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # numbers corrected
        "ignore that, his pulse was 72 not 172, I misread the watch",
        "heart rate 172, sorry I meant 72, fat fingers",
        # corrections that withdraw a sign
        (
            "my uncle has kidney failure? no, sorry, he has kidney stones and is not in kidney "
            "failure. Is magnesium ok for him?"
        ),
        "Earlier I said my niece ate a gummy but I got it wrong: it was a jelly bean",
        # readings that are none, or a device's fault
        "the 60/40 I mentioned is my pension split, not a blood pressure",
        "72/48 are our ages, not a bp reading lol",
        "retook it on the arm cuff: 118/76. the 84/52 from the wrist monitor was the dodgy one",
        # a posture, a year, a story, a message referred back to, a choice
        (
            "sat cross-legged at a concert for two hours and when I stood up my right leg was "
            "all pins and needles"
        ),
        "my nan had a stroke in 89, can I take magnesium?",
        "rewatching Grey's and a guy just collapsed in the OR, anyway does magnesium help sleep?",
        "in my last message I meant calcium not magnesium, sorry",
        "ignore my last message, wrong chat",
        "bit confused, glycinate or citrate for cramps?",
        "so confused, oxide or malate?",
        # checks and verdicts
        (
            "Had palpitations in March, wore a Holter for a week, normal, cardiologist "
            "reassured me. Can magnesium help?"
        ),
        "my GP said my heart is fine and the flutters I get are ectopics, does magnesium help?",
        (
            "the cardiologist said my heart is structurally normal and the palpitations I get "
            "are harmless, can magnesium help?"
        ),
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    ["blood pressure pills and magnesium at the same time ok? my bp is normal 118 over 76"],
)
def test_calm_wordings_stay_quiet_in_the_bot(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
