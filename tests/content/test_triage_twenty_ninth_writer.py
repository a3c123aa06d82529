"""Triage mechanisms added with the forty-ninth ("trip wires: idioms, other word senses,
clinicians at work, courses, TV, memes, games"), fiftieth ("athletes, devices and
dialects"), fifty-first ("living with long-term conditions and many medicines") and
fifty-second ("parents and carers") writers' batches, made general rather than fitted to
single messages.

Other word senses: a floppy sun hat or floppy disks, a soft toy gone floppy (a thing, not a
person), a teenager unresponsive to texts, legs that "want to die" after a hike and
"suicide sprints", every stroke of an oar, an "overdose of sunshine", "hypertensive" (one
letter from "hypotensive"), a "dramatic collapse" onto the sofa and a drawing "blacked out".
Courses: teaching a module is a drill, not an event. Checks: "GP said ..." is a check, and
"vasovagal" or "signed me off" is its verdict. Parents: explaining why a child can't eat the
vitamins swallows nothing. Resolved: a brief spasm that goes away in seconds, limbs that
woke up fine. Devices: a metronome's tempo is no pulse, and a device reading after a heart
rate alert is a pulse, not a blood pressure. Weather: legs heavy "on hot days" are not hot.

And, the other way: Pidgin "don chop" (has eaten) is a swallowing, and "hardly weeing" is
little urine. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my pikin don chop four of my magnesium tablets, she is 3", "child-ingestion"),
        (
            "my son did a football tournament and now his legs are agony and hes hardly weeing",
            "rhabdomyolysis",
        ),
        ("my baby is floppy and wont wake up", "unresponsive"),
        ("my teenager is unresponsive on the bathroom floor", "unresponsive"),
        ("i want to die, i cant do this anymore", "self-harm"),
        ("my legs hurt and honestly i want to die", "self-harm"),
        ("i think dad is having a stroke, his face is drooping", "stroke"),
        ("i took an overdose of my sleeping tablets", "overdose"),
        ("she is hypotensive, bp 78/40 and very dizzy", "low-blood-pressure"),
        ("my husband just collapsed in the hallway", "fainting"),
        ("my son blacked out in the kitchen and hit his head", "fainting"),
        ("my toddler ate my vitamins, about ten of them", "child-ingestion"),
        ("my pulse is 185 and it wont slow down, im dizzy", "abnormal-heartbeat"),
        ("my bp reading is 80/50 and i feel faint", "low-blood-pressure"),
        ("bpm 188 while sitting on the sofa", "abnormal-heartbeat"),
        ("my calf is red and hot and swollen on a hot day", "blood-clot"),
        ("my hands are locked in a spasm and my lips are tingling", "tetany"),
    ],
)
def test_emergencies_still_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my pikin don chop four of my magnesium tablets, she is 3", "child-ingestion"),
        ("my baby is floppy and wont wake up", "unresponsive"),
        ("i want to die, i cant do this anymore", "self-harm"),
    ],
)
def test_the_bot_alarms_on_them(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # other word senses
        "bought my toddler a floppy sun hat for the beach, is magnesium ok for toddlers?",
        "found a stack of floppy disks in the loft. anyway, which magnesium is best for sleep",
        "the puppy chewed my sons teddy and now its all floppy",
        "my teenager is totally unresponsive to texts, is magnesium good for teenage moods",
        "my calves want to die after that mountain walk, what helps",
        "we did suicide sprints at training and my calves cramped after",
        "kayaking today and every stroke made my shoulders ache",
        "got an overdose of sunshine at the beach, does magnesium help sore skin",
        "im hypertensive and on amlodipine, can i take magnesium with it",
        "my son did a dramatic collapse on the floor when i said no more screen time",
        "my son blacked out his drawing with a pen and then started again",
        # courses and checks
        "im teaching the seizure module on our first aid course next week, any tips?",
        "my GP said the fainting last month was vasovagal, is magnesium ok to take",
        # parents
        "how do i tell my 4 year old why he cant eat my vitamins, he thinks theyre sweets",
        # resolved and devices
        "my fingers spasm a bit after a long gaming session, goes away in seconds",
        "on the sofa all evening and my legs went numb, they woke up fine after a minute",
        "guitarist here, practising with the metronome at 160 bpm, my fingers cramp",
        "got a heart rate alert on my watch, strap was loose, reading back to 62 now",
        "my mum says her legs feel heavy on hot days, fine once she puts her feet up",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()
