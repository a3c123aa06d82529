"""What the bot does before serving: content, database and migrations, the command menu."""

from __future__ import annotations

from telegram.ext import Application

from bot.commands import menu
from bot.handlers import admin, all_commands
from scheduler.startup import load_content, open_database

__all__ = ["load_content", "open_database", "publish_menu"]


async def publish_menu(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands(menu(all_commands()))
    await admin.publish_admin_menu(application)
