"""Group chats: /start subscribes the group; only its admins change its settings."""

from __future__ import annotations

from typing import Any

import pytest

from bot.menus.kit import NOT_ADMIN
from storage.models import Chat
from tests.harness import BotHarness, Reply
from tests.menu_helpers import menu, row, tap

GROUP = -1001234567
OWNER, ADMIN, MEMBER = 7, 8, 9


@pytest.fixture(autouse=True)
def _group(bot: BotHarness) -> None:
    bot.api.set_admins(GROUP, [ADMIN], creator=OWNER)


async def _say(bot: BotHarness, text: str, user: int, **options: Any) -> list[Reply]:
    return await bot.send(text, GROUP, user_id=user, chat_type="supergroup", **options)


async def _group_row(bot: BotHarness) -> Chat:
    chat = await row(bot, GROUP)
    assert chat is not None
    return chat


async def test_only_admins_subscribe_the_group(bot: BotHarness) -> None:
    refused = await _say(bot, "/start", MEMBER)
    assert "only this group's admins" in refused[0].text
    assert await row(bot, GROUP) is None
    welcome = await _say(bot, "/start", OWNER)
    assert "subscribed" in welcome[0].text
    chat = await _group_row(bot)
    assert chat.type == "supergroup" and chat.status == "active"


async def test_members_cannot_change_settings(bot: BotHarness) -> None:
    await _say(bot, "/start", ADMIN)
    for command in ["/settings", "/pause", "/resume", "/stop", "/forget", "/mydata"]:
        replies = await _say(bot, command, MEMBER)
        assert len(replies) == 1 and "only this group's admins" in replies[0].text, command
    assert (await _group_row(bot)).status == "active"


async def test_a_members_tap_on_the_admins_menu_is_refused(bot: BotHarness) -> None:
    await _say(bot, "/start", ADMIN)
    settings = menu(await _say(bot, "/settings", ADMIN))
    assert "⚙️" in settings.text
    replies, answer = await tap(bot, GROUP, "⏰", user_id=MEMBER)
    assert answer == NOT_ADMIN and replies == []
    answers = [a for a in bot.api.callback_answers if a.text == NOT_ADMIN]
    assert answers and answers[-1].show_alert
    replies, _ = await tap(bot, GROUP, "📅", user_id=OWNER)
    replies, _ = await tap(bot, GROUP, "Weekdays", user_id=OWNER)
    assert "on weekdays" in replies[0].text
    assert (await _group_row(bot)).frequency == "weekdays"


async def test_typed_answers_count_only_from_the_admin_who_was_asked(bot: BotHarness) -> None:
    await _say(bot, "/start", ADMIN)
    await _say(bot, "/settings", ADMIN)
    replies, _ = await tap(bot, GROUP, "🌍", user_id=ADMIN)
    assert "reply to this message" in replies[0].text
    # Another member chatting meanwhile is not taken as the answer.
    assert not any("Asia/Tokyo" in r.text for r in await _say(bot, "Tokyo", MEMBER))
    assert (await _group_row(bot)).timezone == "UTC"
    shared = bot.api.send_location(GROUP, 35.68, 139.69, user_id=MEMBER, chat_type="supergroup")
    await bot.processed(shared)
    assert (await _group_row(bot)).timezone == "UTC"
    replies = await _say(bot, "Tokyo", ADMIN)
    assert "Asia/Tokyo" in replies[0].text
    assert (await _group_row(bot)).timezone == "Asia/Tokyo"


async def test_a_members_command_does_not_cancel_the_admins_question(bot: BotHarness) -> None:
    await _say(bot, "/start", ADMIN)
    await _say(bot, "/settings", ADMIN)
    replies, _ = await tap(bot, GROUP, "🌍", user_id=ADMIN)
    assert "reply to this message" in replies[0].text
    # Another member's commands are answered as usual, and the question stays open.
    assert "What I can do" in (await _say(bot, "/help", MEMBER))[0].text
    assert "only this group's admins" in (await _say(bot, "/settings", MEMBER))[0].text
    assert (await _group_row(bot)).awaiting == "timezone"
    replies = await _say(bot, "Tokyo", ADMIN)
    assert "Asia/Tokyo" in replies[0].text
    assert (await _group_row(bot)).timezone == "Asia/Tokyo"
    # The admin's own command does close it.
    await tap(bot, GROUP, "⏰", user_id=ADMIN)
    assert (await _group_row(bot)).awaiting == "time"
    await _say(bot, "/help", ADMIN)
    assert (await _group_row(bot)).awaiting is None


async def test_admin_can_forget_the_group(bot: BotHarness) -> None:
    await _say(bot, "/start", ADMIN)
    await _say(bot, "/forget", OWNER)
    _, answer = await tap(bot, GROUP, "Yes, delete", user_id=MEMBER)
    assert answer == NOT_ADMIN
    assert await row(bot, GROUP) is not None
    await tap(bot, GROUP, "Yes, delete", user_id=OWNER)
    assert await row(bot, GROUP) is None
