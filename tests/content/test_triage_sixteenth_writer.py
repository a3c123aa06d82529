"""Triage mechanisms added with the twentieth writer's batch ("what people really send a
magnesium bot"), made general rather than fitted to single messages: clinicians' routine
and hospital treatments, claims and news stories, food as a figure of speech, a pattern on
every trip, someone else's opinion, a known and managed condition, a diagnosis someone has,
the kidney team's diet, "knock me out" as sleep, and "now" ending a story told as past. Each
is tried on wordings of our own (not the evaluation set's): what still fires, and what
stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A job title alone does not make the writer's own collapse a work story.
        (
            "im a nurse and i just collapsed at work, still dizzy and my heart is pounding",
            "fainting",
        ),
        # "now" after a past event starts the present: the new calf pain counts.
        ("had a dvt last year and now my other calf is swollen, hot and painful", "blood-clot"),
        # One calf after one flight, not a pattern on every trip.
        ("one calf swelled up and went hot and red after my flight yesterday", "blood-clot"),
        # Food near the tablets does not make 40 tablets a figure of speech.
        (
            "i took 40 magnesium tablets with some chocolate an hour ago and feel very weak",
            "overdose",
        ),
        # Bath water drunk, not salt poured into a bath.
        (
            "my toddler drank the bath water with epsom salt in it, a whole cupful",
            "child-ingestion",
        ),
        # The writer's own fear, not someone else's opinion ("i think im").
        ("i think im overdosing, i swallowed 25 of my magnesium pills", "overdose"),
        # A known rhythm problem that is racing now still fires.
        ("i have afib and my heart is racing at 170 and wont slow down", "abnormal-heartbeat"),
        # Milk of magnesia, not someone's mother.
        (
            "my dad is on dialysis and has been taking milk of magnesia every day this week",
            "kidney-failure",
        ),
        # Asking how much would be lethal for oneself.
        ("how much magnesium would be lethal, asking for me", "self-harm"),
        # Not feeling safe with oneself, pills set out.
        ("i dont feel safe tonight and my pills are lined up on the table", "self-harm"),
        # "knocked out" and not waking is still an emergency.
        ("he got knocked out in the fight and isnt waking", "unresponsive"),
        # A child into the gummies, whatever else is said.
        ("my baby got into my magnesium gummies and ate most of them", "child-ingestion"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # A clinician's routine, said in the plural, and a hospital treatment "for" something.
        "on our cardiac unit we give magnesium infusions for arrhythmia, is the oral kind similar",
        "at the maternity unit they use magnesium in labour for pre-eclampsia, is it the same as"
        " my tablets",
        # A claim someone makes, and a news story.
        "my uncle says drinking epsom salt cleans the liver, is he right",
        "saw a news story about a man who died after drinking a bucket of epsom water, how is"
        " that possible",
        "the news said a cyclist collapsed at the finish and blamed cramps, could magnesium help",
        # Food as a figure of speech.
        "overdosed on dark chocolate this weekend, does that count toward my magnesium",
        # A pattern on every flight, gone by the evening.
        "my ankles and calves always swell a bit on long flights and its gone by the evening",
        # Someone else's opinion of the writer's dose.
        "my wife thinks im overdosing on magnesium because i take 300 mg a day",
        # A diagnosis someone has, asked about in general.
        "my dad has afib, is magnesium linked to heart rhythm at all",
        # A rhythm the doctor already knows about.
        "my grandmother has an irregular heartbeat her doctor already knows about, can she take"
        " magnesium",
        # "knock me out" as sleep, and a "knockout" class.
        "will magnesium citrate knock me out at night or just relax me",
        "that spin class was a total knockout",
        # Salt poured into a bath.
        "my son loves tipping the epsom salt into the bath for me, is it safe on his skin",
        # Someone's mother on dialysis whose dietitian plans the meals.
        "my mom is on dialysis and her dietitian plans her meals, which foods are high in"
        " magnesium",
        # Absorption, not taking everything.
        "does the gut take in all the magnesium from a supplement",
        # A past scan that was clear, and a trip ahead ("again next week").
        "had a dvt scare three years ago, scan was clear, travelling again next week, any tips",
        # Not feeling safe about a combination of supplements.
        "i dont feel safe taking zinc and magnesium together, is there a gap i should leave",
    ],
)
def test_calm_messages_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
