"""Triage mechanisms added with the thirty-fifth ("teenagers, students and the parents of
teenagers") and thirty-sixth ("messages full of numbers") writers' batches, made general
rather than fitted to single messages: gaming is something people do, not a story, so a
collapse after a game or while gaming still counts; "can't feel or move" his legs; alcohol
poisoning; and someone who "can't be woken". And, the other way: a number right after the
label of another measure ("temp 36.6, pulse 70", "sat 97 pulse 65") is that measure's, not
the pulse's or the oxygen's; pre-eclampsia "with her first" is an earlier pregnancy; a kidney
diet sheet or renal team already in charge; "eating more magnesium" is food; a regular
training habit explains a slow resting pulse; a home monitor's "irregular" warning that comes
only with movement; arms that won't lift after press-ups; and, for the learned second
opinion, a school team's swimmer, "can I take magnesium too" and teaching a child to swallow.
Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my brother keeled over after his basketball game and is really drowsy", "fainting"),
        ("my daughter fainted while gaming and shes only half awake now", "fainting"),
        (
            "he got flattened in the scrum and now cant feel or move his arms",
            "paralysis-sudden-weakness",
        ),
        ("i suddenly cannot move or feel my right leg", "paralysis-sudden-weakness"),
        ("how do i know if my friend has alcohol poisoning", "overdose"),
        ("my flatmate cant be woken up after the pub and is snoring weirdly", "unresponsive"),
        ("grandad cannot be woken this morning", "unresponsive"),
        ("sats 86 pulse 110, she is working hard to breathe", "trouble-breathing"),
        ("30 weeks with my first, awful headache and seeing flashing lights", "pregnancy-warning"),
        (
            "on dialysis and my kidney team is closed today, i took milk of magnesia",
            "kidney-failure",
        ),
    ],
)
def test_new_emergency_wordings_fire(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my daughter fainted while gaming and shes only half awake now", "fainting"),
        (
            "he got flattened in the scrum and now cant feel or move his arms",
            "paralysis-sudden-weakness",
        ),
        ("my flatmate cant be woken up after the pub and is snoring weirdly", "unresponsive"),
        ("oxygen 85 and pulse 120", "trouble-breathing"),
        ("temp 37.1 and pulse 34, feel wobbly", "abnormal-heartbeat"),
    ],
)
def test_the_rules_alone_catch_them(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "temp 35.9 this morning, pulse 64, bp 121/79, tracking it for my running app",
        "spo2 99 heart rate 58, new smartwatch, does magnesium change either",
        "my aunt had pre-eclampsia with her first baby, is magnesium food good for her next one",
        "my uncle is on dialysis and follows the diet sheet, what foods are high in magnesium?",
        "my 15 year old wants more protein for football, should he be eating more magnesium too",
        "resting hr 46, i swim 5 days a week, is magnesium ok",
        "cant lift my arms after press ups lol",
        "my son cant be woken for school in the mornings, could it be low magnesium",
        "my wrist monitor flags an irregular heartbeat only when i move, sitting still its fine",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my son is on the rowing team and his resting heart rate is 47",
        "i take blood pressure tablets, can i take magnesium too",
        "how do i teach my son to swallow tablets",
    ],
)
def test_no_learned_alarm_on_calm_wordings(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
