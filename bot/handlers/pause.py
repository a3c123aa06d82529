"""/pause (3 days, a week, or until /resume) and /resume."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.handlers.settings import press_pattern
from bot.handlers.settings.actions import reschedule
from bot.handlers.settings.screens import when_text
from bot.menus.callbacks import Press
from bot.menus.kit import (
    UNKNOWN_CHAT,
    Action,
    MenuView,
    Outcome,
    admin_or_refuse,
    on_press,
    send_menu,
    utcnow,
)
from bot.services import AnyApplication, services_of
from storage import chats, preferences
from storage.models import Chat

COMMANDS = [
    CommandInfo("pause", "pause tips for a few days"),
    CommandInfo("resume", "resume paused tips"),
]
DURATIONS = {"3d": dt.timedelta(days=3), "7d": dt.timedelta(days=7)}
NOT_SUBSCRIBED = "You are not subscribed right now. Send /start to get daily tips."
STOPPED = "🛑 Done: no more daily tips. Your settings are kept; send /start any time to resume."
# The streak rule as it applies to a pause (docs/learning.md has the whole rule).
STREAK_FROZEN = "🔥 Your learning streak is frozen while you're paused."
STREAK_KEPT = "🔥 Your learning streak was kept while you were paused."


def pause_menu(chat: Chat, view: MenuView) -> tuple[str, InlineKeyboardMarkup | None]:
    if chat.status != "active":
        return NOT_SUBSCRIBED, None
    keyboard = (
        view.keyboard()
        .row(("3 days", "pa", "3d"), ("A week", "pa", "7d"))
        .row(("Until I resume", "pa", "ind"))
        .row(("Cancel", "pa", "no"))
    )
    return f"⏸ Pause tips for how long?\n{STREAK_FROZEN}", keyboard.markup()


def stop_menu(chat: Chat, view: MenuView) -> tuple[str, InlineKeyboardMarkup | None]:
    """For a typed "stop" or "pause": nothing changes without a tap, and a pause is offered
    next to stopping (a pause keeps the learning streak)."""
    if chat.status != "active":
        return NOT_SUBSCRIBED, None
    keyboard = (
        view.keyboard()
        .row(("🛑 Stop daily tips", "pa", "stop"))
        .row(("⏸ Pause 3 days", "pa", "3d"), ("⏸ Pause a week", "pa", "7d"))
        .row(("Keep them coming", "pa", "no"))
    )
    return "Stop your daily tips, or pause them for a while?", keyboard.markup()


async def choose(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if press.arg == "no":
        return Outcome("edit", "OK, tips continue as usual.", answer="Cancelled")
    if chat.status != "active":
        return Outcome("edit", NOT_SUBSCRIBED)
    if press.arg == "stop":
        chats.stop(chat)
        return Outcome("edit", STOPPED, answer="Stopped")
    if press.arg == "ind":
        preferences.pause(chat, None)
        text = f"⏸ Paused. No tips until you send /resume.\n{STREAK_FROZEN}"
    elif press.arg in DURATIONS:
        until = view.now + DURATIONS[press.arg]
        preferences.pause(chat, until)
        text = (
            f"⏸ Paused until {when_text(until, chat)} (your time). /resume ends it early.\n"
            f"{STREAK_FROZEN}"
        )
    else:
        return Outcome("none", answer="This menu expired, open /pause again.")
    return Outcome("edit", text, answer="Paused")


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await admin_or_refuse(update, context):
        await send_menu(update, context, pause_menu)


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not await admin_or_refuse(update, context):
        return
    now = utcnow()
    async with services_of(context).db.session() as session:
        row = await session.run_sync(preferences.chat_for_update, chat.id)
        if row is None:
            text = UNKNOWN_CHAT
        elif row.status != "active":
            text = NOT_SUBSCRIBED
        elif not preferences.is_paused(row, now):
            preferences.resume(row)  # clears a pause that already ran out
            text = "Tips are not paused. Send /pause to take a break."
        else:
            preferences.resume(row)
            reschedule(row, now)
            assert row.next_due_at is not None
            text = f"▶️ Welcome back! Next tip: {when_text(row.next_due_at, row)}.\n{STREAK_KEPT}"
    await message.reply_text(text)


async def pause_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await on_press(update, context, ACTIONS)


ACTIONS: dict[str, Action] = {"pa": choose}


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("pause", pause_command))
    application.add_handler(CommandHandler("resume", resume_command))
    application.add_handler(CallbackQueryHandler(pause_press, pattern=press_pattern(ACTIONS)))


FEATURE = Feature(COMMANDS, register)
