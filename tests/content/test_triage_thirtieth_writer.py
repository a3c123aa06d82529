"""Triage mechanisms added with the fifty-third ("supplements and products in detail: forms,
doses, units, mix-ups, side effects"), fifty-fourth ("time words: last night, this morning,
since Tuesday, years ago, just now"), fifty-fifth ("worried and anxious writers: health
anxiety, dark humour, low mood that is not a crisis") and fifty-sixth ("long rambles, the red
flag buried in the middle or at the end") writers' batches, made general rather than fitted
to single messages.

Time: "for the past six years" and "when my son was a toddler" are past phrases; an event
explained since ("turned out to be just a faint", "sober now") is over even when dated last
night; a check settles a sign dated earlier today ("a headache this morning, rang maternity triage,
all fine"), and a school that "called an ambulance", a medicine "started" or "currently"
taken, a midwife who will "keep an eye", or something "helpful" are no event now. Other
people's stories: "my late grandad", a claim that a product "cures everything", a nightmare.
Ordinary causes with their own reach: a holiday explains losing track of the day told just
before it, a flutter "every now and then" is a pattern unless the message says now, and a
home being made safer excuses a child's supplements anywhere when nothing was swallowed.
Other word senses: a teenager is no young child, "confused.com" is a website, "confession" no
typo of "confusion", a bare "stroke" in the pool is the movement, "have a fit if he saw the
prices" is anger, "give him a heart attack one day" a joke, "sleep paralysis" a sleep
state, a hospital porter's hospital a workplace, "something out of it" a benefit. Numbers:
a pulse of 37 asleep in a screened athlete, the bottom number of a blood pressure and a
magnesium level ("0.82") are no count of tablets nor an eGFR, and a climb a few words after a
pulse is the effort it was read in. The learned overdose guess yields to a single dose or a
mix-up ("took iron instead of magnesium").

And, the other way: a denied exercise ("185 and I haven't done any exercise") excuses no
fast pulse, "took the rest of" is a swallowing, and each exception leaves the emergency near
it firing. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my teenage son swallowed a whole bottle of my magnesium tablets", "overdose"),
        (
            "my toddler got into the cabinet and ate some gummies while i was reorganising it",
            "child-ingestion",
        ),
        ("my 3 year old took the rest of my magnesium gummies", "child-ingestion"),
        (
            "we're on holiday and my dad is suddenly confused and doesnt know where he is",
            "confusion-drowsiness",
        ),
        ("my speech went slurred after one drink, sober now but my face is drooping", "stroke"),
        ("I swim every morning and right now my face is drooping on one side", "stroke"),
        (
            "pulse 33 asleep on my watch, I'm a triathlete and had a cardiac screen",
            "abnormal-heartbeat",
        ),
        (
            "my heart flutters once a week but right now it is racing and I feel faint",
            "abnormal-heartbeat",
        ),
        ("my pulse is 185 and I haven't done any exercise today", "abnormal-heartbeat"),
        (
            "i've had palpitations for 10 years but tonight they wont stop and i am dizzy",
            "abnormal-heartbeat",
        ),
        (
            "my husband snores but right now he is gasping and his lips are blue",
            "trouble-breathing",
        ),
        ("chest pain right now, the gp said last week my heart was fine", "chest-pain"),
        (
            "crushing chest pain this morning, went to a&e, ecg normal, but the pain is back now",
            "chest-pain",
        ),
        ("when my son was a baby he had fits, now he is fitting and wont stop", "seizure"),
        ("my late mum had fits, and now my daughter is fitting and won't stop", "seizure"),
        ("bp 118/74 but I took 20 magnesium tablets an hour ago", "overdose"),
        (
            "i started taking magnesium last week and now my heart is racing and skipping",
            "abnormal-heartbeat",
        ),
    ],
)
def test_emergencies_still_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my 3 year old took the rest of my magnesium gummies", "child-ingestion"),
        ("I swim every morning and right now my face is drooping on one side", "stroke"),
        ("I only took one but my husband took the rest of the bottle", "overdose"),
    ],
)
def test_the_bot_alarms_on_them(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # time: past phrases, explanations, checks and words that are no event now
        (
            "I've had an irregular heartbeat for the past six years, my cardiologist "
            "manages it. Is magnesium ok?"
        ),
        (
            "when my son was a toddler he went floppy with a fever and the "
            "hospital sorted him out, he's 8 now"
        ),
        (
            "my speech came out slurred last night after three gin and tonics, "
            "sober now and totally normal"
        ),
        "last week I had a seizure-like jerk that turned out to be just a faint from the heat",
        (
            "32 weeks. Bad headache this morning so I rang maternity triage and "
            "went in, bp and urine fine"
        ),
        (
            "my nephew fainted at sports day last summer, the school called an "
            "ambulance, he is fine now"
        ),
        "I had a seizure years ago and I've started taking magnesium for cramps, is that ok?",
        "I had a mini stroke years ago, would magnesium be helpful for my leg cramps?",
        (
            "I had pre-eclampsia with my first baby years ago; this pregnancy my midwife "
            "will keep an eye on my bp. Is magnesium ok?"
        ),
        "I had a blood clot in my leg years ago and I'm currently on magnesium for cramps, ok?",
        # other people's stories and dreams
        (
            "my late grandad had kidney failure and dialysis for years, so I'm "
            "careful. is magnesium ok for me?"
        ),
        (
            "my aunt shares posts claiming magnesium cures everything from cramps "
            "to heart attacks, true?"
        ),
        (
            "had a nightmare where i was paralysed and couldn't move. does "
            "magnesium cause vivid dreams?"
        ),
        # ordinary causes with their own reach
        "my dad doesn't even know what day it is, we're on holiday and he's finally relaxed",
        (
            "I feel a little flutter in my chest every now and then, just one "
            "skipped beat, then nothing"
        ),
        (
            "which supplements are most dangerous if toddlers find them? i want to "
            "reorganise the bathroom cabinet"
        ),
        # other word senses
        (
            "my teenage daughter swallowed one of my magnesium capsules thinking "
            "it was her iron, a problem?"
        ),
        "spent an hour on confused.com for car insurance, ugh. which magnesium helps sleep?",
        "confession: i skipped my magnesium all week and my calves are tight",
        "I swim most mornings and my knees ache, should I change my stroke or try magnesium?",
        (
            "my grandad would have a fit if he saw what supplements cost now, "
            "which magnesium is cheapest?"
        ),
        (
            "my mum jokes the kids will give her a heart attack one day. she's "
            "fine, is magnesium good for stress?"
        ),
        (
            "my husband says he's having a stroke every time he sees the petrol "
            "prices. does magnesium help stress?"
        ),
        "does magnesium help with sleep paralysis?",
        (
            "my dad snores loudly and stops breathing for a few seconds in the "
            "night, could magnesium help?"
        ),
        (
            "i'm a nurse on my feet at the hospital all day, my calves ache by "
            "evening, will magnesium help?"
        ),
        "my grandad is on dialysis, which snacks are low in magnesium?",
        "the tub says 2 capsules for 250mg, would one capsule still get me something out of it?",
        "My 5 year old has a chewable with 25 mg magnesium. He also eats well, is that enough?",
        # numbers
        (
            "my watch shows 37 overnight while asleep, I'm an ultra runner and had "
            "a full cardiac screen"
        ),
        "annual bloods: bp 124/78, magnesium 0.82, kidney function fine. anything to change?",
        ("I'm 57 and a keen cyclist, my monitor showed 179 at the top of a long steep climb. ok?"),
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        (
            "picked up the wrong bottle and took iron instead of magnesium today, "
            "do I take the magnesium now?"
        ),
        "took half the usual dose of my magnesium today because I felt queasy, is that ok?",
        "Are dizzy spells a sign of dehydration?",
    ],
)
def test_calm_wordings_stay_quiet_in_the_bot(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
