"""Spaced repetition of quiz questions with Leitner boxes, and the learning streak.

Pure functions, no I/O: storage keeps the cards, this module decides what they become.

Why Leitner and not FSRS: with a weekly quiz of three questions a person answers about 150
questions a year, far too few reviews to fit FSRS's parameters to one person; fixed boxes
are deterministic and easy to explain ("missed questions come back next quiz").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from content.library import Library

# Days until a card in each box is asked again, counted from the answer.
BOX_DAYS: Final = {1: 1, 2: 7, 3: 14, 4: 28, 5: 56}
FIRST_BOX: Final = 1
LAST_BOX: Final = max(BOX_DAYS)


@dataclass(frozen=True, slots=True)
class Card:
    """One chat's record of one question: its box and the day it is due again."""

    quiz_id: str
    box: int
    due_on: dt.date
    answered: int = 0
    correct: int = 0


def after_answer(card: Card | None, quiz_id: str, right: bool, today: dt.date) -> Card:
    """The card after an answer given `today`.

    Wrong: back to box 1, due tomorrow. Right: one box up (at most the last), due after
    that box's interval. A question never asked before counts as in box 1, so a right
    first answer brings it back in a week. A card answered before it was due (extra
    practice with /quiz) keeps its box and due day when right, since the practice says
    nothing the schedule did not already expect; a wrong answer still drops it to box 1.
    """
    answered = (card.answered if card else 0) + 1
    correct = (card.correct if card else 0) + int(right)
    if not right:
        return Card(
            quiz_id, FIRST_BOX, today + dt.timedelta(days=BOX_DAYS[FIRST_BOX]), answered, correct
        )
    if card is not None and card.due_on > today:
        return Card(quiz_id, card.box, card.due_on, answered, correct)
    box = min((card.box if card else FIRST_BOX) + 1, LAST_BOX)
    return Card(quiz_id, box, today + dt.timedelta(days=BOX_DAYS[box]), answered, correct)


def choose(
    cards: Sequence[Card],
    received_tips: Sequence[str],
    library: Library,
    today: dt.date,
    size: int,
    *,
    practice: bool,
) -> list[str]:
    """Up to `size` question ids for a round, never one on a tip the chat has not received.

    First the due cards (lowest box, then longest overdue), then new questions of the
    received tips, oldest tip first and every tip's first question before any second one;
    for extra practice (`practice`, /quiz) and only if still short, cards not yet due,
    soonest first. `received_tips` is in the order the tips were sent; ids no longer in
    the library are skipped.
    """
    if size <= 0:
        return []
    received = [tip for tip in dict.fromkeys(received_tips) if library.has_tip(tip)]
    allowed = frozenset(received)
    usable = [card for card in cards if _quiz_tip(library, card.quiz_id) in allowed]
    chosen: list[str] = []

    due = sorted(
        (card for card in usable if card.due_on <= today),
        key=lambda card: (card.box, card.due_on, card.quiz_id),
    )
    chosen.extend(card.quiz_id for card in due[:size])

    have_card = {card.quiz_id for card in cards}
    questions = [library.quizzes_for_tip(tip) for tip in received]
    rank = 0
    while len(chosen) < size and any(rank < len(qs) for qs in questions):
        for qs in questions:
            if rank < len(qs) and qs[rank].id not in have_card and len(chosen) < size:
                chosen.append(qs[rank].id)
        rank += 1

    if practice and len(chosen) < size:
        later = sorted(
            (card for card in usable if card.due_on > today),
            key=lambda card: (card.due_on, card.box, card.quiz_id),
        )
        chosen.extend(card.quiz_id for card in later[: size - len(chosen)])
    return chosen


def _quiz_tip(library: Library, quiz_id: str) -> str | None:
    try:
        return library.quiz(quiz_id).tip
    except KeyError:
        return None


def streak(
    active_days: Collection[dt.date], delivery_days: Collection[dt.date], today: dt.date
) -> int:
    """Consecutive counted days up to `today`.

    A day counts when the chat acted on it (`active_days`: pressed a tip button, answered
    a question). Days when nothing was sent and nothing was done are not in either set and
    are stepped over, so days off and pauses do not break a streak; a day with a delivery
    left untouched does. Today, still under way, only ever adds.
    """
    days = sorted({d for d in (*active_days, *delivery_days) if d <= today}, reverse=True)
    count = 0
    for day in days:
        if day in active_days:
            count += 1
        elif day != today:
            break
    return count
