"""/settings: one menu, edited in place, for everything a chat can choose."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import CommandInfo, Feature
from bot.handlers.settings import screens
from bot.handlers.settings.actions import ACTIONS
from bot.handlers.settings.answers import drop_question, is_awaiting_input, on_location, on_text
from bot.menus.callbacks import PREFIX
from bot.menus.kit import admin_or_refuse, on_press, send_menu
from bot.pipeline import Stage
from bot.services import AnyApplication
from content.zones import default_resolver

__all__ = ["FEATURE", "is_awaiting_input", "press_pattern"]

COMMANDS = [CommandInfo("settings", "time zone, time, topics, diet and more")]


def press_pattern(actions: Any) -> str:
    """Callback data of our menus whose action is one of `actions`."""
    names = "|".join(sorted(actions, key=len, reverse=True))
    return rf"^{PREFIX}\|[0-9a-z]+\|(?:{names})\|"


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admin_or_refuse(update, context):
        return
    await send_menu(update, context, lambda chat, view: screens.main(chat, view))


async def settings_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await on_press(update, context, ACTIONS)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("settings", settings_command))
    application.add_handler(CallbackQueryHandler(settings_press, pattern=press_pattern(ACTIONS)))
    application.add_handler(
        MessageHandler(filters.COMMAND, drop_question), group=Stage.OPEN_QUESTION
    )
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_text), group=Stage.OPEN_QUESTION
    )
    application.add_handler(
        MessageHandler(filters.LOCATION, on_location), group=Stage.OPEN_QUESTION
    )


# The city tables take a second or two to load.
FEATURE = Feature(COMMANDS, register, warm_up=default_resolver)
