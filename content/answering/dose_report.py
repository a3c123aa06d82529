"""Is a typed message only telling the bot that its writer took their supplement?

"took my mag", "I took my magnesium this morning", "had 2 mag caps with dinner": people tell
a bot that sends daily tips about their day's dose, and the FAQ's nearest entry for "took" and
"magnesium" is the one about taking too many (poison control). Such a message gets the
supplement note instead: the upper limit for the chat's age, the kidney caution, and that the
food log does not count supplements. Triage runs first, so a dose that is an emergency ("took
30 mag tabs") never gets here.

The rule is strict, like the plan request's: every word must be one such a report is made
of, so a question ("I took my magnesium, why do my legs still cramp?") or a story keeps its
FAQ answer.
"""

from __future__ import annotations

import re

from content.answering.normalise import RESPELLINGS, fold

# A report longer than this is a story, not a line about the day's dose.
MAX_WORDS = 14
# The most tablets, and the most milligrams (a compound's weight on a label can be 1,000 mg),
# a report may name: past these, it is no everyday dose (triage, run first, judges it).
MAX_COUNT = 2
MAX_MG = 1000

_WORD = re.compile(r"[^\W_]+")
_AMOUNT = re.compile(r"(\d+)(mg|mgs)?")

_TOOK = frozenset({"took", "taken", "had", "popped", "done"})
_PRODUCT = frozenset(
    (
        "magnesium mag mags supplement supplements supps pill pills tablet tablets tab tabs "
        "capsule capsules cap caps gummy gummies softgel softgels glycinate bisglycinate "
        "citrate oxide malate threonate taurate chloride zma"
    ).split()
)
# Every other word a report may hold: who, when, with what, and how it went.
_FILLER = frozenset(
    (
        "i ive im just already dose have has my the a an one two half it its ok okay yes yep yay "
        "fyi note so and also as usual always like normal again today tonight this morning "
        "evening night last with at before after bed bedtime breakfast lunch dinner tea supper "
        "food water meal gym workout run pm am mg of for me now feel feeling good great fine "
        "slept well better"
    ).split()
)
_ALLOWED = _TOOK | _PRODUCT | _FILLER


def reports_own_dose(text: str) -> bool:
    """True for "took my mag", "mag taken", "had 2 magnesium caps with dinner"."""
    if "?" in text:
        return False
    words = [RESPELLINGS.get(word, word) for word in _WORD.findall(fold(text))]
    if not words or len(words) > MAX_WORDS:
        return False
    if any(word not in _ALLOWED and not _AMOUNT.fullmatch(word) for word in words):
        return False
    if not all(
        _everyday(word, words[i - 1 : i], words[i + 1 : i + 2]) for i, word in enumerate(words)
    ):
        return False
    present = frozenset(words)
    return bool(present & _TOOK) and bool(present & _PRODUCT)


def _everyday(word: str, before: list[str], after: list[str]) -> bool:
    """Is `word`, if a number, a time ("at 8", "9 pm") or an everyday dose ("2" caps,
    "200mg", "400 mg")?"""
    amount = _AMOUNT.fullmatch(word)
    if amount is None or before == ["at"] or after in (["am"], ["pm"]):
        return True
    in_mg = amount.group(2) is not None or after == ["mg"]
    return int(amount.group(1)) <= (MAX_MG if in_mg else MAX_COUNT)
