"""Triage mechanisms added with the thirty-second writer's batch ("manual and shift workers,
farmers, drivers, builders, kitchen staff, travellers, people writing in a second language;
emergencies told bluntly or through a colleague"), made general rather than fitted to single
messages: an amount of a product told as gone ("a lot is gone now") is missing, not an
event that has passed; and, the other way, an antacid taken now and then at its usual dose,
patients as a group ("magnesium in dialysis patients"), goods seized at customs, "on my
feet all day" (standing, not the feet), a racing heart before a job interview, a doctor's
word told without "the" ("doctor say ok"), and both arms too sore to lift after a gym day
(not a one-sided stroke sign). Each is tried on wordings of our own (not the evaluation
set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "my 4 year old had the milk of magnesia bottle, half is gone now and he is very sleepy",
            "child-ingestion",
        ),
        (
            "my daughter drank the epsom salt water, a lot has gone and now she is crying",
            "overdose",
        ),
        ("my son got into my gummies and most of it is gone now", "child-ingestion"),
        ("toddler drank from the maalox bottle, most is gone now", "child-ingestion"),
        ("suddenly i cant lift my arm and my face feels droopy", "stroke"),
        ("my dad cant raise his arm since this morning, left side", "stroke"),
        (
            "my wife is 36 weeks pregnant, her feet and face suddenly swelled up today",
            "pregnancy-warning",
        ),
        (
            "my heart is racing at 190 and wont slow down, i have an exam today",
            "abnormal-heartbeat",
        ),
        ("my son had a seizure of some sort ten minutes ago", "seizure"),
        ("im on dialysis and took four magnesium tablets for cramps", "kidney-failure"),
        ("drank a whole bottle of milk of magnesia for heartburn an hour ago", "overdose"),
        (
            "my heart has been racing at 180 for an hour, doctor said come in now",
            "abnormal-heartbeat",
        ),
        ("my mate said epsom salt is good to drink so i had a pint, now im weak", "overdose"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "i take milk of magnesia for indigestion sometimes, is that fine with my magnesium tablet",
        "a spoon of milk of magnesia for heartburn now and then, is one dose occasionally ok",
        "renal nurse here, what is the advice on magnesium for dialysis patients in general",
        "customs seizure of our container of magnesium flakes, what paperwork do they want",
        "on my feet all day at the warehouse, which magnesium is good for tired legs",
        "my wife works on her feet all day in the bakery, can she take magnesium for cramps",
        "my heart is racing because i have a job interview, does magnesium help with nerves",
        "my heart go fast sometimes after the long drive at night, doctor say ok, i want magnesium",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "cant lift my arms over my head after arm day, the doms is unreal",
        "i can't lift my arms to put my shirt on after push day",
    ],
)
def test_both_arms_sore_after_the_gym_is_not_a_stroke_sign(rules: Triage, message: str) -> None:
    assert "stroke" not in {f.id for f in rules.check(message).flags}, rules.check(
        message
    ).explain()
