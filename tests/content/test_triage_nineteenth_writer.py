"""Triage mechanisms added with the twenty-sixth ("older adults and the people who look after
them: care homes, medicines lists, falls, heat") and twenty-seventh ("sport and fitness
communities and young adults: gym slang, festivals, energy drinks, saunas, emergencies told
with bravado") writers' batches, made general rather than fitted to single messages: no
urine with dizziness or in hot weather, dehydration named as the thing asked about, a pulse
told as still up after exercise ("still stuck at 170"), and, the other way, "the heat is
knocking me out", a fright ("jumped out at me"), a test and a specialist that cleared a
past pain, "which foods help", what something does to the muscles, the runs that are a
run, the last rep of a set, a long bike ride, food to eat for magnesium, a claim heard
about water and a twitch that "stops after an hour". Each is tried on wordings of our own
(not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my mum has not passed water all day and is dizzy getting up", "dehydration"),
        ("grandad hasnt had a wee since breakfast and its a scorcher outside", "dehydration"),
        ("its roasting today and dad hasnt peed since lunch", "dehydration"),
        ("my son is severely dehydrated after the stomach bug", "dehydration"),
        ("severe runs from the magnesium citrate and im dizzy", "dehydration"),
        (
            "pulse still stuck at 165 forty minutes after my spin class, feel wobbly",
            "abnormal-heartbeat",
        ),
        ("finished the 10k an hour ago, heart rate still 175 and wont drop", "abnormal-heartbeat"),
        ("help my chest hurts", "chest-pain"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


def test_dehydration_asked_about_gets_the_advice_worded_conditionally(triage: Triage) -> None:
    result = triage.check("how can you tell if someone is dehydrated?")
    assert "dehydration" in {f.id for f in result.flags}, result.explain()
    assert result.hypothetical


@pytest.mark.parametrize(
    "message",
    [
        "this humidity is knocking me out, which snacks have magnesium",
        "the heat knocks me out every summer, should i take magnesium?",
        "my nephew jumped out at me from behind the door and I nearly had a heart attack, "
        "anyway best magnesium for sleep?",
        "chest pains back in may, angiogram was clear and the cardiologist said reflux, "
        "which foods help?",
        "does low magnesium affect the muscles used for breathing in COPD?",
        "my heart rate hit 190 on the last hill rep and dropped to 110 a minute later, normal?",
        "the gym monitor read 180 on my last interval, back to 100 quickly, all good",
        "calf twitching after leg day, stops after an hour or so, is that low magnesium?",
        "after a long bike ride my legs feel like concrete, no pain resting, just tired?",
        "which foods should my kids eat for more magnesium, they both swim",
        "i heard you can die from drinking too much water in a marathon, how much do i need?",
        "went running then felt a bit dizzy because i skipped breakfast, fine after a banana",
        "can i take magnesium with water tablets, they make me go to the loo a lot",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
