"""bot/formatting.py: the small text helpers every reply uses. Pure."""

from __future__ import annotations

import pytest

from bot.formatting import clip, counted, esc


@pytest.mark.parametrize(
    ("count", "one", "other", "text"),
    [
        (1, "day", None, "1 day"),
        (0, "day", None, "0 days"),
        (3, "day", None, "3 days"),
        (1, "delivery recorded", "deliveries recorded", "1 delivery recorded"),
        (2, "delivery recorded", "deliveries recorded", "2 deliveries recorded"),
        (1, "food fits", "foods fit", "1 food fits"),
        (5, "food fits", "foods fit", "5 foods fit"),
    ],
)
def test_counted_agrees_with_its_number(count: int, one: str, other: str | None, text: str) -> None:
    assert counted(count, one, other) == text


def test_clip_and_esc_keep_quoted_text_short_and_inert() -> None:
    assert clip("a  b\nc") == "a b c"
    assert clip("x" * 100, 10) == "x" * 9 + "…"
    assert esc("<b>&") == "&lt;b&gt;&amp;"
