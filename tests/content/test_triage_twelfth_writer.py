"""Triage mechanisms added from the twelfth writer's tuning messages (emergencies said in
unusual ways: indirect descriptions, multiples and fractions of a dose, clinical shorthand,
understatement) and the thirteenth's (everyday magnesium-and-muscle questions that use
alarming words in ordinary ways), each tried on wordings of our own (not the evaluation
set's): what now fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A heavy weight on the chest, pain spreading down the left arm.
        ("its like an elephant sitting on my chest and im sweating", "chest-pain"),
        ("pain radiating down my left arm and into my jaw for 20 mins", "chest-pain"),
        # A heart said to beat slowly, in words rather than a number.
        ("nan is on water pills and her heart is beating very slowly", "abnormal-heartbeat"),
        # Not knowing a loved one or the year.
        ("grandad has no idea who i am this evening, he knew me yesterday", "confusion-drowsiness"),
        ("mum keeps asking what year it is, that is new for her", "confusion-drowsiness"),
        # Waking up on the floor without knowing how.
        ("i was making tea and then i was staring at the ceiling from the floor", "fainting"),
        # Haemodialysis in shorthand.
        ("im on hd three times a week and want to take magnesium citrate", "kidney-failure"),
        # A face that looks melted, a drink spilling from one side.
        ("his face looks like its melting on the left and tea is dribbling out one side", "stroke"),
        # Too breathless to finish a sentence.
        ("i cant finish a sentence without gasping", "trouble-breathing"),
        ("my lips have gone a bit blue and i feel odd", "trouble-breathing"),
        # A blade held to the skin is self-injury.
        ("i keep holding a razor to my wrist at night", "self-harm"),
        # A bottle of pills and a goodbye.
        ("my sister took a bottle of pills and sent me a goodbye message", "self-harm"),
        # Fractions and containers of a product, far more than the label.
        ("i finished most of the jar of magnesium since friday", "overdose"),
        ("he swallowed a whole sleeve of magnesium antacids", "overdose"),
        ("she took way more than the label allows of her magnesium", "overdose"),
        # A systolic reading named after the number.
        ("the nurse said my pressure was 75 systolic and i feel faint", "low-blood-pressure"),
        # Clinical shorthand for vomiting with no urine.
        ("n/v since sunday and i havent peed today", "dehydration"),
        # Exercise named by its muscles.
        ("too many bicep curls, arms swollen and my urine is dark brown", "rhabdomyolysis"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A family history or a past check does not hide a sign happening now.
        ("family history of heart disease and now crushing chest pain down my arm", "chest-pain"),
        ("strokes run in my family and right now my face is drooping on one side", "stroke"),
        ("my ecg last week was normal but now my heart is racing again", "abnormal-heartbeat"),
        # Fitness explains a slow pulse, not a racing one with faintness.
        ("my heart is racing and im a runner, it wont slow down and i feel faint", "fainting"),
    ],
)
def test_context_does_not_hide_an_emergency(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Family history and the risk it brings are a question, not an event.
        "my grandmother had a stroke at 80, am i at risk, should i take magnesium",
        "family history of heart attacks, could magnesium lower my risk",
        # A check that found nothing, in clinical words.
        "had a fluttery heart once after espresso, my ecg was normal",
        "my daughter fainted at sports day last term, all tests were normal",
        "had a seizure in may, the neurologist said it was a one off, ok to take magnesium?",
        "my gp checked my skipped beats and said they are harmless, can i still take magnesium",
        "a bit breathless on the stairs at 30 weeks pregnant, my midwife said its normal",
        # Over in a minute.
        "heart pounded after the stairs but settled in a minute",
        # A slow pulse explained by fitness.
        "my resting heart rate is slow because im a cyclist, is magnesium ok",
        # A relative's illness, years ago, and a future plan.
        "my friend had rhabdo after a spin class years ago, how do i avoid it when i start",
        # Questions about a label, a risk or clotting.
        "is the 500mg on the front of the bottle the amount of magnesium itself",
        "how do i explain hypermagnesemia risk to my patients on laxatives",
        "does magnesium affect blood clotting, i had a dvt in 2018",
        # Jokes, colds and the cold.
        "the school group chat is giving me palpitations lol, anyway is magnesium good for sleep",
        "knocked out by this cold all week, can i take magnesium with lemsip",
        "my fingers went blue in the cold on my walk, raynauds, does magnesium help",
        # Stiff after a race, urine normal.
        "did a 10k on saturday and my calves are still stiff, pee is normal",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
