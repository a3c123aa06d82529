"""Triage mechanisms added with the thirty-ninth ("supplements, pills and dosing in daily
life"), fortieth ("history, check-ups and family stories"), forty-first ("words that sound
alarming but are not") and forty-second ("readings and numbers from devices, in many
varieties of English") writers' batches, made general rather than fitted to single messages:
a blade at hand and the pull to use it; "nah answer" for someone who does not respond; and a
past phrase that no longer covers a clause saying the sign goes on ("racing and wont stop,
doctor said its fine last year"). And, the other way: an age at which someone "had" an event;
a news story or a clinician's caseload; "nothing wrong" with a heart; a pulse in "bpm" or a
blood sugar in "mg/dl" read as a pressure; a difference in "beats higher"; a device reading
a manual pulse or warmed hands replaced; a low pressure that is an athlete's normal; and a
slow pulse on a beta blocker. Each is tried on wordings of our own (not the evaluation
set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("got a razor in my hand and i cant stop thinking about it", "self-harm"),
        ("di bwoy pon di ground an him nah respond to mi", "unresponsive"),
        (
            "pulse is 170 and it wont stop, the cardiologist said it was fine in 2021",
            "abnormal-heartbeat",
        ),
        (
            "been years sober but i just swallowed 40 of my magnesium tablets",
            "overdose",
        ),
        ("he had a fit at 40 and now he is having another one on the floor", "seizure"),
        (
            "my gran keeps a diary of her bp, tonight it says 78/45 and she feels faint",
            "low-blood-pressure",
        ),
        ("watch says 36 bpm, im a cyclist but i feel like im going to faint", "fainting"),
    ],
)
def test_new_emergency_wordings_fire(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("got a razor in my hand and i cant stop thinking about it", "self-harm"),
        ("di bwoy pon di ground an him nah respond to mi", "unresponsive"),
        (
            "pulse is 170 and it wont stop, the cardiologist said it was fine in 2021",
            "abnormal-heartbeat",
        ),
        ("my nephew is in his twenties and just collapsed, not breathing", "fainting"),
    ],
)
def test_the_rules_alone_catch_them(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my uncle had a stroke at 58 and has been on a health kick since, which foods help",
        "read a news story about a lad who got ill drinking epsom salts, wild",
        "a&e nurse here, we see a lot of patients collapse from the heat every summer",
        "the cardiologist found nothing wrong with my heart, what magnesium do you suggest",
        "smart watch showed 96 spo2 and 84 bpm on my daughter, she has a cold",
        "sugar was 190 mg/dl after pudding, type 2, back to 110 later",
        "my watch reads my heart rate about 15 beats higher when it is hot out",
        "the watch said 140 while i was on the couch but my manual pulse was 70",
        "sats said 86 with cold fingers, warmed them up and it read 98",
        "bp 86/56 but im a marathon runner and its always like that, feel great",
        "dads pulse is 47 on his beta blocker and his gp knows, he feels fine",
        "my heart was dancing around while i was dancing at the wedding lol",
        "had pre-eclampsia in my first pregnancy, now 20 weeks and all fine, diet tips?",
        "my auntie still tells the story of when she passed out at her own wedding",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()
