"""Leitner boxes, the choice of a round's questions and the streak (content.repetition)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import load_library
from content.repetition import BOX_DAYS, Card, after_answer, choose, streak

TODAY = dt.date(2026, 12, 6)
LIBRARY = load_library()
TIP_IDS = [tip.id for tip in LIBRARY.tips]
MULTI = [tip.id for tip in LIBRARY.tips if len(LIBRARY.quizzes_for_tip(tip.id)) > 1]


def days(*offsets: int) -> set[dt.date]:
    """Days relative to TODAY (0 is today, -1 yesterday)."""
    return {TODAY + dt.timedelta(days=offset) for offset in offsets}


def first_question(tip_id: str) -> str:
    return LIBRARY.quizzes_for_tip(tip_id)[0].id


# ------------------------------------------------------------------------ after_answer


def test_new_question_right_goes_to_box_two_for_a_week() -> None:
    card = after_answer(None, "q", True, TODAY)
    assert card == Card("q", 2, TODAY + dt.timedelta(days=7), answered=1, correct=1)


def test_new_question_wrong_comes_back_tomorrow() -> None:
    card = after_answer(None, "q", False, TODAY)
    assert card == Card("q", 1, TODAY + dt.timedelta(days=1), answered=1, correct=0)


@pytest.mark.parametrize("box", sorted(BOX_DAYS))
def test_right_on_a_due_card_moves_one_box_up(box: int) -> None:
    card = after_answer(Card("q", box, TODAY, 4, 2), "q", True, TODAY)
    new_box = min(box + 1, 5)
    assert card == Card("q", new_box, TODAY + dt.timedelta(days=BOX_DAYS[new_box]), 5, 3)


def test_right_before_due_keeps_box_and_day() -> None:
    early = Card("q", 3, TODAY + dt.timedelta(days=5), 2, 2)
    assert after_answer(early, "q", True, TODAY) == Card("q", 3, early.due_on, 3, 3)


def test_wrong_before_due_drops_to_box_one() -> None:
    early = Card("q", 4, TODAY + dt.timedelta(days=20), 3, 3)
    assert after_answer(early, "q", False, TODAY) == Card(
        "q", 1, TODAY + dt.timedelta(days=1), 4, 3
    )


cards = st.builds(
    Card,
    quiz_id=st.just("q"),
    box=st.sampled_from(sorted(BOX_DAYS)),
    due_on=st.dates(TODAY - dt.timedelta(days=100), TODAY + dt.timedelta(days=100)),
    answered=st.integers(0, 50),
    correct=st.integers(0, 50),
)


@given(st.none() | cards, st.booleans())
def test_answers_keep_the_card_in_range(card: Card | None, right: bool) -> None:
    new = after_answer(card, "q", right, TODAY)
    assert new.box in BOX_DAYS
    assert new.answered == (card.answered if card else 0) + 1
    assert new.correct == (card.correct if card else 0) + int(right)
    assert new.due_on > TODAY
    if not right:
        assert new.box == 1 and new.due_on == TODAY + dt.timedelta(days=1)


# ------------------------------------------------------------------------------ choose


def test_nothing_received_nothing_chosen() -> None:
    assert choose([], [], LIBRARY, TODAY, 3, practice=True) == []


def test_new_questions_of_received_tips_oldest_first() -> None:
    received = TIP_IDS[5:9]
    chosen = choose([], received, LIBRARY, TODAY, 3, practice=False)
    assert chosen == [first_question(tip) for tip in received[:3]]


def test_first_questions_of_every_tip_before_second_ones() -> None:
    received = [MULTI[0], TIP_IDS[0] if TIP_IDS[0] != MULTI[0] else TIP_IDS[1]]
    chosen = choose([], received, LIBRARY, TODAY, 3, practice=False)
    assert chosen == [
        first_question(received[0]),
        first_question(received[1]),
        LIBRARY.quizzes_for_tip(MULTI[0])[1].id,
    ]


def test_due_cards_come_first_lowest_box_then_oldest() -> None:
    received = TIP_IDS[:6]
    q = [first_question(tip) for tip in received]
    held = [
        Card(q[0], 3, TODAY - dt.timedelta(days=1)),
        Card(q[1], 1, TODAY),
        Card(q[2], 1, TODAY - dt.timedelta(days=2)),
        Card(q[3], 2, TODAY + dt.timedelta(days=1)),  # not due
    ]
    chosen = choose(held, received, LIBRARY, TODAY, 5, practice=False)
    assert chosen == [q[2], q[1], q[0], q[4], q[5]]


def test_practice_tops_up_with_cards_not_yet_due() -> None:
    received = TIP_IDS[:2]
    q = [first_question(tip) for tip in received]
    held = [
        Card(q[0], 4, TODAY + dt.timedelta(days=9)),
        Card(q[1], 2, TODAY + dt.timedelta(days=3)),
    ]
    assert choose(held, received, LIBRARY, TODAY, 3, practice=False) == []
    assert choose(held, received, LIBRARY, TODAY, 3, practice=True) == [q[1], q[0]]


def test_unknown_tips_and_questions_are_skipped() -> None:
    chosen = choose(
        [Card("gone-q1", 1, TODAY)], ["gone", TIP_IDS[0]], LIBRARY, TODAY, 3, practice=True
    )
    assert chosen == [first_question(TIP_IDS[0])]


def test_size_zero_chooses_nothing() -> None:
    assert choose([], TIP_IDS, LIBRARY, TODAY, 0, practice=True) == []


@given(
    received=st.lists(st.sampled_from(TIP_IDS), max_size=12),
    held=st.lists(
        st.tuples(
            st.sampled_from([quiz.id for quiz in LIBRARY.quizzes]),
            st.sampled_from(sorted(BOX_DAYS)),
            st.integers(-30, 30),
        ),
        max_size=12,
    ),
    size=st.integers(0, 6),
    practice=st.booleans(),
)
def test_choose_only_asks_received_tips_once_each(
    received: list[str], held: list[tuple[str, int, int]], size: int, practice: bool
) -> None:
    unique = {quiz_id: (box, offset) for quiz_id, box, offset in held}
    card_list = [
        Card(quiz_id, box, TODAY + dt.timedelta(days=offset))
        for quiz_id, (box, offset) in unique.items()
    ]
    chosen = choose(card_list, received, LIBRARY, TODAY, size, practice=practice)
    assert len(chosen) <= size
    assert len(set(chosen)) == len(chosen)
    assert all(LIBRARY.quiz(quiz_id).tip in received for quiz_id in chosen)
    due = [c for c in card_list if c.due_on <= TODAY and LIBRARY.quiz(c.quiz_id).tip in received]
    # Every due card is asked before anything else, as far as the round has room.
    assert set(chosen[: min(size, len(due))]) <= {c.quiz_id for c in due}
    if not practice:
        not_due = {c.quiz_id for c in card_list if c.due_on > TODAY}
        assert not not_due & set(chosen)


# ------------------------------------------------------------------------------ streak


def test_no_days_no_streak() -> None:
    assert streak(set(), set(), TODAY) == 0


def test_today_untouched_does_not_break_yesterday() -> None:
    assert streak(days(-1, -2), days(0, -1, -2), TODAY) == 2


def test_today_acted_counts() -> None:
    assert streak(days(0, -1), days(0, -1), TODAY) == 2


def test_an_untouched_delivery_breaks_the_streak() -> None:
    assert streak(days(-1, -3, -4), days(-1, -2, -3, -4), TODAY) == 1


def test_days_without_deliveries_are_stepped_over() -> None:
    # A weekly schedule: deliveries a week apart, each acted on.
    assert streak(days(0, -7, -14), days(0, -7, -14), TODAY) == 3


def test_acting_without_a_delivery_counts() -> None:
    # /quiz on a day off.
    assert streak(days(-2, -3), days(-3), TODAY) == 2


def test_future_days_are_ignored() -> None:
    assert streak(days(1, -1), days(1, 0, -1), TODAY) == 1


offsets = st.sets(st.integers(-40, 2), max_size=30)


@given(offsets, offsets)
def test_streak_never_counts_a_day_without_activity(active: set[int], sent: set[int]) -> None:
    result = streak(days(*active), days(*sent), TODAY)
    assert 0 <= result <= len([o for o in active if o <= 0])


@given(offsets, offsets)
def test_acting_today_adds_exactly_one(active: set[int], sent: set[int]) -> None:
    without = streak(days(*(active - {0})), days(*sent), TODAY)
    assert streak(days(*(active | {0})), days(*sent), TODAY) == without + 1
