"""/progress: the streak and its rule, quiz results by topic, tips seen, the next review, and
a chart of the last 8 weeks (bot.progress_chart) sent as a photo."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.formatting import counted, esc
from bot.progress_chart import Week, render_async
from bot.services import AnyApplication, services_of
from content import Topic
from storage import intake, learning
from storage.learning import Progress
from storage.models import Chat

COMMANDS = [CommandInfo("progress", "your streak, quiz results and a chart")]

# The rule as the design states it; /pause shows it too (bot.handlers.pause).
STREAK_RULE = (
    "A day counts when you press a button on a tip or answer a quiz question. Days when "
    "nothing was sent to you (your schedule's days off, or while paused) don't break your "
    "streak; a day with a tip or quiz that you left untouched does. Today still counts until "
    "midnight."
)
# The same rule in one line, under the streak in /progress.
STREAK_RULE_LINE = (
    "A day counts when you tap a tip button or answer a quiz question; days with nothing "
    "sent to you (days off, pauses) don't break it, and today counts until midnight."
)
NOT_SUBSCRIBED = "Send /start to subscribe: your progress starts with your first tip."
FIRST_STEPS = (
    "🌱 Nothing to show yet, and that's fine: every journey starts somewhere.\n"
    "Tap 👍 or 👎 on your next tip, or try /quiz once you've had a tip or two "
    "(/tip sends one now). Your streak and chart appear here."
)
CHART_CAPTION = (
    "Your last 8 weeks: quiz answers right (green) and missed (red), and active days (blue)."
)


def _percent(part: int, whole: int) -> int:
    return round(part / whole * 100) if whole else 0


def _topic_label(topic: str) -> str:
    try:
        return Topic(topic).label
    except ValueError:
        return topic.replace("_", " ")


def _review_text(next_review: dt.date | None, today: dt.date) -> str:
    if next_review is None:
        return "none yet: questions come from the tips you receive."
    if next_review <= today:
        return "due now: send /quiz."
    if next_review == today + dt.timedelta(days=1):
        return "tomorrow."
    return f"{next_review:%a %d %b}."


def is_empty(progress: Progress) -> bool:
    """Nothing to report: no tip seen, nothing answered or pressed."""
    return (
        progress.tips_seen == 0
        and progress.quizzes_answered == 0
        and progress.streak == 0
        and not any(week.answered or week.active_days for week in progress.weeks)
    )


def progress_text(progress: Progress, today: dt.date) -> str:
    answered, right = progress.quizzes_answered, progress.correct
    lines = [
        "📈 <b>Your progress</b>",
        "",
        f"🔥 Streak: <b>{counted(progress.streak, 'day')}</b>",
        f"<i>{esc(STREAK_RULE_LINE)}</i>",
        "",
    ]
    if answered:
        lines.append(
            f"🧠 Quiz questions answered: <b>{answered}</b>, "
            f"{right} right ({_percent(right, answered)}%)"
        )
        by_topic = sorted(
            progress.by_topic.items(), key=lambda item: (-item[1][1], _topic_label(item[0]))
        )
        lines += [
            f"• {esc(_topic_label(topic))}: {good} of {total} ({_percent(good, total)}%)"
            for topic, (good, total) in by_topic
            if total
        ]
    else:
        lines.append("🧠 No quiz questions answered yet: /quiz asks about your tips.")
    lines += [
        "",
        f"💡 Tips seen: <b>{progress.tips_seen}</b> of {progress.tips_total}",
        f"📅 Next review: {_review_text(progress.next_review, today)}",
    ]
    return "\n".join(lines)


def chart_weeks(progress: Progress) -> list[Week]:
    return [Week(w.start, w.correct, w.answered - w.correct, w.active_days) for w in progress.weeks]


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services_of(context)
    async with svc.db.session() as session:
        row = await session.get(Chat, chat.id)
        if row is None:
            found = None
        else:
            today = intake.local_day(row.timezone, svc.now())
            found = await learning.progress(session, chat.id, today, svc.library)
    if found is None:
        await message.reply_text(NOT_SUBSCRIBED)
        return
    if is_empty(found):
        await message.reply_text(FIRST_STEPS)
        return
    await message.reply_text(progress_text(found, today))
    weeks = chart_weeks(found)
    if any(week.right or week.missed or week.active_days for week in weeks):
        chart = await render_async(weeks)
        await message.reply_photo(chart, caption=CHART_CAPTION)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("progress", progress_command))


FEATURE = Feature(COMMANDS, register)
