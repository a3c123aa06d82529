"""Flood control: the sliding window itself, and the bot going quiet for a flooding chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import BotSettings
from bot.menus.kit import STALE_BUTTON
from bot.server.flood import SLOW_DOWN, SLOW_DOWN_TAPS, FloodGuard, Verdict
from bot.services import services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from tests.harness import BotHarness, start_harness, stop_harness

LIMIT = 4


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_message_over_the_limit_warns_then_the_chat_is_ignored_for_a_minute() -> None:
    clock = Clock()
    guard = FloodGuard(limit=20, window=60.0, clock=clock)
    verdicts = []
    for _ in range(25):
        verdicts.append(guard.check(1))
        clock.now += 0.5
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20] is Verdict.WARN
    assert verdicts[21:] == [Verdict.IGNORE] * 4
    assert guard.check(2) is Verdict.ALLOW  # other chats are not affected
    warned_at = 1000.0 + 20 * 0.5
    clock.now = warned_at + 59.9
    assert guard.check(1) is Verdict.IGNORE
    clock.now = warned_at + 60.0  # a minute after the warning: heard again, counting afresh
    assert [guard.check(1) for _ in range(20)] == [Verdict.ALLOW] * 20
    assert guard.check(1) is Verdict.WARN


def test_the_window_slides() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=60.0, clock=clock)
    for _ in range(3):
        assert guard.check(7) is Verdict.ALLOW
        clock.now += 25.0
    # The first message (75 s ago) has left the window: 3 in the last minute, not 4.
    assert guard.check(7) is Verdict.ALLOW
    assert guard.check(7) is Verdict.WARN


def test_quiet_chats_are_forgotten() -> None:
    clock = Clock()
    guard = FloodGuard(limit=5, window=60.0, clock=clock)
    for chat_id in range(1000):
        guard.check(chat_id)
    assert len(guard) == 1000
    clock.now += 61.0
    guard.check(5000)
    assert len(guard) == 1


@pytest.mark.parametrize("limit", [1, 20])
def test_limit_is_exact(limit: int) -> None:
    guard = FloodGuard(limit=limit, clock=Clock())
    assert [guard.check(3) for _ in range(limit)] == [Verdict.ALLOW] * limit
    assert guard.check(3) is Verdict.WARN


async def _wait_for_muted(bot: BotHarness, count: float) -> None:
    metrics = services_in(bot.application).metrics
    async with asyncio.timeout(60):
        # No event to wait on: the counter is the only trace a muted update leaves.
        while metrics.value("magbot_updates_flood_muted_total") < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@pytest.fixture
async def strict_bot(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> AsyncIterator[BotHarness]:
    # A low limit keeps the test short: replies in one chat go out at most one a second.
    harness = await start_harness(fake_api, database_url, library, flood_limit=LIMIT)
    try:
        yield harness
    finally:
        await stop_harness(harness)


def test_default_limit_is_twenty_a_minute() -> None:
    assert BotSettings.model_fields["flood_limit"].default == 20


async def test_a_flooding_chat_gets_one_slow_down_and_then_silence(strict_bot: BotHarness) -> None:
    bot = strict_bot
    limit = bot.settings.flood_limit
    assert limit == LIMIT
    for _ in range(limit + 5):
        bot.api.send_text(1001, "/help")
    await _wait_for_muted(bot, 5)
    messages = bot.api.messages(1001)
    assert len(messages) == limit + 1
    assert all("What I can do" in (m.text or "") for m in messages[:limit])
    assert messages[-1].text == SLOW_DOWN
    # Someone else is served as usual while 1001 is muted, and 1001 stays muted.
    other = await bot.send("/help", chat_id=1002)
    assert len(other) == 1 and "What I can do" in other[0].text
    bot.api.send_text(1001, "/help")
    await _wait_for_muted(bot, 6)
    assert len(bot.api.messages(1001)) == limit + 1


@pytest.fixture
async def tap_strict_bot(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> AsyncIterator[BotHarness]:
    harness = await start_harness(fake_api, database_url, library, flood_tap_limit=LIMIT)
    try:
        yield harness
    finally:
        await stop_harness(harness)


async def test_button_taps_have_a_budget_of_their_own(tap_strict_bot: BotHarness) -> None:
    bot = tap_strict_bot
    await bot.send("/start")
    message_id = bot.last_message_id(1001)
    answers = []
    for _ in range(LIMIT + 3):
        _, answer = await bot.press(1001, message_id, "nothing:here")
        answers.append(answer.params.get("text") if answer is not None else None)
    # Within the budget a tap is answered (this one as an expired button); the tap over
    # it is told to slow down; the rest get nothing, and cost nothing.
    assert answers[:LIMIT] == [STALE_BUTTON] * LIMIT
    assert answers[LIMIT] == SLOW_DOWN_TAPS
    assert answers[LIMIT + 1 :] == [None, None]
    assert services_in(bot.application).metrics.value("magbot_updates_flood_muted_total") == 3
    # Messages have their own budget: the chat is still heard.
    replies = await bot.send("/help")
    assert len(replies) == 1 and "What I can do" in replies[0].text


def test_default_tap_limit_is_sixty_a_minute() -> None:
    assert BotSettings.model_fields["flood_tap_limit"].default == 60
