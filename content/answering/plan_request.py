"""Is a typed message only asking for a day of meals ("what should I eat today?")?

The FAQ has no answer for that, and /plan has: the bot answers such a message with a plan.
The rule is strict so that a real question never loses its FAQ answer: every word must be
one a plan request is made of, and the message must ask for a plan or menu, or for food
for a whole day. "What should I eat for cramps" has a word outside the list ("cramps") and
still goes to the FAQ, as does "what should I eat to get more magnesium", which names no
day and is answered by the FAQ's food list.
"""

from __future__ import annotations

import re

from content.answering.normalise import RESPELLINGS, fold

# A request longer than this is a story with a question in it, not a request for a plan.
MAX_CHARS = 160

_WORD = re.compile(r"[^\W_]+")

_PLAN = frozenset({"plan", "plans", "planner", "menu", "menus"})
_EAT = frozenset({"eat", "eating", "meal", "meals", "food", "foods"})
_DAY = frozenset({"today", "tomorrow", "day", "daily", "todays", "tomorrows", "2day", "tmrw"})

# Every other word a plan request may hold ("could you give me a magnesium meal plan for
# today please", "whats a good menu for tomorrow", "what do i eat today").
_FILLER = frozenset(
    (
        "what whats which should shall could can would do i we me my you your a an the to for "
        "of some please give make suggest show send need want get good idea ideas one full "
        "whole every magnesium mg rich high hi hey ok okay so then now"
    ).split()
)
_ALLOWED = _PLAN | _EAT | _DAY | _FILLER


def asks_for_plan(text: str) -> bool:
    """True for "what should I eat today", "meal plan please", "menu for tomorrow"."""
    if len(text) > MAX_CHARS:
        return False
    words = [RESPELLINGS.get(word, word) for word in _WORD.findall(fold(text))]
    if not words or any(word not in _ALLOWED for word in words):
        return False
    present = frozenset(words)
    return bool(present & _PLAN) or bool(present & _EAT and present & _DAY)
