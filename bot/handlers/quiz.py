"""/quiz and the answer buttons of every quiz question, scheduled or asked for.

A round is a few questions on tips the chat has received (storage.learning chooses them by
Leitner box). Each question is its own message with one row of letter buttons (scheduler.
buttons.quiz_message); a press is verified (signed for this chat, family `qz`), stored once
(storage.learning.answer), and then the question message turns into its result (no buttons
left to tap twice) and the next question or the round's summary follows.

Callback data: `qz|<round id, base 36>|<position>|<option index>|<mac>`.

Telegram's quiz polls are not used (docs/learning.md says why), so `poll_answer` updates can
only be strays: they are dropped without a reply and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
    PollHandler,
)

from bot.commands import CommandInfo, Feature
from bot.formatting import esc
from bot.menus.edits import edit_in_place
from bot.menus.kit import pressed
from bot.services import AnyApplication, Services, services_of
from content import Library
from scheduler.buttons import (
    LETTERS,
    QUIZ_FAMILY,
    QUIZ_HEADING,
    WEEKLY_QUIZ_HEADING,
    quiz_message,
)
from storage import intake, learning
from storage.learning import AnswerOutcome, QuizRound, Source
from storage.models import Chat

log = logging.getLogger(__name__)

COMMANDS = [CommandInfo("quiz", "a quick quiz on the tips you've had")]

ROUND_SIZE = 3
HEADINGS = {Source.COMMAND: QUIZ_HEADING, Source.SCHEDULED: WEEKLY_QUIZ_HEADING}

NO_TIPS_YET = "Quizzes ask about tips you've had; send /tip to get your first one."
NOT_SUBSCRIBED = (
    "Quizzes ask about the tips I send you. Send /start to subscribe, then /tip for your first one."
)
# Short answers to a press that stores nothing (shown as a toast above the chat).
ALREADY = "You already answered this question."
EXPIRED = "This quiz has ended. Send /quiz for a new one."
STALE = "This button is no longer valid. Send /quiz for a new quiz."
CHANGED = "The quiz questions have just been updated. Send /quiz for a new quiz."
RIGHT_TOAST = "✅ Right!"
WRONG_TOAST = "❌ Not quite"

# What a button carries, checked before anything is looked up (ASCII digits only).
_ROUND_ID = re.compile(r"[1-9a-z][0-9a-z]{0,12}")
_SMALL_NUMBER = re.compile(r"[0-9]")


def _local_today(svc: Services, chat: Chat) -> dt.date:
    return intake.local_day(chat.timezone, svc.now())


async def quiz_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services_of(context)
    async with svc.db.session() as session:
        row = await session.get(Chat, chat.id)
        if row is None:
            refusal, round_ = NOT_SUBSCRIBED, None
        else:
            refusal = NO_TIPS_YET
            round_ = await learning.start_round(
                session,
                chat.id,
                _local_today(svc, row),
                ROUND_SIZE,
                svc.library,
                source=Source.COMMAND,
            )
    if round_ is None:
        await message.reply_text(refusal)
        return
    text, markup = quiz_message(
        svc.codec, chat.id, round_, svc.library, heading=HEADINGS[Source.COMMAND]
    )
    await message.reply_text(text, reply_markup=markup)


def _parse(fields: tuple[str, ...]) -> tuple[int, int, int] | None:
    """(round id, position, option) from a verified press, or None if malformed."""
    if len(fields) != 3:
        return None
    round_id, position, option = fields
    if not _ROUND_ID.fullmatch(round_id) or not all(
        _SMALL_NUMBER.fullmatch(n) for n in (position, option)
    ):
        return None
    return int(round_id, 36), int(position), int(option)


def _option_line(options: tuple[str, ...], index: int) -> str:
    return f"{LETTERS[index]}. {esc(options[index])}"


def answered_text(
    library: Library, round_: QuizRound, position: int, chosen: int, right: bool
) -> str:
    """The question message once answered: what was chosen, the right answer and why."""
    quiz = library.quiz(round_.quiz_ids[position])
    heading = HEADINGS.get(round_.source, QUIZ_HEADING)
    lines = [
        f"🧠 <b>{esc(heading)}</b> · question {position + 1} of {len(round_.quiz_ids)}",
        "",
        esc(quiz.question),
        "",
    ]
    if right:
        lines.append(f"✅ Right: <b>{_option_line(quiz.options, quiz.correct)}</b>")
    else:
        lines.append(f"❌ You chose {_option_line(quiz.options, chosen)}")
        lines.append(f"The right answer: <b>{_option_line(quiz.options, quiz.correct)}</b>")
    lines += ["", esc(quiz.explanation)]
    try:
        title = library.tip(quiz.tip).title
    except KeyError:
        title = None
    if title is not None:
        lines += ["", f"<i>From the tip: {esc(title)}</i>"]
    return "\n".join(lines)


def summary_text(round_: QuizRound) -> str:
    total = len(round_.quiz_ids)
    text = f"🏁 <b>{round_.correct} of {total} right.</b>"
    if round_.correct < total:
        text += " Missed questions come back in your next quiz."
    else:
        text += " 🎉 Well done!"
    return f"{text} /progress shows your streak."


async def quiz_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, chat = update.callback_query, update.effective_chat
    fields = await pressed(update, context, QUIZ_FAMILY, STALE)
    if query is None or chat is None or fields is None:
        return
    parsed = _parse(fields)
    if parsed is None:
        await query.answer(STALE)
        return
    round_id, position, option = parsed
    svc = services_of(context)
    user_id = update.effective_user.id if update.effective_user is not None else None
    async with svc.db.session() as session:
        row = await session.get(Chat, chat.id)
        if row is None:
            # After /forget: the round went with everything else.
            outcome = None
        else:
            outcome = await learning.answer(
                session,
                chat.id,
                round_id,
                position,
                option,
                user_id=user_id,
                local_date=_local_today(svc, row),
                library=svc.library,
            )
    if outcome is None or outcome.outcome is AnswerOutcome.UNKNOWN:
        await query.answer(STALE)
        return
    if outcome.outcome is AnswerOutcome.ALREADY:
        await query.answer(ALREADY)
        return
    if outcome.outcome is AnswerOutcome.EXPIRED:
        await query.answer(EXPIRED)
        return
    round_ = outcome.round
    assert round_ is not None and outcome.chosen is not None
    right = bool(outcome.right)
    # Answer first: it stops the button's spinner even if an edit below fails.
    await query.answer(RIGHT_TOAST if right else WRONG_TOAST)
    library = svc.library
    try:
        result = answered_text(library, round_, position, outcome.chosen, right)
    except KeyError:
        # The question left the content in a /reload since it was sent.
        result = None
    if result is not None and not await edit_in_place(query.message, result, None):
        await context.bot.send_message(chat.id, result)
    if round_.status == "done" or round_.position >= len(round_.quiz_ids):
        await context.bot.send_message(chat.id, summary_text(round_))
        return
    heading = HEADINGS.get(round_.source, QUIZ_HEADING)
    try:
        text, markup = quiz_message(svc.codec, chat.id, round_, library, heading=heading)
    except KeyError:
        # The next question left the content in a /reload; its answer would be refused.
        await context.bot.send_message(chat.id, CHANGED)
        return
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def stray_poll_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    # The bot sends no polls, so a poll or poll answer is nothing of ours: store nothing,
    # say nothing (a poll answer has no chat to reply in anyway).
    log.debug("ignored a poll update update_id=%s", update.update_id)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("quiz", quiz_command))
    application.add_handler(CallbackQueryHandler(quiz_pressed, pattern=rf"^{QUIZ_FAMILY}\|"))
    application.add_handler(PollAnswerHandler(stray_poll_update))
    application.add_handler(PollHandler(stray_poll_update))


FEATURE = Feature(COMMANDS, register)
