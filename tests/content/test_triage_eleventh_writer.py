"""Triage mechanisms added from an eleventh writer's tuning messages (families, pregnancy,
carers, several medicines, kidney disease, mental health), each tried on wordings of our
own (not the evaluation set's): what now fires, and what stays quiet."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        # A CKD stage of 4 or 5 is still kidney failure.
        ("stage 5 kidney disease and taking magnesium oxide", "kidney-failure"),
        ("my ckd is stage 4 and i use milk of magnesia", "kidney-failure"),
        # Crisis wordings: unsafe tonight, a burden, the amount to end it, thoughts back.
        ("my brother texted that he is not safe tonight", "self-harm"),
        ("grandpa said hed take all his pills so hes not a burden anymore", "self-harm"),
        ("how many of these would it take to end it", "self-harm"),
        ("i used to be suicidal and the thoughts are back", "self-harm"),
        # Years on a medicine say how long it was taken, not when the seizure was.
        ("been on ppis for years and had a seizure, bit my tongue", "seizure"),
        # Poison control said to go in: no reassurance.
        (
            "my 3 year old drank epsom bath water, poison control said take her to the er",
            "child-ingestion",
        ),
        # A check that said fine, then new signs.
        ("poison centre said hed be fine but hes very drowsy and floppy", "unresponsive"),
    ],
)
def test_real_emergencies_fire_on_rules_alone(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        # Early CKD stages are not kidney failure; food is not a magnesium product.
        "stage 2 ckd, my kidney doctor is happy, can i keep my 200mg magnesium",
        "my kidneys are stage 1, which magnesium is gentlest",
        "dad is on dialysis and his dietitian plans his meals, which foods are high in magnesium",
        # Poison control already said fine.
        "my boy tasted a bath bomb, poison control said its harmless and hes his normal self",
        "my 6yo chewed one extra gummy vitamin, we rang poison control and they said hes fine",
        # Food is not a poisoning.
        "my 2 year old had some dark chocolate, is that ok for toddlers?",
        # Ordinary pregnancy sensations and a family history.
        "20 weeks pregnant with mild period like cramps now and then, is magnesium safe",
        "blood clots run in my family and im pregnant, which magnesium is safe",
        # School sport, not a pulmonary embolism.
        "my daughters legs ache after pe, is it growing pains",
        # A past struggle, well now.
        "i used to have dark thoughts in my twenties but im well now, does magnesium help mood",
        "been on ppis for years, could my magnesium be low",
    ],
)
def test_calm_wordings_stay_quiet(triage: Triage, message: str) -> None:
    assert not triage.check(message).flags, triage.check(message).explain()
