"""Triage mechanisms added from a sixth writer's tuning messages (calm messages with
alarming words), each tried on wordings of our own (not the evaluation set's): what now
stays quiet, and that the real emergency next to it still fires."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A denying filler inside a term keeps the term from matching: "it wont settle" is
        # not "it settled" (a remote-past cue), so the racing heart still counts.
        ("heart racing and all over the place and it wont settle", "abnormal-heartbeat"),
        # An age told as past does not hide a new event told as now.
        ("i fainted once when i was 12 and just fainted again", "fainting"),
        # "Hard to wake" is extreme drowsiness: the person can still be woken.
        ("my nan is so hard to wake this morning", "confusion-drowsiness"),
        # Someone else's threat to harm themselves.
        ("my brother keeps saying hes going to hurt himself", "self-harm"),
        # Asking for enough tablets to stop the heart.
        ("if i swallow enough of my pills would my heart stop", "self-harm"),
        # Day after day of double doses.
        ("mum has been taking double magnesium for days and is really weak", "overdose"),
        # A corner of the mouth with its droop still fires.
        ("the corner of her mouth is drooping", "stroke"),
        ("i really cant stand up, my legs just went", "paralysis-sudden-weakness"),
        # Violent twitching after stiffening; muscles that stay contracted; lungs that will
        # not fill; British and clinical words for dehydration and weakness.
        ("her whole body went rigid and then she was twitching violently", "seizure"),
        ("my hands keep contracting and staying contracted, mouth tingles", "tetany"),
        ("my lungs feel like they wont fill", "trouble-breathing"),
        ("loose motions all week and hardly passed water today", "dehydration"),
        ("since lunch i cannot rise from the sofa", "paralysis-sudden-weakness"),
    ],
)
def test_real_emergencies_still_fire(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Figures of speech.
        "i almost had a stroke when i saw my phone bill",
        "i could pass out from how tasty these almonds are, how much magnesium in them",
        "my sister had a fit of rage when i ate her chocolate",
        "i cant stand the taste of magnesium powder, any other forms",
        "kale overdose this month haha, is that too much magnesium",
        "the prices in that shop are extortionate, i nearly fainted",
        # Things, plants, food and livestock are not people.
        "my credit card had a seizure after buying all these supplements",
        "my houseplant went limp, does it need epsom salt",
        "the lettuce is all floppy, does it still have magnesium",
        "the vet says our sheep might get grass tetany this spring",
        # Ordinary causes: nerves before an ordeal, an age long past, a past pregnancy.
        "my heart races before presentations at work, is that normal",
        "i passed out once at the dentist when i was 9, can i take supplements",
        "i had preeclampsia in my last pregnancy, is magnesium safe to take now",
        "i got rhabdo back in uni after a spin class, how do i stop it happening again",
        # A place on the face is not a droop; "hello" is not HELLP syndrome.
        "i keep getting cracks at the corner of my mouth, low magnesium?",
        "hello there, how much magnesium is in a banana",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
