"""/start, /help, /stop and unknown commands through the fake Bot API, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.menus.kit import STALE_BUTTON
from storage.models import Chat
from tests.harness import BotHarness, set_chat


async def test_menu_is_published(bot: BotHarness) -> None:
    names = [c["command"] for c in bot.api.commands()]
    assert {"start", "help", "stop"} <= set(names)
    help_replies = await bot.send("/help")
    for name in names:
        assert f"/{name}" in help_replies[0].text


async def test_start_subscribes_once_with_disclaimer(bot: BotHarness) -> None:
    first = await bot.send("/start")
    assert len(first) == 1
    text = first[0].text
    assert "subscribed" in text and "09:00" in text and "UTC" in text
    assert bot.library.onboarding_disclaimer.split(".")[0] in text.replace("&#x27;", "'")
    again = await bot.send("/start")
    assert "already subscribed" in again[0].text
    async with bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Chat)) == 1
        chat = await session.get(Chat, 1001)
        assert chat is not None and chat.status == "active" and chat.next_due_at is not None


async def test_start_repairs_an_active_chat_without_a_next_delivery(bot: BotHarness) -> None:
    """A subscription half-written by an interrupted transaction is never due; /start
    gives it its next delivery time again."""
    await bot.send("/start")
    await set_chat(bot, next_due_at=None)
    again = await bot.send("/start")
    assert "already subscribed" in again[0].text
    async with bot.db.session() as session:
        chat = await session.get(Chat, 1001)
        assert chat is not None and chat.status == "active"
        assert chat.next_due_at is not None and chat.next_due_at > dt.datetime.now(dt.UTC)


async def test_stop_then_start_resumes(bot: BotHarness) -> None:
    await bot.send("/start")
    stopped = await bot.send("/stop")
    assert "no more daily tips" in stopped[0].text
    async with bot.db.session() as session:
        chat = await session.get(Chat, 1001)
        assert chat is not None and chat.status == "stopped" and chat.next_due_at is None
    assert "not subscribed" in (await bot.send("/stop"))[0].text
    resumed = await bot.send("/start")
    assert "Welcome back" in resumed[0].text


async def test_unknown_command_gets_help_pointer(bot: BotHarness) -> None:
    replies = await bot.send("/fly <b>now</b>")
    assert len(replies) == 1
    assert "don't know the command /fly" in replies[0].text
    assert "/help" in replies[0].text


async def test_garbage_commands_are_escaped(bot: BotHarness) -> None:
    replies = await bot.send("/<script>" + "💥" * 50)
    assert len(replies) == 1
    assert "<script>" not in replies[0].text


async def test_buttons_on_inaccessible_messages_expire(bot: BotHarness) -> None:
    """Telegram sends a message dated 0 when the bot can no longer see it (deleted, old)."""
    welcome = await bot.send("/start")
    data = welcome[0].buttons[0][1]
    mark = len(bot.api.calls)
    replies, answer = await bot.press(1001, bot.last_message_id(1001) + 500, data)
    assert replies == []
    assert answer is not None and answer.params.get("text") == STALE_BUTTON
    made = [c.method for c in bot.api.calls[mark:] if c.method != "getUpdates"]
    assert made == ["answerCallbackQuery"]
