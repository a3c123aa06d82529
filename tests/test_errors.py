"""The error handler: one apology per incident, no internals shown, update id logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.server.errors import APOLOGY, Apologies
from bot.services import services_in
from tests.harness import BotHarness


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_apology_per_chat_per_incident() -> None:
    clock = Clock()
    apologies = Apologies(60.0, clock=clock)
    assert apologies.claim(1) is True
    clock.now = 30.0
    assert apologies.claim(1) is False
    assert apologies.claim(2) is True
    clock.now = 60.0
    assert apologies.claim(1) is True
    assert apologies.claim(2) is False


def test_apology_memory_is_bounded() -> None:
    clock = Clock()
    apologies = Apologies(60.0, max_chats=100, clock=clock)
    for chat_id in range(1000):
        assert apologies.claim(chat_id)
    assert len(apologies._last) == 100
    # The newest are remembered, the oldest forgotten (they may hear about a new failure).
    assert apologies.claim(999) is False
    assert apologies.claim(0) is True


async def _break_chats_table(bot: BotHarness, *, broken: bool) -> None:
    old, new = ("chats", "chats_away") if broken else ("chats_away", "chats")
    async with bot.db.session() as session:
        await session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


async def test_failures_get_one_apology_without_internals_then_recover(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await _break_chats_table(bot, broken=True)
    with caplog.at_level(logging.ERROR, logger="bot.server.errors"):
        first = await bot.send("/start")
        second = await bot.send("/start")
        third = await bot.send("/stop")
    assert [r.text for r in first] == [APOLOGY]
    assert second == [] and third == []
    for internal in ("chats", "Traceback", "sql", "Error", "relation", "table"):
        assert internal.lower() not in APOLOGY.lower()
    metrics = services_in(bot.application).metrics
    errors = sum(
        metrics.value("magbot_handler_errors_total", type=name)
        for name in ("OperationalError", "ProgrammingError")
    )
    failed = [
        r for r in caplog.records if r.name == "bot.server.errors" and r.levelno == logging.ERROR
    ]
    # Every failing handler is logged and counted (several may touch the database per update).
    assert sorted({int(getattr(r, "update_id", 0)) for r in failed}) == [1, 2, 3]
    assert errors == len(failed) >= 3
    assert all(r.exc_info is not None for r in failed)

    await _break_chats_table(bot, broken=False)
    recovered = await bot.send("/start")
    assert len(recovered) == 1 and "subscribed" in recovered[0].text
    # Another chat in trouble gets its own apology: incidents are per chat.
    await _break_chats_table(bot, broken=True)
    other = await bot.send("/start", chat_id=2002)
    assert [r.text for r in other] == [APOLOGY]
    await _break_chats_table(bot, broken=False)


async def test_a_chat_that_blocked_the_bot_gets_no_apology_attempt(bot: BotHarness) -> None:
    bot.api.block(3003)
    await bot.send("/help", chat_id=3003)
    attempts = [c for c in bot.api.calls_for("sendMessage") if c.chat_id == 3003]
    assert len(attempts) == 1 and attempts[0].status == 403
    metrics = services_in(bot.application).metrics
    assert metrics.value("magbot_handler_errors_total", type="Forbidden") == 1
