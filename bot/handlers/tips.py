"""/tip: the next tip right now, counted in the chat's rotation like a scheduled one."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.services import AnyApplication, services_of
from scheduler.buttons import tip_keyboard
from scheduler.ondemand import next_tip_text

COMMANDS = [CommandInfo("tip", "the next tip right now")]

NOT_SUBSCRIBED_HINT = "<i>Send /start to get a tip like this every day.</i>"
NO_TIPS = "I have no tips for your chosen topics yet. Pick more topics with /settings."


async def tip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    svc = services_of(context)
    result = await next_tip_text(svc.db, svc.library, chat.id)
    if result is None:
        await message.reply_text(NO_TIPS, parse_mode=ParseMode.HTML)
        return
    if not result.known:
        # No buttons: a chat we do not know has nowhere to keep a vote or a Later.
        text = f"{result.text}\n\n{NOT_SUBSCRIBED_HINT}"
        await message.reply_text(text, parse_mode=ParseMode.HTML)
        return
    # The same buttons as the daily tip (bot/handlers/tip_actions.py reads them back).
    markup = tip_keyboard(svc.codec, chat.id, result.tip_id)
    await message.reply_text(result.text, parse_mode=ParseMode.HTML, reply_markup=markup)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("tip", tip))


FEATURE = Feature(COMMANDS, register)
