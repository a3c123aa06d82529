"""Triage mechanisms added from the sixteenth writer's tuning messages (ordinary people on
bodies, sport, family and supplements) and the seventeenth's (messages at odd moments:
carers, parents, older people, quoted numbers), each tried on wordings of our own (not the
evaluation set's): what still fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # "pressure" in the chest is still chest pain; only "blood pressure" is a reading.
        ("heavy pressure in my chest spreading to my jaw for 20 minutes", "chest-pain"),
        # A rhythm problem at rest, with no idiom or excitement around it.
        ("my heart keeps skipping beats and racing while i sit on the sofa", "abnormal-heartbeat"),
        # A pulse that is high and irregular during exercise is not the ordinary effort kind.
        (
            "on the treadmill my pulse hit 190 and it was irregular, still 170 sitting down",
            "abnormal-heartbeat",
        ),
        # A pulse that will not come down after exercise is no longer the effort.
        ("my pulse is 190 at rest after my run and it wont come down", "abnormal-heartbeat"),
        ("hr 175 after my workout and 30 minutes later it still wont settle", "abnormal-heartbeat"),
        # A sudden change is not someone's usual state.
        ("grandad is suddenly very confused and we cant keep him awake", "confusion-drowsiness"),
        # "seizure" as an event, not as the name of a medicine.
        ("my son is having a seizure right now and wont stop shaking", "seizure"),
        # Hands locking, not a story read online.
        ("my hands have locked into claws and my lips are tingling", "tetany"),
        # One calf, not both legs.
        ("one calf is swollen red and hot since my flight yesterday", "blood-clot"),
        # The writer on dialysis, not a relative who died long ago.
        ("im on dialysis and took two doses of milk of magnesia today", "kidney-failure"),
        # A count of tablets taken, not the size of a tub.
        ("i took 30 of my magnesium tablets an hour ago and feel awful", "overdose"),
        # Fainting now, not at an age long past.
        ("my wife just fainted in the kitchen and is only just coming round", "fainting"),
        # Legs that will not move, however they are described.
        (
            "out of nowhere i cant move my legs at all and they feel dead",
            "paralysis-sudden-weakness",
        ),
        # An asthma attack happening now.
        (
            "im having an attack now, asthma getting worse and my chest is tight",
            "trouble-breathing",
        ),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Word senses: a blood-pressure reading, "which one", a "she'll" that is no swelling.
        "my blood pressure was 118/76 at the pharmacy, can i take magnesium",
        "nurse took my pulse and blood pressure, both normal, which magnesium is gentlest",
        "pinto beans or kidney beans, which one has more magnesium",
        "the midwife said she'll check my swollen ankles next week, both sides just a bit puffy",
        # Figures of speech: heartbreak, a heavy meal, nerves at a match, a crush.
        "my heart aches since my boyfriend broke up with me, will magnesium cheer me up",
        "that curry was a heart attack of a meal lol, how much magnesium is in lentils",
        "my heart races through the whole penalty shootout every time, best magnesium for sleep?",
        "the sight of my crush makes my heart skip a beat, should i take magnesium at night",
        # Confused about information; someone's usual state.
        "im confused, an article says magnesium oxide is useless, is that true",
        "grandads confusion is the same as always with his dementia, can he have mag gummies",
        # A seizure medicine that works; a definition; a story read online.
        "her seizure medication is working, no fits for two years, can she eat pumpkin seeds",
        "what does hypermagnesaemia mean in simple terms",
        "i read on reddit about people whose fingers locked in spasm, mine are fine, any tips",
        # Cold toes, evening ankles on both sides, a relative who died long ago.
        "my toes go purple when i stand in a cold shower then pink again",
        "both my ankles get a bit puffy by evening on hot days, fine by morning",
        "my aunt died of kidney failure a long time ago, my own bloods are fine, is magnesium ok",
        # Effort: a pulse at the top of a sprint that came back down.
        "my watch said 185 during my hill sprints then dropped to 100 after a minute",
        "hit 188 on my watch during hiit, back to 95 in two minutes",
        "pulse hit 180 on my run and came down to 90 within five minutes",
        # Long past, at an age stated now; a needle trigger.
        "fainted when i had my ears pierced at 12, im 40 now, can i take magnesium",
        "i get light headed at the sight of blood during blood tests, can magnesium help",
        # A normal dose: the size of a tub is no count of tablets taken.
        "my 90 tablet tub of magnesium lasts me three months at one a day, does that add up",
        # A limb that fell asleep; asthma that is well.
        "my legs went to sleep sitting cross legged, ok after a shake",
        "can magnesium help with asthma, mine is well controlled",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
