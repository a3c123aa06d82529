"""/progress (text and chart) and the learning figures /stats adds, end to end through the
fake Bot API. Both backends."""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import AsyncIterator

import pytest

from bot.formatting import clip, esc
from bot.handlers.admin import MESSAGE_LIMIT, fit
from bot.handlers.progress import CHART_CAPTION, FIRST_STEPS, NOT_SUBSCRIBED, STREAK_RULE_LINE
from bot.progress_chart import HEIGHT_PX, WIDTH_PX
from content import Library
from devtools.fakebotapi import FakeBotAPI
from storage import history, learning
from storage.deliveries import Kind
from storage.models import Delivery
from tests.harness import BotHarness, start_harness, stop_harness
from tests.test_e2e_quiz import (
    NOW,
    answer,
    current_quiz,
    set_clock,
    subscribe_with_tips,
    wrong_option,
)

CHAT = 1001
ADMIN = 4242


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_progress_for_a_stranger_and_a_new_subscriber(bot: BotHarness) -> None:
    assert [r.text for r in await bot.send("/progress", chat_id=4242)] == [NOT_SUBSCRIBED]
    await bot.send("/start")
    replies = await bot.send("/progress")
    assert [(r.method, r.text) for r in replies] == [("sendMessage", FIRST_STEPS)]
    assert bot.api.photos(CHAT) == []


async def test_progress_shows_the_streak_results_and_a_chart(bot: BotHarness) -> None:
    set_clock(bot, NOW)
    await subscribe_with_tips(bot)
    [question] = await bot.send("/quiz")
    first = await current_quiz(bot)
    [_, question] = (await answer(bot, question, first.correct))[0]
    second = await current_quiz(bot)
    [_, question] = (await answer(bot, question, wrong_option(second)))[0]
    third = await current_quiz(bot)
    await answer(bot, question, third.correct)

    replies = await bot.send("/progress")
    assert [r.method for r in replies] == ["sendMessage", "sendPhoto"]
    text = replies[0].text
    assert "🔥 Streak: <b>1 day</b>" in text
    assert esc(STREAK_RULE_LINE) in text
    assert "🧠 Quiz questions answered: <b>3</b>, 2 right (67%)" in text
    topics = {bot.library.tip(q.tip).topic for q in (first, second, third)}
    for topic in topics:
        assert f"• {esc(topic.label)}: " in text
    assert f"💡 Tips seen: <b>3</b> of {len(bot.library.tips)}" in text
    # The missed question is due again tomorrow.
    assert "📅 Next review: tomorrow." in text
    assert replies[1].text == CHART_CAPTION
    [chart] = bot.api.photos(CHAT)
    assert png_size(chart) == (WIDTH_PX, HEIGHT_PX)

    # A week later the streak has ended (days with a tip left untouched are not in the
    # ledger here: /tip is not a delivery), and the review is due.
    set_clock(bot, NOW + dt.timedelta(days=8))
    later = (await bot.send("/progress"))[0].text
    assert "📅 Next review: due now: send /quiz." in later


# ---------------------------------------------------------------- /stats


@pytest.fixture
async def admin_bot(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> AsyncIterator[BotHarness]:
    harness = await start_harness(fake_api, database_url, library, admin_ids=frozenset({ADMIN}))
    try:
        yield harness
    finally:
        await stop_harness(harness)


async def test_stats_shows_tip_rates_question_accuracy_learners_and_streaks(
    admin_bot: BotHarness,
) -> None:
    bot = admin_bot
    set_clock(bot, NOW)
    today = NOW.date()
    library = bot.library
    liked, disliked = library.tips[0], library.tips[1]
    learners = [101, 102, 103, 104, 105]
    for chat_id in learners:
        await bot.send("/start", chat_id=chat_id)
    async with bot.db.session() as session:
        await history.record(session, [history.Shown(c, Kind.TIP, liked.id, 1) for c in learners])
        for n, chat_id in enumerate(learners):
            session.add(
                Delivery(chat_id=chat_id, local_date=today, kind="tip", item_id=liked.id,
                         status="sent", due_at=NOW, sent_at=NOW, attempts=1)
            )  # fmt: skip
            await learning.record_tip_action(
                session, chat_id, 10, liked.id, learning.TipAction.VOTE, helpful=n < 4,
                user_id=chat_id, local_date=today,
            )  # fmt: skip
        await learning.record_tip_action(
            session, 101, 11, disliked.id, learning.TipAction.VOTE, helpful=False,
            user_id=101, local_date=today,
        )  # fmt: skip
        await learning.record_tip_action(
            session, 102, 10, liked.id, learning.TipAction.MORE, user_id=102, local_date=today
        )
    # Four of five learners miss the first question of the tip: possibly confusing.
    for n, chat_id in enumerate(learners):
        [question] = await bot.send("/quiz", chat_id=chat_id)
        quiz = await current_quiz(bot, chat_id)
        option = quiz.correct if n == 0 else wrong_option(quiz)
        await answer(bot, question, option, chat_id=chat_id)
    confusing = library.quizzes_for_tip(liked.id)[0]

    [reply] = await bot.send("/stats", chat_id=ADMIN)
    text = reply.text
    assert len(text) <= MESSAGE_LIMIT
    assert "<b>Tip buttons</b>" in text
    liked_line = next(line for line in text.splitlines() if esc(clip(liked.title, 50)) in line)
    assert "👍 4 · 👎 1 (80% 👍) · 📖 1 of 5 sent (20%)" in liked_line
    assert "👍 0 · 👎 1 (0% 👍) · 📖 0 of 0 sent (0%)" in text
    assert text.index("Most liked:") < text.index(esc(clip(liked.title, 50)))
    assert text.index("Least liked:") < text.index(esc(clip(disliked.title, 50)))
    assert "<b>Quiz questions</b>: 5 answers, 20% right" in text
    question_line = next(
        line for line in text.splitlines() if esc(clip(confusing.question, 60)) in line
    )
    assert question_line.endswith("1 of 5 right (20%) ⚠️ possibly confusing")
    assert "<b>Learners</b>: 5 active in the last 7 days" in text
    assert "Streaks (days): 0: 0 · 1-2: 5 · 3-6: 0 · 7-13: 0 · 14+: 0" in text


async def test_stats_learning_section_when_nothing_happened(admin_bot: BotHarness) -> None:
    [reply] = await admin_bot.send("/stats", chat_id=ADMIN)
    assert "no votes yet" in reply.text
    assert "<b>Quiz questions</b>: 0 answers, 0% right" in reply.text
    assert "<b>Learners</b>: 0 active in the last 7 days" in reply.text


def test_a_long_stats_message_is_cut_at_a_line() -> None:
    lines = [f"<b>line {n}</b> " + "x" * 90 for n in range(100)]
    text = fit(lines)
    assert len(text) <= MESSAGE_LIMIT and text.endswith("\n…")
    assert all(line.startswith("<b>") and "</b>" in line for line in text.splitlines()[:-1])
    assert fit(["short"]) == "short"
