"""Triage mechanisms added with the thirty-seventh ("outdoors, hobbies and weather") and
thirty-eighth ("humour, exaggeration and things seen online") writers' batches, made general
rather than fitted to single messages: someone who can't remember what room they are in or
how they got there, "can't get him to respond", "talking rubbish" in the heat, and coughing
pink froth. And, the other way: a heart that pounds on getting into cold water; pre-eclampsia
in an earlier pregnancy when the woman is "pregnant again" and well; "warm and dry" after rain;
muscles that feel floppy after a lazy week; what someone "said you can't" do; hands that "went
white" in the cold; a swelling that "went down"; fingers that locked up from gripping a
handlebar; breathless with laughter or on the walk up at altitude; and "so tired I could pass
out". Each is tried on wordings of our own (not the evaluation set's)."""

from __future__ import annotations

import pytest

from content.answering.triage import Triage


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "lol my head is all over the place, cant remember which room im in",
            "confusion-drowsiness",
        ),
        ("my uncle cant remember how he got here and keeps nodding off", "confusion-drowsiness"),
        (
            "grandad has been in the sun all day, hes red hot and talking rubbish",
            "confusion-drowsiness",
        ),
        ("we cant get him to respond, hes just staring at the ceiling", "unresponsive"),
        ("my aunt is in her chair and we cannot get her to respond", "unresponsive"),
        ("at the mountain hut and my friend is coughing up pink frothy spit", "trouble-breathing"),
        (
            "swam in the cold sea and now my heart is pounding and it wont slow down",
            "abnormal-heartbeat",
        ),
        (
            "she is pregnant again and her face and hands swelled up suddenly today",
            "pregnancy-warning",
        ),
        ("went white and keeled over on the hill, not making sense now", "fainting"),
        ("my son went down on the pitch and is not responding", "unresponsive"),
        ("hands locked into claws after gripping the oars and my lips are tingling", "tetany"),
        ("im so dizzy i could pass out and my heart is thumping", "fainting"),
    ],
)
def test_new_emergency_wordings_fire(triage: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in triage.check(message).flags}, triage.check(message).explain()


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        (
            "lol my head is all over the place, cant remember which room im in",
            "confusion-drowsiness",
        ),
        ("we cant get him to respond, hes just staring at the ceiling", "unresponsive"),
        ("at the mountain hut and my friend is coughing up pink frothy spit", "trouble-breathing"),
        (
            "swam in the cold sea and now my heart is pounding and it wont slow down",
            "abnormal-heartbeat",
        ),
        (
            "my left calf is puffy and sore, the swelling went down then came back worse",
            "blood-clot",
        ),
    ],
)
def test_the_rules_alone_catch_them(rules: Triage, message: str, flag: str) -> None:
    assert flag in {f.id for f in rules.check(message).flags}, rules.check(message).explain()


@pytest.mark.parametrize(
    "message",
    [
        "heart thumps for a bit when i get into the cold sea, fine once im swimming",
        "my cousin had pre-eclampsia with her first, now pregnant again and well, magnesium foods?",
        "walked home in the sleet but im warm and dry now, legs a bit achy, magnesium?",
        "muscles feel all floppy after a fortnight on the sofa with a cold, how do i get going",
        "my trainer says you cant overdose on magnesium from nuts, is that so",
        "my fingers went white and numb on the ski lift, fine after gloves",
        "my eyelid swelling went down after a day, can magnesium help with puffiness",
        "fingers locked up holding the handlebars on the downhill, loosened after a shake",
        "a bit breathless walking up to the viewpoint, at 2500m, fine once i sat down",
        "so tired i could pass out after the night shift, slept it off",
        "my husband talks rubbish when hes half asleep, is that low magnesium lol",
    ],
)
def test_calm_wordings_stay_quiet_on_the_rules(rules: Triage, message: str) -> None:
    assert not rules.check(message).flags, rules.check(message).explain()
