"""End to end: subscribe through the fake Bot API, run `python -m scheduler tick --at` in its
own process, and read exactly what reached each chat. Both backends."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from bot.handlers.quiz import RIGHT_TOAST, WRONG_TOAST
from scheduler.render import broadcast_text
from scheduler.schedule import next_due_for
from storage import broadcasts
from storage.models import Chat
from tests.harness import TOKEN, BotHarness
from tests.test_e2e_quiz import set_clock

# Starts real processes: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
# Subscriptions are pinned to this instant so the test does not depend on today's date.
SUBSCRIBED_AT = dt.datetime(2026, 11, 21, 23, 0, tzinfo=dt.UTC)


async def tick(bot: BotHarness, at: str) -> str:
    """The real command line, against the same fake Bot API and database."""
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": bot.api.url,
        "DATABASE_URL": bot.settings.database_url,
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scheduler", "tick", "--at", at,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert TOKEN not in out.decode() + err.decode()
    return out.decode().strip()


async def pin_schedule(bot: BotHarness, chat_id: int, **preferences: object) -> None:
    async with bot.db.session() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        for name, value in preferences.items():
            setattr(chat, name, value)
        chat.next_due_at = next_due_for(chat, SUBSCRIBED_AT)


def texts(bot: BotHarness, chat_id: int) -> list[str]:
    return [m.raw_text or "" for m in bot.api.messages(chat_id)]


async def test_subscribers_get_exactly_their_tip_and_food_at_their_time(bot: BotHarness) -> None:
    for chat_id in (1001, 1002, 1003, 1004):
        await bot.send("/start", chat_id=chat_id)
    await bot.send("/stop", chat_id=1003)
    await pin_schedule(bot, 1001)  # the defaults: 09:00 UTC, daily
    await pin_schedule(bot, 1002, timezone="Asia/Kathmandu", age_band="31-50", sex="male")
    await pin_schedule(bot, 1004)
    bot.api.block(1004)
    before = {chat_id: len(texts(bot, chat_id)) for chat_id in (1001, 1002, 1003, 1004)}

    # 09:00 in Kathmandu is 03:15 UTC.
    assert await tick(bot, "2026-11-22T03:14:00Z") == (
        "due=0 sent=0 skipped=0 failed=0 (blocked=0, recovered=0, retried=0)"
    )
    assert await tick(bot, "2026-11-22T03:15:00Z") == (
        "due=1 sent=1 skipped=0 failed=0 (blocked=0, recovered=0, retried=0)"
    )
    assert await tick(bot, "2026-11-22T09:00:00Z") == (
        "due=2 sent=1 skipped=0 failed=1 (blocked=1, recovered=0, retried=0)"
    )
    assert await tick(bot, "2026-11-22T09:01:00Z") == (
        "due=0 sent=0 skipped=0 failed=0 (blocked=0, recovered=0, retried=0)"
    )

    new = {chat_id: texts(bot, chat_id)[count:] for chat_id, count in before.items()}
    assert [len(new[c]) for c in (1001, 1002, 1003, 1004)] == [1, 1, 0, 0]
    for chat_id in (1001, 1002):
        assert "💡 <b>" in new[chat_id][0] and "🥗 <b>Food idea" in new[chat_id][0]
    assert "of the Daily Value (420 mg)" in new[1001][0]
    assert "of your daily need (420 mg)" in new[1002][0]  # men 31-50: RDA 420 mg
    async with bot.db.session() as session:
        blocked = await session.get(Chat, 1004)
        assert blocked is not None and blocked.status == "blocked"


async def test_tip_command_takes_the_next_tip_from_the_rotation(bot: BotHarness) -> None:
    await bot.send("/start")
    await pin_schedule(bot, 1001, topics=["sleep"])
    sleep_titles = {t.title for t in bot.library.tips if t.topic == "sleep"}
    asked = []
    for _ in range(2):
        replies = await bot.send("/tip")
        assert len(replies) == 1
        asked.append(next(title for title in sleep_titles if title in replies[0].text))
    assert asked[0] != asked[1]
    before = len(texts(bot, 1001))
    await tick(bot, "2026-11-22T09:00:00Z")
    # Sunday is the quiz day: the day's tip, then a quiz on the tips already received.
    scheduled, quiz = texts(bot, 1001)[before:]
    assert any(title in scheduled for title in sleep_titles - set(asked))
    assert quiz.startswith("🧠 <b>Weekly quiz</b>")


async def test_tip_for_a_stranger_suggests_start(bot: BotHarness) -> None:
    replies = await bot.send("/tip", chat_id=4242)
    assert len(replies) == 1
    assert "💡" in replies[0].text and "/start" in replies[0].text


async def test_a_weekdays_subscriber_gets_the_sunday_quiz_the_bot_can_read(
    bot: BotHarness,
) -> None:
    """The scheduler process signs the quiz buttons with the bot's token: the bot accepts
    a press on them. Quiet hours hold a broadcast back until they end."""
    await bot.send("/start")
    quiet = {"quiet_start": dt.time(11, 0), "quiet_end": dt.time(13, 0)}
    await pin_schedule(bot, 1001, frequency="weekdays", **quiet)
    await bot.send("/tip")  # a tip received: the quiz has a question to ask
    before = len(texts(bot, 1001))
    assert await tick(bot, "2026-11-22T09:00:00Z") == (
        "due=1 sent=1 skipped=0 failed=0 (blocked=0, recovered=0, retried=0)"
    )
    (quiz,) = bot.api.messages(1001)[before:]
    assert (quiz.raw_text or "").startswith("🧠 <b>Weekly quiz</b> · question 1 of ")
    set_clock(bot, dt.datetime(2026, 11, 22, 9, 1, tzinfo=dt.UTC))
    _, answer = await bot.press(1001, quiz.message_id, quiz.button_data()[0])
    assert answer is not None and answer.params.get("text") in (RIGHT_TOAST, WRONG_TOAST)

    async with bot.db.session() as session:
        broadcast_id = await broadcasts.create_draft(session, "Quiet please", 1, 0)
        assert (await broadcasts.queue(session, broadcast_id, SUBSCRIBED_AT)).changed
    count = len(texts(bot, 1001))
    await tick(bot, "2026-11-22T12:00:00Z")
    assert len(texts(bot, 1001)) == count  # 12:00 is inside 11:00-13:00
    await tick(bot, "2026-11-22T13:00:00Z")
    assert texts(bot, 1001)[count:] == [broadcast_text("Quiet please")]
