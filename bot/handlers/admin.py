"""Operator commands, for ADMIN_IDS only and in a private chat only: /stats, /reload and
/broadcast.

For anyone else they do not exist: their handlers' user filter does not match, so the
message falls through to the unknown-command reply, word for word what a typo gets. An
admin who types one in a group is told to use the private chat.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CommandHandler, ContextTypes, filters

from bot.commands import CommandInfo, Feature
from bot.formatting import clip, esc
from bot.handlers import broadcast
from bot.services import AnyApplication, attach, services_in, services_of
from content import ContentError, Library, load_library
from storage import broadcasts, learning, stats
from storage.broadcasts import BroadcastStatus
from storage.learning import LearningStats, QuestionStat, TipRate

log = logging.getLogger(__name__)

COMMANDS = [
    CommandInfo("stats", "subscribers, deliveries, questions, feedback and learning", public=False),
    CommandInfo("reload", "re-read and check the content files", public=False),
    CommandInfo("broadcast", "send a message to every subscriber", public=False),
]
# Telegram's limit for one message; /stats is cut at a line boundary to stay under it.
MESSAGE_LIMIT = 4096
# Tips and quiz questions listed at each end of a ranking in /stats.
RANKED = 3
HARDEST = 5
# Problems listed in a failed /reload; the rest are counted, `python -m content check` has all.
MAX_PROBLEMS_SHOWN = 10
ADMIN_COMMANDS = [command.name for command in COMMANDS]
PRIVATE_ONLY = (
    "🔒 Admin commands work only in our private chat, so the group does not see them. "
    "Send it to me there."
)


def admin_only(application: AnyApplication) -> filters.User:
    # allow_empty=False: with no ADMIN_IDS the filter matches nobody.
    return filters.User(user_id=services_in(application).settings.admin_ids, allow_empty=False)


def _count_line(label: str, counts: dict[str, int]) -> str:
    if not counts:
        return f"{label}: none"
    parts = ", ".join(f"{esc(k)} {v}" for k, v in sorted(counts.items()))
    return f"{label}: {parts}"


def _question(library: Library, faq_id: str) -> str:
    try:
        return clip(library.faq_entry(faq_id).question, 70)
    except KeyError:
        return f"{faq_id} (no longer in the FAQ)"


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services_of(context)
    await svc.served.flush()  # so the figures include the answers of the last seconds
    async with svc.db.session() as session:
        now = svc.now()
        figures = await stats.overview(session, now)
        learned = await learning.learning_stats(session, svc.library, now.date())
        latest = await broadcasts.recent(session, 1, statuses=[BroadcastStatus.QUEUED])
    by_status = figures.by_status
    lines = [
        "📊 <b>MagBot stats</b>",
        f"Subscribers: {figures.subscribers} (active {by_status.get('active', 0)}, "
        f"paused {figures.paused}, stopped {by_status.get('stopped', 0)}, "
        f"blocked {by_status.get('blocked', 0)})",
        _count_line("Deliveries today (UTC)", figures.deliveries_today),
        f"Latest broadcast: {esc(broadcast.progress_line(latest[0]))}"
        if latest
        else "Latest broadcast: none",
        "",
        "<b>Top questions</b>",
    ]
    library = svc.library
    if figures.top_questions:
        lines += [
            f"{n}. {esc(_question(library, faq_id))}: {count}"
            for n, (faq_id, count) in enumerate(figures.top_questions, start=1)
        ]
    else:
        lines.append("none answered yet")
    lines += ["", f"<b>Unanswered</b>: {figures.unanswered_total}"]
    lines += [f"• {esc(clip(text, 70))}" for text in figures.unanswered_recent]
    lines += ["", f"<b>Feedback</b>: 👍 {figures.helpful} · 👎 {figures.not_helpful}"]
    if figures.least_helpful:
        worst = ", ".join(
            f"{esc(_question(library, faq_id))} ({n})" for faq_id, n in figures.least_helpful
        )
        lines.append(f"Most 👎: {worst}")
    lines += learning_lines(learned, library)
    await message.reply_text(fit(lines), parse_mode=ParseMode.HTML)


def fit(lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """The lines joined, cut at a line boundary (so every HTML tag stays closed) to fit."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = len("…")
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, "…"])


def _percent(part: int, whole: int) -> int:
    return round(part / whole * 100) if whole else 0


def _tip_title(library: Library, tip_id: str) -> str:
    try:
        return clip(library.tip(tip_id).title, 50)
    except KeyError:
        return f"{tip_id} (no longer in the tips)"


def _tip_line(library: Library, rate: TipRate) -> str:
    votes = rate.up + rate.down
    return (
        f"• {esc(_tip_title(library, rate.tip_id))}: 👍 {rate.up} · 👎 {rate.down} "
        f"({_percent(rate.up, votes)}% 👍) · 📖 {rate.more} of {rate.sent} sent "
        f"({_percent(rate.more, rate.sent)}%)"
    )


def _quiz_question(library: Library, quiz_id: str) -> str:
    try:
        return clip(library.quiz(quiz_id).question, 60)
    except KeyError:
        return f"{quiz_id} (no longer in the quizzes)"


def _question_line(library: Library, stat: QuestionStat) -> str:
    line = (
        f"• {esc(_quiz_question(library, stat.quiz_id))}: {stat.correct} of {stat.answered} "
        f"right ({_percent(stat.correct, stat.answered)}%)"
    )
    return f"{line} ⚠️ possibly confusing" if stat.confusing else line


def _ends(ranked: list[TipRate]) -> tuple[list[TipRate], list[TipRate]]:
    """The best and (worst first) the worst few of a ranking, no tip listed twice: a short
    ranking splits in halves."""
    best = min(RANKED, (len(ranked) + 1) // 2)
    return ranked[:best], ranked[best:][-RANKED:][::-1]


def learning_lines(learned: LearningStats, library: Library) -> list[str]:
    """Tip buttons, quiz questions, weekly active learners and streaks, for /stats."""
    lines = ["", "<b>Tip buttons</b> (👍 share of votes; 📖 Tell me more per tip sent)"]
    voted = [rate for rate in learned.tips if rate.up + rate.down]
    by_votes = sorted(voted, key=lambda r: (-r.up / (r.up + r.down), -(r.up + r.down), r.tip_id))
    if by_votes:
        top, bottom = _ends(by_votes)
        lines.append("Most liked:")
        lines += [_tip_line(library, rate) for rate in top]
        if bottom:
            lines.append("Least liked:")
            lines += [_tip_line(library, rate) for rate in bottom]
    else:
        lines.append("no votes yet")
    more = sorted(
        (rate for rate in learned.tips if rate.more and rate.sent),
        key=lambda r: (-r.more / r.sent, -r.more, r.tip_id),
    )
    if more:
        lines.append("Most 📖 Tell me more:")
        lines += [_tip_line(library, rate) for rate in more[:RANKED]]
    answered = [stat for stat in learned.questions if stat.answered]
    total = sum(stat.answered for stat in answered)
    right = sum(stat.correct for stat in answered)
    lines += ["", f"<b>Quiz questions</b>: {total} answers, {_percent(right, total)}% right"]
    hardest = sorted(
        answered,
        key=lambda s: (not s.confusing, s.correct / s.answered, -s.answered, s.quiz_id),
    )
    if hardest:
        lines.append("Hardest:")
        lines += [_question_line(library, stat) for stat in hardest[:HARDEST]]
    confusing = [stat for stat in hardest[HARDEST:] if stat.confusing]
    if confusing:
        lines.append(f"… and {len(confusing)} more flagged ⚠️ possibly confusing")
    streaks = " · ".join(f"{esc(bucket)}: {n}" for bucket, n in learned.streaks.items())
    lines += [
        "",
        f"<b>Learners</b>: {learned.weekly_active} active in the last 7 days",
        f"Streaks (days): {streaks or 'none'}",
    ]
    return lines


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services_of(context)
    try:
        # Parsing and indexing the YAML takes a moment; keep serving meanwhile.
        library = await asyncio.to_thread(load_library, svc.settings.content_dir)
    except ContentError as error:
        problems = error.problems
        shown = "\n".join(f"• {esc(str(p))}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        text = (
            f"❌ <b>Content not reloaded</b>: {len(problems)} problem(s). "
            f"I keep serving the content I had.\n{shown}"
        )
        if more > 0:
            text += f"\n… and {more} more (run <code>python -m content check</code>)"
        log.warning("content reload refused problems=%d", len(problems))
        await message.reply_text(text[:4000], parse_mode=ParseMode.HTML)
        return
    # One assignment swaps everything, so no handler sees half-old, half-new content.
    attach(context.application, svc.with_library(library))
    if svc.delivery is not None:
        svc.delivery.use_library(library)
    log.info("content reloaded tips=%d faq=%d foods=%d", *_sizes(library))
    tips, faq, foods = _sizes(library)
    await message.reply_text(
        f"✅ Content reloaded: {tips} tips, {faq} FAQ answers, {foods} foods.",
        parse_mode=ParseMode.HTML,
    )


def _sizes(library: Library) -> tuple[int, int, int]:
    return len(library.tips), len(library.faq), len(library.foods)


async def publish_admin_menu(application: AnyApplication) -> None:
    """Give each admin a menu with the admin commands too (Telegram's per-chat scope)."""
    svc = services_in(application)
    commands = [BotCommand(c.name, c.description) for c in svc.commands]
    for admin_id in sorted(svc.settings.admin_ids):
        try:
            await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:
            # Telegram knows no chat with an admin who never opened the bot; harmless.
            log.info("no admin menu for %s yet: %s", admin_id, error.message)


async def private_only(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(PRIVATE_ONLY)


def register(application: AnyApplication) -> None:
    admins = admin_only(application)
    # Only in the admin's private chat: /stats shows people's questions, and a group's
    # members would all read it.
    here = admins & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("stats", stats_command, filters=here))
    application.add_handler(CommandHandler("reload", reload_command, filters=here))
    application.add_handler(CommandHandler("broadcast", broadcast.broadcast_command, filters=here))
    # The admin typed one in a group: say where it works (others get "unknown command").
    application.add_handler(
        CommandHandler(ADMIN_COMMANDS, private_only, filters=admins & ~filters.ChatType.PRIVATE)
    )
    broadcast.register_buttons(application, admins.user_ids)


FEATURE = Feature(COMMANDS, register)
