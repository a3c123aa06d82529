"""Softening: when the rules flag a message and the learned model is sure it is calm, the
alarm becomes the one-line safety note, except where the guards keep it (flags where
silence is worst, long messages, general questions). Wordings of our own."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from content.answering.triage import ALWAYS_ALARM, SOFTEN_MAX_WORDS, Triage

FIGURE_OF_SPEECH = "my sister says a magnesium drink at night knocks her out, is that a real thing?"


def _with_calm_threshold(triage: Triage, threshold: float) -> Triage:
    """The shipped triage with another softening threshold: 0 softens whatever the guards
    let through, 1 nothing."""
    assert triage._model is not None
    changed = copy.copy(triage)
    changed._model = dataclasses.replace(triage._model, calm_threshold=threshold)
    return changed


def test_a_figure_of_speech_the_rules_flag_is_softened(triage: Triage, rules: Triage) -> None:
    assert {f.flag.id for f in rules.check(FIGURE_OF_SPEECH).findings} == {"fainting"}
    result = triage.check(FIGURE_OF_SPEECH)
    assert result.findings == ()
    assert [f.flag.id for f in result.softened] == ["fainting"]
    # The reply still ends with the safety line, and the log says what was softened.
    assert result.mentions_symptom
    assert result.explain().startswith("softened: fainting")


def test_the_threshold_decides(triage: Triage) -> None:
    never = _with_calm_threshold(triage, 1.0)
    assert {f.flag.id for f in never.check(FIGURE_OF_SPEECH).findings} == {"fainting"}


@pytest.mark.parametrize(
    "message",
    [
        "i just want to go to sleep and not wake up, is magnesium ok with that",
        "my 3 year old ate some of my magnesium gummies",
        "his face is drooping on one side and his speech is slurred",
        "grandma wont wake up and isnt responding",
    ],
)
def test_the_worst_flags_are_never_softened(triage: Triage, message: str) -> None:
    anything = _with_calm_threshold(triage, 0.0)
    fired = {f.flag.id for f in anything.check(message).findings}
    assert fired & ALWAYS_ALARM


def test_an_ordinary_flag_would_be_softened_without_the_guards(triage: Triage) -> None:
    # The guard tests above can fail: at threshold 0 a short chest-pain report is softened.
    anything = _with_calm_threshold(triage, 0.0)
    result = anything.check("crushing pain in my chest right now")
    assert result.findings == ()
    assert [f.flag.id for f in result.softened] == ["chest-pain"]


def test_a_long_message_keeps_its_alarm(triage: Triage) -> None:
    anything = _with_calm_threshold(triage, 0.0)
    story = (
        "so a bit of background, i am sixty and i walk every morning and eat well and i take "
        "a little magnesium for cramps at night which has helped a lot, anyway after lunch "
        "today i got a crushing pain in my chest"
    )
    assert len(story.split()) > SOFTEN_MAX_WORDS
    assert {f.flag.id for f in anything.check(story).findings} == {"chest-pain"}


def test_a_general_question_keeps_its_conditional_advice(triage: Triage) -> None:
    anything = _with_calm_threshold(triage, 0.0)
    result = anything.check("does magnesium knock you out if you take it before bed?")
    assert {f.flag.id for f in result.findings} == {"fainting"}
    assert result.hypothetical


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A sign the model never saw in training: it cannot judge it.
        ("torsades", "abnormal-heartbeat"),
        # A reading past a threshold: to n-grams "88" is a word, not a number below 90.
        ("sats 88", "trouble-breathing"),
        ("pulse 190 sitting on the sofa", "abnormal-heartbeat"),
    ],
)
def test_what_the_model_cannot_weigh_keeps_its_alarm(
    triage: Triage, message: str, flag: str
) -> None:
    anything = _with_calm_threshold(triage, 0.0)
    assert flag in {f.flag.id for f in anything.check(message).findings}


@pytest.mark.parametrize(
    ("plea", "without"),
    [
        ("help foot and locked", "foot and locked"),
        ("what do i do, my hands are locked in a claw", "my hands are locked in a claw"),
    ],
)
def test_a_call_for_help_keeps_its_alarm(triage: Triage, plea: str, without: str) -> None:
    # Without the call for help the same words are softened at threshold 0, so this can fail.
    anything = _with_calm_threshold(triage, 0.0)
    assert [f.flag.id for f in anything.check(without).softened] == ["tetany"]
    assert [f.flag.id for f in anything.check(plea).findings] == ["tetany"]
