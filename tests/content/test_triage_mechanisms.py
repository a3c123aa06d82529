"""Triage mechanisms added from a fifth writer's tuning messages, each tried on wordings of
our own (not the evaluation set's): what now fires, and what now stays quiet."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import OSA

from content.answering.triage import Triage, _is_typo


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A duration of taking a medicine does not tell the sign as past.
        ("she has been on lansoprazole for years and now her hands are locked in a claw", "tetany"),
        # One dose taken again and again in a day.
        ("took my mag tablets 6 times today by mistake", "overdose"),
        # A child with a count of tablets.
        ("my 4 year old ate 12 of the gummy vitamins", "child-ingestion"),
        # A collapse with no movement after it.
        ("grandpa collapsed in the garden and hes not moving", "unresponsive"),
        # Jerking with a fever.
        ("my toddler is jerking and has a fever of 39", "seizure"),
        # An inhaler that does not help; breathing that hurts.
        ("my blue inhaler isnt helping at all", "trouble-breathing"),
        ("it hurts to breathe in", "trouble-breathing"),
        # Fluids that will not stay down, with a word between.
        ("cant keep any fluids down since this morning", "dehydration"),
        # "33w" is weeks pregnant.
        ("33w and my vision is not good, bad headache", "pregnancy-warning"),
        ("my brother keeps threatening to jump", "self-harm"),
    ],
)
def test_new_wordings_fire(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "had a kidney removed 10 years ago, is magnesium ok",
        "my heart was pounding after that scary movie lol",
        "my hand goes numb and tingly when i lie on it at night",
        "is dialysis tiring",
        "my kid keeps threatening to jump on the sofa",
        "i collapsed laughing at that video",
        "the episode where the nurse has a seizure was so good",
        "i dont have any chest pain at all, just cramps at night",
        "my eyelid keeps twitching rhythmically and it wont stop",
    ],
)
def test_ordinary_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()


def test_both_arms_and_legs_are_not_one_side(triage: Triage) -> None:
    """'arm and leg' on one side is a stroke sign; 'arms and legs' is both sides: weakness
    there that has lasted is no stroke (sudden weakness all over is its own red flag)."""
    lasting = triage.check("weakness in my arms and legs for months that never goes away")
    assert "stroke" not in {f.id for f in lasting.flags}, lasting.explain()
    one_side = triage.check("his left arm and leg suddenly went numb")
    assert "stroke" in {f.id for f in one_side.flags}, one_side.explain()
    sudden = triage.check("suddenly i cant lift my arms and legs")
    assert "paralysis-sudden-weakness" in {f.id for f in sudden.flags}, sudden.explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A negation that opens a sign's own words ("hasnt peed") denies nothing after them.
        ("my daughter hasnt peed since yesterday and is very sleepy", "dehydration"),
        ("cant breathe properly and my chest is really tight", "chest-pain"),
        # Asking whether dehydration causes something does not hide a sign reported with it.
        (
            "can dehydration cause this? my son hasnt had a wee all day and is really sleepy",
            "dehydration",
        ),
        # A clause told in the present ("I feel", "and now", "has been") is not covered by a
        # past phrase or an old check in the next clause.
        ("my pulse is 37 and i feel faint, had a heart screen two years ago", "abnormal-heartbeat"),
        (
            "heart rate 34 in the night and now im dizzy, had a cardiac screen in 2022",
            "abnormal-heartbeat",
        ),
        (
            "her calf has been red and swollen since the long drive, "
            "the doctor said it was fine last month",
            "blood-clot",
        ),
    ],
)
def test_signs_told_now_fire_beside_negations_questions_and_past_phrases(
    triage: Triage, message: str, flag: str
) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Asked about as a cause, not reported.
        "can being dehydrated give you cramps in your calves",
        "does dehydration cause muscle cramps after running",
        # A negation in a sign's words still denies within them.
        "did a hard leg session, aching all over but no dark pee at all",
        # A past sign beside a present clause of feeling well.
        "my resting pulse dropped to 38 last year in training, cardiac screen was fine, "
        "i feel great now",
        "my calf was swollen after a flight in 2019, the gp said it was fine, "
        "it has been fine ever since",
    ],
)
def test_causes_asked_denied_signs_and_past_signs_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()


@pytest.mark.parametrize(
    "word",
    [
        "magnesiun",  # one letter changed
        "yesterdy",  # one left out
        "headacche",  # one added
        "palpitatoins",  # two swapped
        "diarrea",  # two edits in a long word
        "palpitaions",
        "dizzyness",
        "pian",  # four letters: only a swap counts
        "painn",
        "fainting",  # a real word, not a typo of "painting"
        "mgnesium",
        "chestt",
        "breathinng",
        "zzzzzzzz",
        "headach",  # a letter short of its word
        "palpitaion",  # two short of "palpitations"
        "crampss",  # a letter over
        "magnesiumms",  # two over
    ],
)
def test_a_typo_is_looked_for_among_likely_words_only_and_found_as_among_all(
    rules: Triage, word: str
) -> None:
    # Unknown words are compared only with vocabulary words of the same first letter and a
    # length within the edits allowed (a speed-up): the result must equal a search of all.
    vocabulary = rules._vocabulary
    cutoff = 2 if len(word) >= 8 else 1
    expected = set(rules._by_stem.get(rules._stemmer.stemWord(word), ()))
    if 4 <= len(word) <= rules._longest and word not in rules._known:
        for target in vocabulary:
            distance = OSA.distance(word, target)
            if distance <= cutoff and _is_typo(word, target, distance):
                expected.add(target)
    assert rules._word_matches([word])[word] == expected
