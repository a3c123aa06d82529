"""/mydata (everything stored about the chat), /forget (delete all of it), and the hourly
purge of unanswered questions older than QUESTION_RETENTION."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.formatting import clip, counted, esc
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
from bot.services import AnyApplication, Services, services_of
from content.zones import zone_label
from storage import chats, feedback, privacy
from storage.models import Chat

log = logging.getLogger(__name__)

COMMANDS = [
    CommandInfo("mydata", "see everything I store about you"),
    CommandInfo("forget", "delete everything I store about you"),
]
NOTHING_STORED = "I store nothing about this chat."
# How often questions past QUESTION_RETENTION are deleted (each write deletes them too).
PURGE_EVERY = 3600.0
QUESTIONS_SHOWN = 5
# A Bot API URL in a stored error text (bot<id>:<secret>/method) carries the token.
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")

# Each count's label for one and for any other number ("1 tip sent", "2 tips sent").
_COUNT_LABELS = {
    "tip_sent": ("tip sent", "tips sent"),
    "food_sent": ("food idea sent", "food ideas sent"),
    "deliveries_recorded": ("delivery recorded", "deliveries recorded"),
    "items_shown": ("tip or food shown", "tips and foods shown"),
    "answer_ratings": ("answer rated", "answers rated"),
    "unanswered_questions": (
        "question kept for the content team",
        "questions kept for the content team",
    ),
    "intake_log_entries": ("food logged", "foods logged"),
}


def _count_text(key: str, count: int) -> str:
    fallback = key.replace("_", " ")
    return counted(count, *_COUNT_LABELS.get(key, (fallback, fallback)))


def _days(retention: dt.timedelta) -> str:
    days = retention.total_seconds() / 86400
    return f"{days:g} days" if days != 1 else "1 day"


def readable(chat: Chat, data: privacy.ChatData, now: dt.datetime, retention: dt.timedelta) -> str:
    pause = status_text(chat, now) if chat.status == "active" else None
    counts = [_count_text(key, count) for key, count in data.counts.items()]
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
    lines.append(f"History: {esc(', '.join(counts))}.")
    questions = data.questions
    if questions:
        lines += [
            "",
            f"Questions I could not answer, kept {_days(retention)} for the content team:",
        ]
        newest = questions[-QUESTIONS_SHOWN:]
        lines += [f"• {esc(str(q['created_at'])[:10])}: {esc(clip(q['text'], 60))}" for q in newest]
        if len(questions) > len(newest):
            lines.append(f"… and {len(questions) - len(newest)} more in the file.")
    lines += [
        "",
        "The attached file holds all of it: every row I keep about this chat. "
        "/forget deletes everything.",
    ]
    return "\n".join(lines)


def redact_token(document: str, token: str) -> str:
    """A stored error text may quote a Bot API URL, and with it the bot's token."""
    return _TOKEN_IN_URL.sub("bot<redacted>", document.replace(token, "<redacted>"))


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not await admin_or_refuse(update, context):
        return
    svc = services_of(context)
    retention = svc.settings.question_retention
    now = utcnow()
    async with svc.db.session() as session:
        # Never show what should already be gone, whenever the last purge ran.
        await session.run_sync(feedback.purge_unanswered, now - retention)
        row = await session.get(Chat, chat.id)
        data = await privacy.export(session, chat.id)
        text = readable(row, data, now, retention) if row and data else None
    if text is None or data is None:
        await message.reply_text(NOTHING_STORED)
        return
    await message.reply_text(text)
    dumped = json.dumps(data.as_json(), indent=2, ensure_ascii=False)
    document = redact_token(dumped, svc.settings.bot_token.get_secret_value()).encode()
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


async def purge_expired_questions(svc: Services, now: dt.datetime | None = None) -> int:
    """Delete unanswered questions older than QUESTION_RETENTION; returns how many."""
    cutoff = (now or utcnow()) - svc.settings.question_retention
    return await svc.db.run(feedback.purge_unanswered, cutoff)


async def _purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        removed = await purge_expired_questions(services_of(context))
    except (OSError, SQLAlchemyError) as error:  # the next run tries again
        log.warning("question purge failed error_type=%s", type(error).__name__)
        return
    if removed:
        log.info("deleted unanswered questions past QUESTION_RETENTION count=%d", removed)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("mydata", mydata_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(CallbackQueryHandler(forget_press, pattern=press_pattern(ACTIONS)))
    # Questions are purged on every write too; this catches a bot that stores none for a
    # while. Every worker runs it; deleting what is already gone is harmless.
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _purge_job, interval=PURGE_EVERY, first=60.0, name="purge-unanswered-questions"
        )


FEATURE = Feature(COMMANDS, register)
