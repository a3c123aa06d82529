"""Helpers for the settings, privacy and group end-to-end tests."""

from __future__ import annotations

from typing import Any

from storage.models import Chat
from tests.harness import BotHarness, Reply


def menu(replies: list[Reply]) -> Reply:
    """The last reply that carries buttons."""
    with_buttons = [reply for reply in replies if reply.buttons]
    assert with_buttons, f"no menu among {[r.method for r in replies]}: {[r.text for r in replies]}"
    return with_buttons[-1]


def sent_text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies if r.method in {"sendMessage", "editMessageText"})


async def row(bot: BotHarness, chat_id: int = 1001) -> Chat | None:
    async with bot.db.session() as session:
        return await session.get(Chat, chat_id)


async def tap(
    bot: BotHarness, chat_id: int, label: str, **options: Any
) -> tuple[list[Reply], str | None]:
    """Tap the button labelled like `label` on the bot's newest message in the chat.

    Returns the replies and the text of the answerCallbackQuery (None when silent).
    """
    message = bot.api.last_message(chat_id)
    assert message is not None
    data = Reply("sendMessage", {"reply_markup": message.reply_markup}).button(label)
    replies, answer = await bot.press(chat_id, message.message_id, data, **options)
    assert answer is not None, "the bot must always answer a callback query"
    text = answer.params.get("text")
    return replies, str(text) if text else None


async def open_settings(bot: BotHarness, chat_id: int = 1001, **options: Any) -> Reply:
    return menu(await bot.send("/settings", chat_id, **options))
