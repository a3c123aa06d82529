"""Tip and food rotation, diet filtering and the rendered message (no server needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content import DAILY_VALUE_MG, Diet, Library, Topic, food_fits_diet
from devtools.fakebotapi import parse_html
from scheduler import rotation
from scheduler.render import delivery_text, profile_of, tip_block


def walk(candidates: list[str], chat_id: int, steps: int) -> list[rotation.Pick]:
    """Pick `steps` times, remembering what was shown, as the engine does."""
    seen: set[str] = set()
    cycle = 1
    picks = []
    for _ in range(steps):
        pick = rotation.pick_next(candidates, seen, chat_id=chat_id, cycle=cycle)
        assert pick is not None
        if pick.cycle != cycle:
            cycle, seen = pick.cycle, set()
        seen.add(pick.item_id)
        picks.append(pick)
    return picks


@pytest.mark.parametrize("chat_id", [1, 42, -100123456789])
def test_every_item_once_per_cycle_then_a_new_cycle(chat_id: int) -> None:
    items = [f"tip-{n}" for n in range(9)]
    picks = walk(items, chat_id, 27)
    for number, cycle in enumerate(range(1, 4)):
        chunk = picks[number * 9 : (number + 1) * 9]
        assert {p.cycle for p in chunk} == {cycle}
        assert sorted(p.item_id for p in chunk) == items


def test_orders_differ_between_chats_and_cycles() -> None:
    items = [f"tip-{n}" for n in range(20)]
    first = [p.item_id for p in walk(items, 1, 20)]
    other_chat = [p.item_id for p in walk(items, 2, 20)]
    second_cycle = [p.item_id for p in walk(items, 1, 40)[20:]]
    assert first != other_chat
    assert first != second_cycle


def test_nothing_to_pick_from() -> None:
    assert rotation.pick_next([], set(), chat_id=1, cycle=1) is None


def test_tips_follow_the_chosen_topics(library: Library) -> None:
    tips = rotation.tip_candidates(library, ["cramps", "sleep", "no-such-topic"])
    assert tips and {t.topic for t in tips} == {Topic.CRAMPS, Topic.SLEEP}
    assert rotation.tip_candidates(library, []) == library.tips


@settings(max_examples=60, deadline=None)
@given(diets=st.sets(st.sampled_from(list(Diet))))
def test_food_suggestions_respect_every_diet_flag(library: Library, diets: set[Diet]) -> None:
    foods = rotation.food_candidates(library, [str(d) for d in diets])
    assert foods, f"no food at all for {diets}"
    assert all(food_fits_diet(food, diets) and food.everyday for food in foods)


def test_suggestions_are_good_sources_when_there_are_enough(library: Library) -> None:
    foods = rotation.food_candidates(library, ["vegan"])
    assert min(f.mg for f in foods) * 100 / DAILY_VALUE_MG >= 9.5
    assert rotation.food_candidates(library, ["vegan", "keto-ish"]) == ()


def test_message_has_tip_food_amount_and_own_rda(library: Library) -> None:
    tip = library.tips[0]
    food = library.food("pumpkin-seeds")
    profile = profile_of("19-30", "female", None)
    assert profile is not None
    rda = library.intake.rda(profile)
    text = delivery_text(library, tip, food, profile)
    shown = parse_html(text)  # raises on malformed HTML, like Telegram
    assert tip.title in shown and food.name in shown
    assert food.serving in shown and f"{food.mg} mg" in shown
    assert f"{round(food.mg * 100 / rda)}% of your daily need ({rda} mg)" in shown
    assert len(shown) < 4096


def test_without_a_profile_the_daily_value_is_used(library: Library) -> None:
    food = library.food("pumpkin-seeds")
    text = parse_html(delivery_text(library, None, food, profile_of(None, "male", None)))
    assert f"{round(food.mg * 100 / DAILY_VALUE_MG)}% of the Daily Value" in text
    assert "This week's food idea" in text


def test_impossible_profiles_fall_back_to_the_daily_value() -> None:
    assert profile_of("4-8", "male", "pregnant") is None
    assert profile_of("nonsense", "female", None) is None


def test_every_tip_and_food_renders_valid_html(library: Library) -> None:
    profile = profile_of("51+", "male", None)
    for tip, food in zip(library.tips, list(library.foods) * 3, strict=False):
        text = delivery_text(library, tip, food, profile)
        assert len(parse_html(text)) < 4096
        assert parse_html(tip_block(tip))
