"""/ask and plain private text: answers from the FAQ, urgent-care advice first when needed.

Callback data (all under Telegram's 64 bytes; FAQ ids are at most 48 characters):
  ask:<faq id>      show that entry's answer (related / closest-question buttons)
  vote:<+|->:<id>   👍 / 👎 on the answer message the buttons sit under
  vote:done         the already-recorded marker
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import CommandInfo, Feature
from bot.formatting import clip, esc
from bot.services import Services, services_of
from content import FaqEntry, Library
from content.answering import Answer, AnswerKind
from storage import feedback

log = logging.getLogger(__name__)

COMMANDS = [CommandInfo("ask", "ask a question about magnesium and muscles")]

SHOW = "ask:"
VOTE = "vote:"
VOTED = "vote:done"
EXPIRED = "This button has expired. Send /ask with your question."
# Shown by /ask alone, and when nothing comes close to a question.
EXAMPLE_IDS = ("night-leg-cramps", "best-magnesium-foods", "magnesium-for-sleep")
BUTTON_LABEL = 60
QUOTE = 60

HOW_TO_ASK = (
    "❓ <b>Ask me about magnesium and your muscles.</b>\n"
    "Write your question after /ask, or in a private chat just type it, the way you would "
    "ask a friend. For example:"
)


def examples(library: Library) -> list[FaqEntry]:
    known = {entry.id for entry in library.faq}
    chosen = [library.faq_entry(i) for i in EXAMPLE_IDS if i in known]
    return chosen or list(library.faq[:3])


def question_buttons(entries: list[FaqEntry] | tuple[FaqEntry, ...]) -> list[list[Any]]:
    return [
        [InlineKeyboardButton(f"❓ {clip(e.question, BUTTON_LABEL)}", callback_data=SHOW + e.id)]
        for e in entries
    ]


def answer_markup(library: Library, entry: FaqEntry) -> InlineKeyboardMarkup:
    related = [library.faq_entry(i) for i in entry.related[:3]]
    votes = [
        InlineKeyboardButton("👍", callback_data=f"{VOTE}+:{entry.id}"),
        InlineKeyboardButton("👎", callback_data=f"{VOTE}-:{entry.id}"),
    ]
    return InlineKeyboardMarkup([*question_buttons(related), votes])


def answer_text(library: Library, entry: FaqEntry) -> str:
    text = f"<b>{esc(entry.question)}</b>\n\n{esc(entry.answer)}"
    if entry.disclaimer:
        text += f"\n\n<i>{esc(library.disclaimer)}</i>"
    return text


def urgent_text(library: Library, answer: Answer) -> str:
    signs = ", ".join(flag.label.lower() for flag in answer.red_flags)
    return f"🚨 <b>{esc(library.urgent_message)}</b>\n\n<i>What I noticed: {esc(signs)}.</i>"


def no_answer_text(question: str) -> str:
    quoted = esc(clip(question, QUOTE))
    return (
        f"🤔 Sorry, I don't have an answer for “{quoted}”. I only know about magnesium and "
        "muscles, and I would rather say so than guess.\n\n"
        "Maybe one of these questions helps. You can also try /foods for magnesium-rich "
        "foods, or /help for everything I can do."
    )


async def send_answer(message: Message, svc: Services, entry: FaqEntry) -> None:
    await message.reply_text(
        answer_text(svc.library, entry), reply_markup=answer_markup(svc.library, entry)
    )
    svc.served.add(entry.id)


async def answer_question(message: Message, svc: Services, question: str) -> None:
    answer = svc.answerer.answer(question)
    svc.metrics.observe_answer(answer.confidence)
    if answer.kind is AnswerKind.URGENT:
        await message.reply_text(urgent_text(svc.library, answer))
    if answer.entry is not None:
        await send_answer(message, svc, answer.entry)
        return
    if answer.kind is AnswerKind.URGENT:
        return
    closest = list(answer.alternatives) or examples(svc.library)
    await message.reply_text(
        no_answer_text(question), reply_markup=InlineKeyboardMarkup(question_buttons(closest))
    )
    async with svc.db.session() as session:
        await feedback.record_unanswered(session, message.chat_id, question, answer.confidence)


def _question_of(text: str) -> str:
    """The words after /ask (or /ask@SomeBot)."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services_of(context)
    question = _question_of(message.text or "")
    if not question:
        markup = InlineKeyboardMarkup(question_buttons(examples(svc.library)))
        await message.reply_text(HOW_TO_ASK, reply_markup=markup)
        return
    await answer_question(message, svc, question)


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    await answer_question(message, services_of(context), message.text)


async def show_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    svc = services_of(context)
    entry_id = (query.data or "").removeprefix(SHOW)
    if not _known(svc.library, entry_id) or not isinstance(query.message, Message):
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    await send_answer(query.message, svc, svc.library.faq_entry(entry_id))


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    if query.data == VOTED:
        await query.answer("Your vote is already recorded. Thanks!")
        return
    svc = services_of(context)
    sign, _, entry_id = (query.data or "").removeprefix(VOTE).partition(":")
    message = query.message
    # An inaccessible message (deleted, or too old for Telegram to show) cannot carry a
    # vote: its answer is gone, so a press on it is as stale as a forged one.
    if sign not in "+-" or not sign or not _known(svc.library, entry_id):
        await query.answer(EXPIRED, show_alert=True)
        return
    if not isinstance(message, Message) or not message.is_accessible:
        await query.answer(EXPIRED, show_alert=True)
        return
    async with svc.db.session() as session:
        result = await feedback.record_vote(
            session, message.chat.id, message.message_id, entry_id, helpful=sign == "+"
        )
    if result is feedback.Vote.ALREADY:
        await query.answer("You already rated this answer. Thanks!")
        return
    await query.answer("Thanks!")
    entry = svc.library.faq_entry(entry_id)
    related = [svc.library.faq_entry(i) for i in entry.related[:3]]
    label = "👍 Thanks for the feedback!" if sign == "+" else "👎 Thanks, we'll improve it!"
    done = [InlineKeyboardButton(label, callback_data=VOTED)]
    with contextlib.suppress(BadRequest):  # the message was deleted after the tap
        await message.edit_reply_markup(InlineKeyboardMarkup([*question_buttons(related), done]))


def _known(library: Library, entry_id: str) -> bool:
    try:
        library.faq_entry(entry_id)
    except KeyError:
        return False
    return True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("ask", ask_command))
    # Groups get answers only through /ask: the bot must not reply to every group message.
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private_text, ask_text))
    application.add_handler(CallbackQueryHandler(show_entry, pattern=rf"^{SHOW}"))
    application.add_handler(CallbackQueryHandler(vote, pattern=rf"^{VOTE}"))


FEATURE = Feature(COMMANDS, register)
