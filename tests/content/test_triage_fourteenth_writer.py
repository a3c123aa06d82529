"""Triage mechanisms added from the fourteenth writer's tuning messages (calm messages
built to trip keyword triage: other word senses, habits, classes and courses, jokes about
food) and the fifteenth's (sport, work and daily life: effort, nerves and altitude), each
tried on wordings of our own (not the evaluation set's): what still fires, and what stays
quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # An ordinary cause does not excuse a sign the message says will not settle.
        (
            "gasping for breath since my hill session and it wont settle, 40 minutes now",
            "trouble-breathing",
        ),
        (
            "struggling to breathe after my run and its not easing after half an hour",
            "trouble-breathing",
        ),
        # A low reading "in the 70s" is a blood pressure, not a decade.
        ("mums systolic is in the 70s since lunch and she is clammy", "low-blood-pressure"),
        ("systolic stuck in the 80s and i feel like i will pass out", "low-blood-pressure"),
        # Things that go "through" or "down" are not over.
        ("crushing pain in my chest and it goes down into my left arm", "chest-pain"),
        # A floppy child is not excused by a brand or a company name.
        ("my son took some of that brand of gummies and now hes floppy", "unresponsive"),
        # A real clot, a real stroke, a real fit.
        ("my calf is hot swollen and red since the long haul flight", "blood-clot"),
        ("her face is drooping on one side and her words are slurred", "stroke"),
        ("he is having a seizure on the kitchen floor", "seizure"),
        # A story ending does not hide what happens next; a sign that has not cleared.
        ("i saw a meme and then my chest started crushing and my left arm went numb", "chest-pain"),
        (
            "dark cola pee after crossfit, thighs in agony, and it hasnt cleared after water",
            "rhabdomyolysis",
        ),
        (
            "kidney failure runs in my family and im on dialysis now, is magnesium ok",
            "kidney-failure",
        ),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A class or course does not hide a sign happening to the writer now.
        (
            "at my antenatal class now, 35 weeks pregnant, awful headache and blurry vision",
            "pregnancy-warning",
        ),
        ("doing a first aid course and my own chest pain is crushing right now", "chest-pain"),
        # Laughter nearby does not hide a child who is floppy and not laughing.
        ("my toddler went floppy and is not laughing or responding", "unresponsive"),
    ],
)
def test_context_does_not_hide_an_emergency(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Fainting at needles as a lifelong trait.
        "my brother faints at the sight of needles, is magnesium ok before his jab",
        # Asking about a medicine, not about breathing.
        "my asthma is fine, any problems taking magnesium with a steroid inhaler?",
        # Lab tubes and cooking.
        "as a lab tech my sample tubes sometimes clot if i leave them, annoying",
        "the custard split and clotted so i started again",
        # Joking about sweets.
        "pretty sure i od'd on sweets at the cinema lol",
        "total sugar overdose at the school fair today",
        # Slurring when half asleep, a speech therapist's clients.
        "i slur my words when im tired at night, my kids laugh at me",
        "speech therapist here, lots of my kids with slurred s sounds, magnesium in school meals?",
        # Sports strokes, clothes that fit, seizing the day.
        "my swim coach says my stroke is too short",
        "these jeans fit perfectly again, proud of myself",
        "seize the day! starting magnesium with breakfast",
        # A CPR dummy, a slow seller, a weak signal, a tired face in photos.
        "at first aid training the dummy that was unresponsive kept falling over",
        "the seller has been unresponsive to my emails about my order",
        "phone signal is so weak at the cabin i can barely text",
        "my face droops in photos when i havent slept",
        # A baby floppy with laughter.
        "my daughter went all floppy with giggles when i tickled her",
        # Effort, nerves, altitude and the gym.
        "legs feel like concrete after hill repeats, is magnesium good for recovery",
        "my heart was pounding before the race from nerves, is that normal",
        "breathing hard at altitude on the hike but fine resting in the hut",
        "new to running, my shins ache after each run, shin splints?",
        # Relatives long ago, a negative scan, a class syllabus.
        "my nan had a dvt in the 90s, is that hereditary",
        "had a scan for a clot, it was negative, physio says a strained calf",
        "in our antenatal class they listed pre-eclampsia warning signs, useful to know",
        "on the first aid course they said chest pain spreading to the arm means call 999",
        # Tight leg muscles are not chest tightness; a relative's risk; a ward's patients.
        "no chest pain, just tight hamstrings after football",
        "kidney disease runs in my family but my tests are fine, can i take magnesium",
        "stroke patients on our unit get a lot of cramps, does magnesium help",
        "we give magnesium for arrhythmias in icu, is the oral form the same",
        "as a paramedic i see overdoses every week, which magnesium helps sleep after nights",
        "that meme about passing out after leg day is too real",
        "my pee was dark after a hot shift but cleared up after water",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
