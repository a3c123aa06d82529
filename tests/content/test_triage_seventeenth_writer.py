"""Triage mechanisms added with the twenty-first ("hearts, heads and readings") and
twenty-second ("families") writers' batches, made general rather than fitted to single
messages: a negation covering two verbs ("not talking or responding"), heat with almost no
urine, a heart tracing (ECG) as the heart, pills seen as a way out, calling people by the
wrong name, and, the other way, joking about an "overdose", happy excitement, a yoga pose,
"blood pressure" beside urine, a simile, a baby who perked up, and a dialysis team in
charge. Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("my brother fell at the match, eyes open but not speaking or responding", "unresponsive"),
        ("she went down in the kitchen and is not moving or responding to us", "unresponsive"),
        ("grandad has been out in the heatwave and has had no urine since lunch", "dehydration"),
        ("the ecg at the pharmacy showed a really fast irregular beat", "abnormal-heartbeat"),
        ("all my pills look like a way out tonight", "self-harm"),
        ("mum keeps calling me by the wrong name since yesterday", "confusion-drowsiness"),
    ],
)
def test_new_emergency_wordings_fire_on_the_rules(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}


@pytest.mark.parametrize(
    "message",
    [
        "my wife teases that I overdose on supplements because I take three, is that too many",
        "heart racing in a good way today, we just got engaged! is magnesium ok for stress",
        "I rest in child's pose when I feel hot in yoga, is a magnesium spray useful",
        "the midwife checked my blood pressure and urine and all was fine, any cramp tips",
        "my uncle is as confused as a cat in a maze about which magnesium to buy",
        "our baby was floppy for a moment after birth but perked up within a minute, now thriving",
        "my aunt is on dialysis, her team said to ask before any antacids, which contain magnesium",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
