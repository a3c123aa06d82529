"""Triage mechanisms added with the twenty-ninth ("pregnancy, new parents, babies and
children, teachers and coaches writing about pupils, teenagers") and thirtieth ("long-term
conditions and many medicines: lab results, readings, doses and clinicians' words") writers'
batches, made general rather than fitted to single messages: clinical words for the red
flags (retrosternal pain, respiratory depression, hemiparesis, diplopia, torsades, status
epilepticus, reduced fetal movements, a PV bleed, protein on the dipstick, myoglobinuria,
a sunken fontanelle), a gestation written "32+4", and, the other way, a child pretending,
"I'll pass out if I have to ...", a heart that "skipped a beat when" something lovely
happened, units on labels, a scan that showed all was well, a child's things taken off
her, home-safety questions, treatment given for pre-eclampsia asked about, a relative who
died of something, a film seen last night, "the difference between" two words, a slow
pulse asleep that the GP calls normal, a falls clinic, a worry about what a product might
do, self-harm told as years ago, what a child takes asked about, and coffee as the
"overdose". Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("substernal pressure for the last hour and my gtn spray hasnt touched it", "chest-pain"),
        ("retrosternal tightness at rest, sweaty", "chest-pain"),
        ("my dad looks to have respiratory depression after his evening meds", "trouble-breathing"),
        ("nurse friend says mum is dyspnoeic sitting still in her chair", "trouble-breathing"),
        ("new hemiparesis on his right side since tea time", "stroke"),
        ("sudden diplopia this afternoon, everything doubled", "stroke"),
        ("monitor shows torsades, the care worker is with him", "abnormal-heartbeat"),
        (
            "the blood pressure machine at the chemist showed an irregular beat",
            "abnormal-heartbeat",
        ),
        ("she is in status epilepticus, the ambulance is coming", "seizure"),
        ("hes obtunded and only responds to pain", "unresponsive"),
        ("29 weeks and rfm since yesterday evening", "pregnancy-warning"),
        ("36+2 and a pv bleed just now", "pregnancy-warning"),
        ("pregnant, bp 158/108 at home and protein in my urine on the stick", "pregnancy-warning"),
        ("34+1, readings of 162/112 twice tonight", "pregnancy-warning"),
        ("after the squat session the lab flagged myoglobinuria", "rhabdomyolysis"),
        ("baby vomiting all day and her soft spot looks sunken", "dehydration"),
        ("positive chvostek sign and my fingers are curling", "tetany"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "my nephew pretended to faint when we said it was time for homework",
        "the little one pretended to collapse at the park to get a piggyback",
        "i'll pass out if i have to compare one more supplement label",
        "my heart skipped a beat when my son said his first word",
        "ug vs mcg on labels, bit confused which is bigger",
        "20 weeks with a bit of mild cramping, scan yesterday showed everything fine",
        "a pupil brought gummy vitamins in, we took them off him before lunch",
        "where should i store the magnesium so the toddler cant reach it? is a lock better",
        "the sulfate drip they give for pre-eclampsia, how does it work",
        "my grandad died of a heart attack at 80, should i worry about my own heart",
        "the movie last night had a woman collapse on stage, does magnesium help stage fright",
        "what is the difference between magnesium glycinate and magnesium citrate",
        "watch showed 47 bpm while asleep and the gp says its normal for me",
        "went to a falls clinic appointment, all good, any magnesium tips?",
        "my pressure runs around 120/78, will it make mine too low if i start magnesium",
        "i had thoughts of self harm years ago and had counselling, doing well now",
        "is it possible to overdose on coffee from a normal day's drinking",
        "nursery wants to know if she takes any vitamins at home",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
