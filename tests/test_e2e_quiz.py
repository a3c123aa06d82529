"""/quiz end to end through the fake Bot API: a round question by question, the result of
each answer, the summary, and every press that must store nothing (double taps, an expired
round, forged, foreign and malformed data) plus stray poll answers. Both backends."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from bot.formatting import esc
from bot.handlers.quiz import ALREADY, EXPIRED, NO_TIPS_YET, NOT_SUBSCRIBED, STALE
from bot.menus.kit import STALE_BUTTON
from bot.services import attach, services_in
from content import Quiz
from runtime.signing import base36
from scheduler.buttons import QUIZ_FAMILY
from storage.models import LearningDay, QuizAnswer, QuizCard, QuizRound, TipReaction
from tests.harness import BotHarness, Reply
from tests.menu_helpers import tap

CHAT = 1001
OTHER = 2002
# A fixed instant, so "tomorrow" in the tests is a known day.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def set_clock(bot: BotHarness, instant: dt.datetime) -> None:
    """Run the bot's learning features at `instant` (bot.services.Services.clock)."""
    services = services_in(bot.application)
    attach(bot.application, replace(services, clock=lambda: instant))


async def subscribe_with_tips(bot: BotHarness, chat_id: int = CHAT, tips: int = 3) -> None:
    await bot.send("/start", chat_id=chat_id)
    for _ in range(tips):
        await bot.send("/tip", chat_id=chat_id)


async def rounds(bot: BotHarness, chat_id: int = CHAT) -> list[QuizRound]:
    async with bot.db.session() as session:
        found = await session.scalars(
            select(QuizRound).where(QuizRound.chat_id == chat_id).order_by(QuizRound.id)
        )
        return list(found)


async def count(bot: BotHarness, column: InstrumentedAttribute[int], chat_id: int = CHAT) -> int:
    """Rows of `column`'s table that belong to `chat_id` (column: the table's chat_id)."""
    async with bot.db.session() as session:
        return int(await session.scalar(select(func.count()).where(column == chat_id)) or 0)


async def current_quiz(bot: BotHarness, chat_id: int = CHAT) -> Quiz:
    latest = (await rounds(bot, chat_id))[-1]
    return bot.library.quiz(latest.quiz_ids[latest.position])


def letter(index: int) -> str:
    return "ABCD"[index]


def wrong_option(quiz: Quiz) -> int:
    return next(i for i in range(len(quiz.options)) if i != quiz.correct)


async def answer(
    bot: BotHarness, question: Reply, option: int, chat_id: int = CHAT
) -> tuple[list[Reply], str]:
    """Press option `option` on the last question message; the replies and the toast."""
    data = question.button(letter(option))
    replies, answered = await bot.press(chat_id, bot.last_message_id(chat_id), data)
    assert answered is not None
    return replies, str(answered.params.get("text") or "")


async def test_a_round_shows_each_result_then_the_next_question_then_the_summary(
    bot: BotHarness,
) -> None:
    set_clock(bot, NOW)
    await subscribe_with_tips(bot)
    [question] = await bot.send("/quiz")
    assert "🧠 <b>Quiz</b> · question 1 of 3" in question.text
    first = await current_quiz(bot)
    assert esc(first.question) in question.text
    assert [label for label, _ in question.buttons] == [
        letter(i) for i in range(len(first.options))
    ]

    replies, toast = await answer(bot, question, first.correct)
    assert toast == "✅ Right!"
    assert [r.method for r in replies] == ["editMessageText", "sendMessage"]
    result, second_question = replies
    assert "✅ Right: <b>" + letter(first.correct) in result.text
    assert f"From the tip: {esc(bot.library.tip(first.tip).title)}" in result.text
    assert esc(first.explanation) in result.text
    assert "reply_markup" not in result.params or not result.buttons
    assert "question 2 of 3" in second_question.text

    second = await current_quiz(bot)
    missed = wrong_option(second)
    replies, toast = await answer(bot, second_question, missed)
    assert toast == "❌ Not quite"
    result, third_question = replies
    assert f"❌ You chose {letter(missed)}." in result.text
    assert f"The right answer: <b>{letter(second.correct)}." in result.text
    assert not result.buttons and "question 3 of 3" in third_question.text

    third = await current_quiz(bot)
    replies, _ = await answer(bot, third_question, third.correct)
    assert [r.method for r in replies] == ["editMessageText", "sendMessage"]
    assert replies[1].text == (
        "🏁 <b>2 of 3 right.</b> Missed questions come back in your next quiz. "
        "/progress shows your streak."
    )
    assert not replies[1].buttons

    [done] = await rounds(bot)
    assert (done.status, done.position, done.correct) == ("done", 3, 2)
    assert await count(bot, QuizAnswer.chat_id) == 3
    assert await count(bot, LearningDay.chat_id) == 1
    async with bot.db.session() as session:
        card = await session.get(QuizCard, (CHAT, second.id))
    assert card is not None and card.box == 1
    assert card.due_on == NOW.date() + dt.timedelta(days=1)

    # The next day the missed question comes first.
    set_clock(bot, NOW + dt.timedelta(days=1))
    [again] = await bot.send("/quiz")
    assert "question 1 of" in again.text
    assert (await current_quiz(bot)).id == second.id


async def test_a_double_tap_is_answered_once(bot: BotHarness) -> None:
    await subscribe_with_tips(bot)
    [question] = await bot.send("/quiz")
    quiz = await current_quiz(bot)
    data = question.button(letter(quiz.correct))
    message_id = bot.last_message_id(CHAT)
    first, _ = await bot.press(CHAT, message_id, data)
    assert len(first) == 2
    again, toast = await bot.press(CHAT, message_id, data)
    assert again == []
    assert toast is not None and toast.params.get("text") == ALREADY
    # Another option on the same question is no second answer either.
    other = question.button(letter(wrong_option(quiz)))
    again, toast = await bot.press(CHAT, message_id, other)
    assert again == [] and toast is not None and toast.params.get("text") == ALREADY
    assert await count(bot, QuizAnswer.chat_id) == 1
    [open_round] = await rounds(bot)
    assert (open_round.position, open_round.correct) == (1, 1)


async def test_a_newer_quiz_expires_the_older_one(bot: BotHarness) -> None:
    await subscribe_with_tips(bot)
    [old] = await bot.send("/quiz")
    old_id = bot.last_message_id(CHAT)
    await bot.send("/quiz")
    replies, toast = await bot.press(CHAT, old_id, old.button("A"))
    assert replies == []
    assert toast is not None and toast.params.get("text") == EXPIRED
    assert await count(bot, QuizAnswer.chat_id) == 0
    assert [r.status for r in await rounds(bot)] == ["expired", "open"]


async def test_forged_foreign_and_malformed_presses_store_nothing(bot: BotHarness) -> None:
    await subscribe_with_tips(bot)
    await subscribe_with_tips(bot, OTHER, tips=1)
    [question] = await bot.send("/quiz")
    [theirs] = await bot.send("/quiz", chat_id=OTHER)
    message_id = bot.last_message_id(CHAT)
    codec = services_in(bot.application).codec
    mine = (await rounds(bot))[-1]
    their_round = (await rounds(bot, OTHER))[-1]
    valid = question.button("A")
    body, _, mac = valid.rpartition("|")
    forged = [
        # An edited option keeps the old signature.
        body[:-1] + "2|" + mac,
        "qz|1|0|0|AAAAAAAAAA",
        "qz|" + "9" * 60,
        "qz",
        # Signed right, but for the other chat (a button copied from there).
        theirs.button("A"),
        codec.sign(OTHER, QUIZ_FAMILY, base36(mine.id), "0", "0"),
        # Signed for this chat but naming the other chat's round.
        codec.sign(CHAT, QUIZ_FAMILY, base36(their_round.id), "0", "0"),
        # Signed for this chat, but no such option, position or round.
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id), "0", "7"),
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id), "5", "0"),
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id + 1000), "0", "0"),
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id), "0"),
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id), "0", "x"),
        codec.sign(CHAT, QUIZ_FAMILY, "-1", "0", "0"),
        codec.sign(CHAT, QUIZ_FAMILY, base36(mine.id), "0", "0", "0"),
    ]
    for data in forged:
        replies, toast = await bot.press(CHAT, message_id, data)
        assert replies == [], data
        assert toast is not None and toast.params.get("text") in {STALE, STALE_BUTTON}, data
    for chat_id in (CHAT, OTHER):
        assert await count(bot, QuizAnswer.chat_id, chat_id) == 0
        assert await count(bot, LearningDay.chat_id, chat_id) == 0
        assert await count(bot, QuizCard.chat_id, chat_id) == 0
    assert [r.position for r in await rounds(bot)] == [0]


async def test_quiz_before_any_tip_and_for_a_stranger(bot: BotHarness) -> None:
    assert [r.text for r in await bot.send("/quiz", chat_id=4242)] == [NOT_SUBSCRIBED]
    await bot.send("/start")
    assert [r.text for r in await bot.send("/quiz")] == [NO_TIPS_YET]
    assert await rounds(bot) == []
    # One tip is enough for a (shorter) quiz on it.
    await bot.send("/tip")
    [question] = await bot.send("/quiz")
    assert "🧠 <b>Quiz</b> · question 1 of" in question.text


async def test_stray_poll_answers_are_ignored(bot: BotHarness) -> None:
    await subscribe_with_tips(bot, tips=1)
    mark = len(bot.api.calls)
    for user_id in (CHAT, 777):  # a subscriber, and someone who never wrote to the bot
        update_id = bot.api.inject_update(
            {
                "poll_answer": {
                    "poll_id": "5012345678901234567",
                    "user": {"id": user_id, "is_bot": False, "first_name": "Eve"},
                    "option_ids": [0],
                }
            }
        )
        await bot.processed(update_id)
    update_id = bot.api.inject_update(
        {
            "poll": {
                "id": "5012345678901234567",
                "question": "Which?",
                "options": [{"text": "A", "voter_count": 1}, {"text": "B", "voter_count": 0}],
                "total_voter_count": 1,
                "is_closed": False,
                "is_anonymous": False,
                "type": "quiz",
                "allows_multiple_answers": False,
                "correct_option_id": 0,
            }
        }
    )
    await bot.processed(update_id)
    assert [c.method for c in bot.api.calls[mark:] if c.method != "getUpdates"] == []
    for chat_id in (CHAT, 777):
        assert await rounds(bot, chat_id) == []
        assert await count(bot, QuizAnswer.chat_id, chat_id) == 0
        assert await count(bot, LearningDay.chat_id, chat_id) == 0


async def test_what_learning_stores_is_in_mydata_and_gone_after_forget(bot: BotHarness) -> None:
    await bot.send("/start")
    [tip] = await bot.send("/tip")
    await bot.press(CHAT, bot.last_message_id(CHAT), tip.button("👍"))
    [question] = await bot.send("/quiz")
    await answer(bot, question, wrong_option(await current_quiz(bot)))
    learning = {
        "tip_reactions": TipReaction.chat_id,
        "learning_days": LearningDay.chat_id,
        "quiz_cards": QuizCard.chat_id,
        "quiz_rounds": QuizRound.chat_id,
        "quiz_answers": QuizAnswer.chat_id,
    }

    await bot.send("/mydata")
    data = json.loads(bot.api.calls_for("sendDocument")[-1].files["document"].data)
    for name, column in learning.items():
        assert len(data[name]) == await count(bot, column) >= 1, name
        assert all(row["chat_id"] == CHAT for row in data[name]), name
    assert data["tip_reactions"][0]["helpful"] is True
    assert data["quiz_answers"][0]["correct"] is False

    await bot.send("/forget")
    _, toast = await tap(bot, CHAT, "Yes, delete")
    assert toast == "Deleted"
    for name, column in learning.items():
        assert await count(bot, column) == 0, name
