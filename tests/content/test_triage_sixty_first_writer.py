"""Triage after the sixty-first ("telling the bot you took your own supplement") and
sixty-second ("a day's routine of foods, supplements and medicines, for me and my family")
writers' batches.

Scored fresh, the sixty-first writer's calm messages drew an overdose alarm one time in
seven (55 of 400), nearly all from the learned second opinion: it had learned "took" and
"tablets" from hundreds of real overdoses and almost no one saying they took their daily
dose. Retrained with the batches' tuning parts, it reads an ordinary dose as calm. The rules
learned ZMA as a magnesium product, an open tub or pills on the floor beside a child as a
swallow to assume, the label's own dose ("as it says on the box") as ordinary use unless the
message counts many tablets, a big dose or a multiple of the dose, and a film script as a
story. And the retrained model, sure that "took ... magnesium" is calm, may no longer soften an
intake told outright as too much.

Each is tried on wordings of our own (not the evaluation set's), and each exception leaves
the emergency next to it firing."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    "message",
    [
        "I took my magnesium",
        "took my mag",
        "I took magnesium last night",
        "i took my magnesium tablet",
    ],
)
def test_a_usual_dose_taken_is_no_overdose(triage: Triage, message: str) -> None:
    assert triage.check(message).flags == ()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # ZMA is a magnesium product
        ("my 3 year old ate some of my zma", "child-ingestion"),
        ("on dialysis and I still take zma every night", "kidney-failure"),
        # an open container beside a child
        ("my toddler has the tub open and pills on the floor around him", "child-ingestion"),
        # the label's dose excuses no count, big dose or multiple of it
        ("took 12 magnesium tablets as directed", "overdose"),
        ("swallowed 20 mag tabs as it says on the box", "overdose"),
        ("took 8 times the label dose of milk of magnesia", "overdose"),
        # more than one should, a whole supply
        ("took way more magnesium than I meant to", "overdose"),
        ("downed my whole supply of mag tabs", "overdose"),
        # a story's sign is no sign, the writer's own brother's is
        ("my brother is having a seizure", "seizure"),
    ],
)
def test_emergencies_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}


@pytest.mark.parametrize(
    "message",
    [
        "took a spoon of milk of magnesia, the label dose",
        "took two magnesium hydroxide tablets as an antacid, as it says on the box",
        "took my milk of magnesia as the bottle says",
        "my seizure question is for a film script",
    ],
)
def test_ordinary_use_and_stories_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert rules.check(message).flags == ()


@pytest.mark.parametrize(
    "message",
    ["took way more magnesium than I should have", "I took too much magnesium"],
)
def test_an_intake_told_as_too_much_keeps_its_alarm_in_the_bot(
    triage: Triage, message: str
) -> None:
    assert "overdose" in {f.id for f in triage.check(message).flags}
