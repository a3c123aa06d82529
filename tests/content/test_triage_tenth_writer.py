"""Triage mechanisms added from a tenth writer's tuning messages (emergencies typed in a
panic on a phone; calm messages from worried people about sensations that passed), each
tried on wordings of our own (not the evaluation set's): what now fires, and what stays
quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # Words typed without spaces are split into known words.
        ("mymumcantbreathe", "trouble-breathing"),
        ("chestpainreallybad pls", "chest-pain"),
        # Letters held down read as the word.
        ("my chessssst hurtsss", "chest-pain"),
        # Voice-to-text mishearings.
        ("i think grandad is having a heart a tack", "chest-pain"),
        ("mum is a dial isis patient and took some milk of magnesia", "kidney-failure"),
        ("the baby is not breeding properly", "trouble-breathing"),
        ("i just wanna dye, nothing is getting better", "self-harm"),
        # "never mind" denies nothing.
        ("never mind the dose question, my chest is really tight now", "chest-pain"),
        # Only a little better is not over.
        ("his face drooped and his words came out slurred, slightly better now", "stroke"),
        # "since giving birth" is a recent time, not a long-past one.
        ("she has collapsed twice since giving birth on friday", "fainting"),
        ("my legs wont carry me this morning", "paralysis-sudden-weakness"),
        # A resolution covers what was told before it, not what follows it.
        ("had lunch and was fine, then walking back my chest went heavy and tight", "chest-pain"),
        # A check that said fine no longer settles a sign that got worse.
        ("the doctor said it was fine last week but the chest pain is worse", "chest-pain"),
        # A low oxygen reading confirmed on a recheck.
        ("oxygen 87 on the finger thing, retested and it was 86", "trouble-breathing"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Heart sensations that ended, or with an ordinary cause.
        "heart pounded after a double espresso but it settled within a couple of minutes",
        "my watch buzzed about a high heart rate in spin class, came straight back down",
        "my heart fluttered when my crush smiled at me lol, can magnesium calm nerves",
        "my heart skipped once when i lay down, otherwise normal, is that low magnesium",
        "took my pulse, 68 and regular, just curious how magnesium works",
        # Idioms and ordinary causes.
        "this deadline is going to kill me, magnesium for stress?",
        "i get breathless from laughing at my sisters jokes haha, best magnesium?",
        "my foot went numb sitting cross legged on the floor, magnesium?",
        "scared of having a heart attack like my dad, no symptoms, just anxious",
        "saw a video about strokes and got worried, which magnesium for the brain",
        # Readings a normal recheck replaced.
        "cuff read 86/54, took it again 10 mins later and got 124/82",
        "oximeter showed 88 with cold fingers, retested after warming up and got 97",
        # Checked by a doctor, or explained long since.
        "chest felt tight when nervous, my doctor checked my heart and said its fine",
        "went to a&e with chest pain in spring, turned out to be reflux, does magnesium help",
        # Questions about what magnesium holds or does.
        "how much magnesium is in a teaspoon of milk of magnesia?",
        "does magnesium lower blood pressure much?",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
