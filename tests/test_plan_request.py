"""Which typed messages ask only for a day of meals (answered with a /plan)."""

from __future__ import annotations

import pytest

from content.answering.plan_request import MAX_CHARS, asks_for_plan


@pytest.mark.parametrize(
    "text",
    [
        "what should I eat today",
        "What should I eat tomorrow?",
        "meal plan please",
        "Could you make me a magnesium-rich meal plan for today?",
        "whats a good menu for tomorrow",
        "what do i eat today 🙂",
        "food for the day",
        "plan",
    ],
)
def test_requests_for_a_day_of_meals(text: str) -> None:
    assert asks_for_plan(text)


@pytest.mark.parametrize(
    "text",
    [
        # Real questions the FAQ answers: a word outside the request, or no day named.
        "what should I eat for cramps",
        "what should I eat to get more magnesium",
        "what should I eat",
        "is it ok to eat spinach every day",
        "how much magnesium per day",
        "can I take magnesium every day",
        "low carb meal plan for my diabetes",
        "my child needs a meal plan",
        "i ate too many pills today",
        "",
        "🥗🥗🥗",
        "что мне есть сегодня",
    ],
)
def test_questions_are_not_plan_requests(text: str) -> None:
    assert not asks_for_plan(text)


def test_a_long_message_is_not_a_plan_request() -> None:
    request = "what should I eat today "
    assert asks_for_plan(request * (MAX_CHARS // len(request)))
    assert not asks_for_plan(request * (MAX_CHARS // len(request) + 1))
