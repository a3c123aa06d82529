"""Triage mechanisms added with the thirty-first writer's batch ("health anxiety and
reassurance seekers, night-time worries, many symptoms described at length, most of them
ordinary, checked or explained; emergencies buried among worries or downplayed"), made
general rather than fitted to single messages: a big dose told as taken, speech that comes
out as nonsense, an arm that feels dead, pills "lined up" (not an actor's "lines"), and, the
other way, an afternoon slump, a teenager who will not answer texts, a rabbit hole of
reading at night, test results told as normal after a comma ("an ECG, all normal"), a trip
still to come and how to prepare for it, the pulse of a market, a mouth numbed by the
dentist, breathing exercises, Epsom salt measured for a bath, and a child learning to
swallow a tablet. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("had a massive dose of mag citrate an hour ago and now everything feels off", "overdose"),
        ("swallowed a huge dose of magnesium oxide to sleep, feel strange", "overdose"),
        ("every time i try to speak it comes out as nonsense, scared", "stroke"),
        ("tried to answer the phone and my words came out as gibberish", "stroke"),
        ("my left arm feels dead and wont lift, this started twenty minutes ago", "stroke"),
        ("ive got my tablets lined up on the table and i cant keep going", "self-harm"),
        ("probably overreacting but my pills are all lined up tonight", "self-harm"),
        (
            "nervous about a dvt, my right calf is hot, red and swollen since the coach trip",
            "blood-clot",
        ),
        ("my brother isnt answering texts, i went round and he is unresponsive", "unresponsive"),
        ("read about overdoses earlier and then swallowed 40 magnesium tablets", "overdose"),
        ("my daughter swallowed a handful of my magnesium gummies", "child-ingestion"),
        ("drank a cup of the epsom salt we keep for baths", "overdose"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "that 4pm energy slump hits me daily, would magnesium with lunch help",
        (
            "my 16 year old daughter is basically unresponsive lol, never texts back. "
            "what about her magnesium"
        ),
        "fell down a rabbit hole about hypermagnesaemia last night, i only take 150 mg, am i ok",
        "been reading about rhabdo at 3am, did a light spin class, mildly sore, am i alright",
        (
            "did a stress test and bloods, all normal, cardiologist happy. "
            "is magnesium ok for palpitations anxiety"
        ),
        (
            "long haul to singapore in june, anxious about blood clots on the plane, "
            "how to prevent them"
        ),
        "the pulse of the city is slow in august, anyway which nuts have magnesium",
        "the dentist numbed my jaw this morning and it is still wearing off",
        "box breathing, breathe in breathe out, does magnesium add anything",
        "how much epsom salt should i add to a bath for my sore legs",
        "my son swallowed his first ever tablet today, can he have a magnesium one",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
