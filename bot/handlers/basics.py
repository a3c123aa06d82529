"""/start, /help, /stop and the replies for commands the bot does not know."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import CommandInfo, Feature, help_lines
from bot.formatting import esc, schedule_summary
from bot.handlers.pause import NOT_SUBSCRIBED, STOPPED
from bot.menus.keyboards import Keyboard
from bot.menus.kit import STALE_BUTTON, admin_or_refuse, codec_of
from bot.pipeline import Stage
from bot.services import AnyApplication, services_of
from content import Topic
from scheduler.schedule import next_due_for
from storage import chats, preferences
from storage.models import Chat

log = logging.getLogger(__name__)

COMMANDS = [
    CommandInfo("start", "subscribe to daily magnesium tips"),
    CommandInfo("help", "what I can do"),
    CommandInfo("stop", "stop daily tips (your settings are kept)"),
]

# What /start's transaction hands back: the subscription, its summary, and for a new chat
# the version of its onboarding menu.
Subscribed = tuple[chats.SubscribeResult, str, int | None]

WELCOME = (
    "👋 <b>Welcome to MagBot!</b>\n"
    "Each day I send one short, practical tip on how magnesium affects your muscles "
    "(cramps, fatigue, recovery, sleep, food sources), plus magnesium-rich food ideas. "
    "You can also ask me a question any time: just type it."
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if not await admin_or_refuse(update, context):
        return
    svc = services_of(context)
    defaults = chats.NewChatDefaults(
        timezone=svc.settings.default_timezone,
        delivery_time=svc.settings.default_delivery_time,
        topics=[str(t) for t in Topic],
    )
    now = dt.datetime.now(dt.UTC)

    def first_steps(new: Chat) -> None:
        # Written with the new row itself: its first delivery time and its first menu.
        new.next_due_at = next_due_for(new, now)
        preferences.open_menu(new)

    def subscribe(session: Session) -> Subscribed:
        result = chats.subscribe(session, chat.id, chat.type, defaults, setup=first_steps)
        if result.created:
            return result, schedule_summary(result.chat), result.chat.menu_version
        if not result.was_active:
            # "Welcome back" means tips from the next slot: a pause from before /stop ends.
            preferences.resume(result.chat)
            result.chat.next_due_at = next_due_for(result.chat, now)
        # An active chat with no next delivery time is never due: /start repairs it.
        elif chats.ensure_next_due(result.chat, lambda row: next_due_for(row, now)):
            log.warning("repaired a subscription without a next delivery chat_id=%s", chat.id)
        return result, schedule_summary(result.chat), None

    result, summary, version = await svc.db.run(subscribe)
    markup = onboarding_keyboard(chat.id, version, context) if version is not None else None
    if result.created:
        text = (
            f"{WELCOME}\n\n<i>{esc(svc.library.onboarding_disclaimer)}</i>\n\n"
            f"✅ You are subscribed: {summary}.\n"
            "Set your time zone and time now (or skip: /settings changes them any time). "
            "Send /help to see everything I can do."
        )
    elif result.was_active:
        text = f"You are already subscribed: {summary}. Nothing changed.\nSend /help for commands."
    else:
        text = (
            f"Welcome back! ✅ Tips resume with your saved settings: {summary}.\n\n"
            f"<i>{esc(svc.library.onboarding_disclaimer)}</i>"
        )
    sent = await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    if markup is not None:
        svc.menus.note(chat.id, sent.message_id)


def onboarding_keyboard(
    chat_id: int, version: int, context: ContextTypes.DEFAULT_TYPE
) -> InlineKeyboardMarkup:
    """Time zone and time right away; the welcome text stays, the screens open below it."""
    keyboard = Keyboard(codec_of(context), chat_id, version)
    keyboard.row(("🌍 Set time zone", "ob", "tz"), ("⏰ Set time", "ob", "time"))
    keyboard.row(("Skip for now", "skip"))
    return keyboard.markup()


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services_of(context)
    lines = "\n".join(esc(line) for line in help_lines(svc.commands))
    text = (
        "<b>What I can do</b>\n"
        f"{lines}\n\n"
        "Or just type a question about magnesium and muscles, or what to change "
        "(“send my tips at 7am”, “I'm vegan”, “stop”).\n"
        f"<i>{esc(svc.library.disclaimer)}</i>"
    )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if not await admin_or_refuse(update, context):
        return
    async with services_of(context).db.session() as session:
        stopped = await chats.unsubscribe(session, chat.id)
    text = STOPPED if stopped else NOT_SUBSCRIBED
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0][:40]
    await message.reply_text(
        f"Sorry, I don't know the command {esc(command)}. Send /help to see what I can do.",
        parse_mode=ParseMode.HTML,
    )


async def inaccessible_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons on a message Telegram no longer lets the bot see (deleted, or over 48 hours
    old) cannot be acted on: editing it would fail, so every feature treats it as expired."""
    query = update.callback_query
    # PTB parses such a message as a Message dated 0, so `is_accessible` is the test.
    if query is not None and (query.message is None or not query.message.is_accessible):
        await query.answer(STALE_BUTTON)
        raise ApplicationHandlerStop


def register(application: AnyApplication) -> None:
    # Before every feature's button handlers (group 0).
    application.add_handler(CallbackQueryHandler(inaccessible_button), group=Stage.INACCESSIBLE)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("stop", stop))


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_BUTTON)


def register_fallbacks(application: AnyApplication) -> None:
    """Run after every feature's handlers, so only truly unknown commands land here."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    # Buttons no feature claims: forged data or menus of an older bot version.
    application.add_handler(CallbackQueryHandler(expired_button))


FEATURE = Feature(COMMANDS, register)
