"""Triage mechanisms added with the forty-fifth ("all clear: negations, rule-outs, things
already checked"), forty-sixth ("other people, other times, other worlds"), forty-seventh
("many Englishes and short bursts, device readings") and forty-eighth ("bodies at work and
play described in detail") writers' batches, made general rather than fitted to single
messages.

Checks and visits: a past visit to care ("went to a&e with a pounding heart") counts as a
check, its verdict may come in the next sentence ("they ran an ECG, said it was fine"), a
clinician's benign explanation is a verdict ("said it was the heat"), an ambulance that
came and went is no call now, and a check settles only what was told wholly before it ("she
said it was fine, but it's now red and hot" stays an alarm). Other times: "when we were
kids", "when my son was 3", "licked some once", a state got back ("pale again"), a time a
day past ("stopped 24 hours ago"), an explanation found afterwards ("turned out he'd..."),
a test that found nothing, a pulse back down. Other people and worlds: hints and games
nobody answers, a child's imagined swallowing, a drill's list of scenarios. Words: "overdose
lol" and "can you take too much X?", "so" joining clauses, a few loose stools, "stopped it"
(not "stop it?"), a "scare" and a "TIA clinic", "sat down" (no "downed"), epsom salt baths,
benign or treated ectopic beats, "faint" as "slight", "debating". Bodies: an ache put down
to walking, forearms like concrete, a cause told after its sign across its clause ("can't
lift my arms ... after shoulder day"), and limbs heavy as lead anywhere the message names
hard work.

And, the other way: a complete or spreading loss ("can't move them at all") keeps the
alarm by an ordinary cause; a child found with an open pot and tablets missing; slow,
grey or gasping breathing; a long one-concept term no longer fails its flag's window; and
weakness or drowsiness with a magnesium laxative taken day after day raises the overdose
flag too. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("i took 25 magnesium tablets lol what happens now", "overdose"),
        ("can you take too much magnesium? because i just took a whole bottle", "overdose"),
        ("headache so bad i can barely see and im 35 weeks pregnant", "pregnancy-warning"),
        (
            "my wee went dark after the race and its still dark today and my legs are agony",
            "rhabdomyolysis",
        ),
        ("he had his dentures out but his face is drooping on one side", "stroke"),
        ("my mums face is drooping, she was meant to go to the tia clinic next week", "stroke"),
        ("when we were kids he had seizures and now hes having one and wont stop", "seizure"),
        ("my son swallowed some once i turned my back, about six tablets", "child-ingestion"),
        ("what would happen if she ate more? my toddler already ate 8 gummies", "child-ingestion"),
        (
            "found my 3 year old with an open tub of my magnesium gummies, some seem to be missing",
            "child-ingestion",
        ),
        (
            "after the gym my legs gave way and now i cant move them at all",
            "paralysis-sudden-weakness",
        ),
        (
            "legs like lead after the hike and now its spreading up to my arms",
            "paralysis-sudden-weakness",
        ),
        (
            "after my night shift my legs feel like lead and i cant stand up",
            "paralysis-sudden-weakness",
        ),
        (
            "my nan has been taking milk of magnesia every day for months and now shes so drowsy "
            "she cant stay awake",
            "overdose",
        ),
        (
            "my dad has been on milk of magnesia three times a day for weeks and now hes very weak",
            "overdose",
        ),
        (
            "went to the gp with a swollen calf, she said it was fine, but its now red, hot and "
            "much bigger than the other one",
            "blood-clot",
        ),
        (
            "went to urgent care with chest pain yesterday, ecg normal, now its crushing and going "
            "down my left arm",
            "chest-pain",
        ),
        ("my dad drank his epsom bath salts by mistake", "overdose"),
        ("i took 10 times the dose on the bottle", "overdose"),
        (
            "pregnant and my left calf is swollen, hot and red after walking round the shops",
            "blood-clot",
        ),
        ("in the show a woman collapsed, my dad just collapsed and is not breathing", "fainting"),
        ("my neighbour is only breathing a few times a minute and looks grey", "trouble-breathing"),
        ("my gran is gasping and her lips are a bit grey", "trouble-breathing"),
        ("my husband is unresponsive and not breathing", "unresponsive"),
    ],
)
def test_emergencies_still_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my son swallowed some once i turned my back, about six tablets", "child-ingestion"),
        (
            "found my 3 year old with an open tub of my magnesium gummies, some seem to be missing",
            "child-ingestion",
        ),
        ("my husband is unresponsive and not breathing", "unresponsive"),
        ("my mums face is drooping, she was meant to go to the tia clinic next week", "stroke"),
        (
            "after the gym my legs gave way and now i cant move them at all",
            "paralysis-sudden-weakness",
        ),
        ("my neighbour is only breathing a few times a minute and looks grey", "trouble-breathing"),
    ],
)
def test_the_bot_alarms_on_them(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # checks, visits and verdicts
        "the ambulance crew checked my dad after he felt faint in the garden, all his obs were "
        "normal",
        "went to a&e with a pounding heart after an energy drink. they ran an ecg, said it was "
        "fine. can magnesium calm it?",
        "been to the walk in twice with my heart fluttering, both times nothing found. could it "
        "be low magnesium?",
        "cardiologist says my pvcs are nothing to worry about. would magnesium reduce pvcs?",
        "the cardiologist called them harmless palpitations, can mag help?",
        "the tia clinic rang to book her a follow up about her blood pressure tablets",
        "after his stroke scare my dad is on a statin, can he take magnesium?",
        # other times
        "my wee was dark after the half marathon, had loads of water and its pale again now",
        "my daughter had a tummy bug, the vomiting stopped 24 hours ago and shes keeping fluids "
        "down",
        "grandads speech sounded slurred on sunday, turned out hed left his dentures out",
        "when we were little my brother ate a bunch of mums iron tablets and had to go to "
        "hospital. what does iron do to kids?",
        "my nephews friend says epsom salt tastes vile because he licked some once. why is that?",
        "when my son was 3 he had a febrile fit, hes 10 now, can he take magnesium?",
        "heart was banging at the end of my intervals but dropped back down to 70 within a "
        "couple of minutes",
        # other people and worlds
        "my husband is unresponsive... to my hints about the bins. anyway, magnesium for sleep?",
        "my son is completely unresponsive when hes gaming, can magnesium help his focus",
        "my 6 year old asked what would happen if she ate one of my magnesium gummies, how do i "
        "explain it",
        "first aid course today, we practised the usual scenarios, a choking adult, someone "
        "collapsed, a casualty not breathing",
        # words
        "would a whole tub of cashews count as a magnesium overdose lol",
        "if i snack on trail mix all day is that a magnesium overdose haha",
        "can you take too much magnesium citrate",
        "30 weeks pregnant, woke with a headache so i rang the midwife and she said rest and "
        "fluids",
        "diarrhoea 2 times today since starting magnesium citrate, should i drop the dose?",
        "stopped my magnesium because of the runs, when can i start again?",
        "got dizzy getting out of my epsom salt bath and sat down till it passed",
        "a faint ache in my left calf after my run, normal?",
        "our book club is debating whether magnesium helps sleep",
        # bodies at work and play
        "pregnant and my calves ache from walking round the zoo all afternoon",
        "spent all day bouldering and today my forearms feel like concrete",
        "did a double shift at the warehouse and by the end my legs felt like lead",
        "cant lift my arms over my head to wash my hair after shoulder day yesterday",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()
