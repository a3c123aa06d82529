"""/mydata (everything stored about the chat) and /forget (delete all of it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.formatting import esc
from bot.handlers.settings import press_pattern
from bot.handlers.settings.screens import (
    diet_text,
    food_text,
    profile_text,
    schedule_text,
    status_text,
    topics_text,
)
from bot.menus.callbacks import Press
from bot.menus.kit import (
    Action,
    MenuView,
    Outcome,
    admin_or_refuse,
    on_press,
    send_menu,
    utcnow,
)
from bot.services import services_of
from content.zones import zone_label
from storage import chats, privacy
from storage.models import Chat

COMMANDS = [
    CommandInfo("mydata", "see everything I store about you"),
    CommandInfo("forget", "delete everything I store about you"),
]
NOTHING_STORED = "I store nothing about this chat."

_COUNT_LABELS = {
    "tip_sent": "tips sent",
    "food_sent": "food ideas sent",
    "deliveries_recorded": "deliveries recorded",
    "items_shown": "tips and foods shown",
    "answer_ratings": "answers rated",
    "unanswered_questions": "questions kept for the content team",
    "intake_log_entries": "foods logged",
}


def readable(chat: Chat, data: privacy.ChatData, now: dt.datetime) -> str:
    pause = status_text(chat, now) if chat.status == "active" else None
    counts = [
        f"{count} {_COUNT_LABELS.get(key, key.replace('_', ' '))}"
        for key, count in data.counts.items()
    ]
    lines = [
        "📄 <b>What I store about this chat</b>",
        f"Chat: {esc(chat.type)}, since {chat.created_at:%Y-%m-%d}, status: {esc(chat.status)}",
        f"Time zone: {esc(zone_label(chat.timezone))}",
        f"Tips: {schedule_text(chat)}",
        f"Topics: {esc(topics_text(chat))}",
        f"Food ideas: {food_text(chat)}; diet: {esc(diet_text(chat))}",
        f"Profile: {esc(profile_text(chat))}",
    ]
    if pause and pause.startswith("⏸"):
        lines.append(pause)
    lines += [
        f"History: {esc(', '.join(counts))}.",
        "",
        "The attached file holds all of it, including the questions you asked that I "
        "could not answer. /forget deletes everything.",
    ]
    return "\n".join(lines)


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not await admin_or_refuse(update, context):
        return
    async with services_of(context).db.session() as session:
        row = await session.get(Chat, chat.id)
        data = await privacy.export(session, chat.id)
        text = readable(row, data, utcnow()) if row is not None and data is not None else None
    if text is None or data is None:
        await message.reply_text(NOTHING_STORED)
        return
    await message.reply_text(text)
    document = json.dumps(data.as_json(), indent=2, ensure_ascii=False).encode()
    await message.reply_document(
        document,
        filename=f"magbot-data-{chat.id}.json",
        caption="Everything I store about this chat, as JSON.",
    )


def forget_menu(chat: Chat, view: MenuView) -> tuple[str, InlineKeyboardMarkup | None]:
    keyboard = view.keyboard().row(
        ("🗑 Yes, delete everything", "fg", "yes"), ("Cancel", "fg", "no")
    )
    text = (
        "🗑 <b>Delete everything?</b>\n"
        "Your settings, delivery history, answer ratings, questions and food log will be "
        "deleted and I will forget this chat. This cannot be undone."
    )
    return text, keyboard.markup()


async def confirm(press: Press, chat: Chat, view: MenuView, session: AsyncSession) -> Outcome:
    if press.arg != "yes":
        return Outcome("edit", "OK, nothing was deleted.", answer="Cancelled")
    session.expunge(chat)
    await chats.forget(session, view.chat_id)
    return Outcome(
        "edit",
        "🗑 Done: I deleted everything about this chat. Send /start if you ever want tips again.",
        answer="Deleted",
    )


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await admin_or_refuse(update, context):
        await send_menu(update, context, forget_menu, unknown=NOTHING_STORED)


async def forget_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await on_press(update, context, ACTIONS)


ACTIONS: dict[str, Action] = {"fg": confirm}


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("mydata", mydata_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(CallbackQueryHandler(forget_press, pattern=press_pattern(ACTIONS)))


FEATURE = Feature(COMMANDS, register)
