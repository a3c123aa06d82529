"""Triage mechanisms added with the thirty-third ("diets, fasting, digestion and drinking")
and thirty-fourth ("messages on behalf of someone far away or relayed second-hand, and
questions with an aside") writers' batches, made general rather than fitted to single
messages: a collapse takes away the excuse of exercise from legs or arms that will not move;
pills taken "so she won't wake up" are a crisis; a texted "cnt tlk" is speech gone. And, the
other way: the pulse an oximeter shows is no oxygen reading; a faint that is now "a family
joke" is over; asking someone "to help him plan" meals is no cry for help; a news story's
stroke and strokes as a topic; a bowel prep taken following the instructions; a doctor or
nurse who "was happy" with a reading (no learned alarm); a product named with no intake,
amount or harm (no learned overdose guess); and "can you drink ..." asked about a product.
Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "my husband collapsed at the end of the race and now he cant move his arms",
            "paralysis-sudden-weakness",
        ),
        (
            "she collapsed after football practice and cant stand up, her legs wont work",
            "paralysis-sudden-weakness",
        ),
        ("my brother just messaged that he took his pills so he wont wake up", "self-harm"),
        ("i have my tablets here and i want to take them so i never wake up", "self-harm"),
        ("dad sent me 'cnt talk face wrong' and now hes not answering", "stroke"),
        ("my nan rang and said she cant tlk properly and her mouth is drooping", "stroke"),
        ("pulse ox reads 86 and his lips look grey", "trouble-breathing"),
        ("his pulse is ok but the oximeter reads 85 and hes gasping", "trouble-breathing"),
        ("ive been having 4 tablespoons of milk of magnesia five times a day", "overdose"),
        ("my toddler drank some of the epsom salt water, is it safe to drink?", "child-ingestion"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules_or_the_model(
    triage: Triage, message: str, flag: str
) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "my husband collapsed at the end of the race and now he cant move his arms",
            "paralysis-sudden-weakness",
        ),
        ("my brother just messaged that he took his pills so he wont wake up", "self-harm"),
        ("dad sent me 'cnt talk face wrong' and now hes not answering", "stroke"),
        ("his pulse is ok but the oximeter reads 85 and hes gasping", "trouble-breathing"),
    ],
)
def test_the_rules_alone_catch_them(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my mums pulse on the finger oximeter said 70 and oxygen 97, is magnesium ok for her",
        "my sister passed out at her exam from not eating, shes fine and its a family joke now",
        "dad had a heart attack ten years ago and asked me to help him plan low salt meals",
        "saw a piece in the news about a man who had a stroke after energy drinks, is magnesium "
        "linked to strokes?",
        "my bowel prep is magnesium citrate, does following the instructions mean an overdose?",
        "can you drink epsom salt water for a sluggish gut",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my grandmas heart rate is 64 and her gp was happy, can magnesium keep it that way",
        "dads blood pressure at the pharmacy was 130/80 and they were happy with it",
        "the pharmacist suggested senna instead of milk of magnesia for my mum, sounds ok?",
    ],
)
def test_no_learned_alarm_on_calm_wordings(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
