"""A week of one subscriber's life, end to end: the real bot polling the fake Bot API and the
real delivery engine, both on one simulated clock (the engine is given each tick's instant;
the bot reads bot.services.Services.clock).

Monday: subscribes and gets the first tip with its buttons, taps 👍 (and again: counted once).
Tuesday: leaves the tip untouched, which breaks the streak. Wednesday: 📖 Tell me more, then
⏰ Later -> In an hour, and the tip comes back an hour later without a Later button.
Thursday to Saturday: a tap a day. Sunday, the quiz day: the tip and the weekly quiz; the
streak still stands before the first answer (today counts until midnight); one question
missed. Monday again: /quiz asks the missed question first; /progress shows a six-day
streak and its chart. Both backends.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest

from bot.handlers.progress import CHART_CAPTION
from bot.handlers.quiz import RIGHT_TOAST, WRONG_TOAST
from bot.handlers.tip_actions import ALREADY_RATED, NOTED
from bot.progress_chart import HEIGHT_PX, WIDTH_PX
from bot.services import attach, services_in
from content import Quiz
from devtools.fakebotapi.records import BotMessage
from scheduler.buttons import LATER_AGAIN_HEADING, WEEKLY_QUIZ_HEADING
from scheduler.engine import DeliveryEngine
from scheduler.schedule import next_due_for
from storage.models import Chat, LearningDay
from tests.harness import BotHarness, Reply
from tests.scheduler.helpers import ledger_rows, running_engine
from tests.test_e2e_progress import png_size
from tests.test_e2e_quiz import count, current_quiz, rounds, wrong_option

CHAT = 1001
MONDAY = dt.date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Day `day` of the week (0 = the first Monday) at hour:minute UTC (the chat's zone)."""
    return dt.datetime.combine(
        MONDAY + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=dt.UTC
    )


def button(message: BotMessage, label_part: str) -> str:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    for row in rows:
        for key in row:
            if label_part in key["text"]:
                return str(key["callback_data"])
    labels = [key["text"] for row in rows for key in row]
    raise AssertionError(f"no button like {label_part!r} in {labels}")


def labels(message: BotMessage) -> list[str]:
    return [
        key["text"]
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for key in row
    ]


@dataclass
class Week:
    bot: BotHarness
    engine: DeliveryEngine
    now: dt.datetime

    def messages(self) -> list[BotMessage]:
        return self.bot.api.messages(CHAT)

    async def tick(self, instant: dt.datetime) -> list[BotMessage]:
        """The engine's tick at `instant`; the messages it sent to the chat."""
        self.now = instant
        before = {m.message_id for m in self.messages()}
        await self.engine.tick(instant)
        return [m for m in self.messages() if m.message_id not in before]

    async def press(
        self, instant: dt.datetime, message: BotMessage, label_part: str
    ) -> tuple[list[Reply], str | None]:
        """A tap at `instant`; the bot's replies and the toast it answered with."""
        self.now = instant
        replies, answered = await self.bot.press(
            CHAT, message.message_id, button(message, label_part)
        )
        assert answered is not None
        toast = answered.params.get("text")
        return replies, None if toast is None else str(toast)

    async def send(self, instant: dt.datetime, text: str) -> list[Reply]:
        self.now = instant
        return await self.bot.send(text, chat_id=CHAT)

    def last(self) -> BotMessage:
        message = self.bot.api.last_message(CHAT)
        assert message is not None
        return message

    def current(self, message_id: int) -> BotMessage:
        return next(m for m in self.messages() if m.message_id == message_id)

    async def answer(
        self, instant: dt.datetime, question: BotMessage, quiz: Quiz, *, right: bool
    ) -> tuple[list[Reply], str | None]:
        option = quiz.correct if right else wrong_option(quiz)
        return await self.press(instant, question, "ABCD"[option])


@pytest.fixture
async def week(bot: BotHarness) -> AsyncIterator[Week]:
    async with running_engine(
        bot.db, bot.library, bot.api.url, bot.settings.database_url, chat_interval=0
    ) as engine:
        state = Week(bot, engine, at(0, 8))
        attach(bot.application, replace(services_in(bot.application), clock=lambda: state.now))
        yield state


def streak_line(text: str) -> str:
    return next(line for line in text.splitlines() if "Streak" in line)


def tip_title(week: Week, message: BotMessage) -> str:
    raw = html.unescape(message.raw_text or "")
    return next(t.title for t in week.bot.library.tips if t.title in raw)


async def test_a_week_of_learning(week: Week) -> None:
    bot = week.bot
    library = bot.library

    # ---------------------------------------------------------------- Monday
    await week.send(at(0, 8), "/start")
    async with bot.db.session() as session:
        chat = await session.get(Chat, CHAT)
        assert chat is not None
        assert (chat.delivery_time, chat.quiz_weekday, chat.quiz_size) == (dt.time(9), 6, 3)
        # /start scheduled from the real clock; the week runs on the simulated one.
        chat.next_due_at = next_due_for(chat, at(0, 8))
    assert await week.tick(at(0, 8, 59)) == []
    [monday] = await week.tick(at(0, 9))
    assert (monday.raw_text or "").startswith("💡 <b>")
    assert labels(monday) == ["👍", "👎", "📖 Tell me more", "⏰ Later"]
    _, toast = await week.press(at(0, 9, 5), monday, "👍")
    assert toast == NOTED
    _, again = await week.press(at(0, 9, 6), monday, "👍")
    assert again == ALREADY_RATED  # a double tap counts nothing

    # ---------------------------------------------------------------- Tuesday: untouched
    [tuesday] = await week.tick(at(1, 9))
    assert labels(tuesday) == labels(monday)

    # ---------------------------------------------------------------- Wednesday
    [wednesday] = await week.tick(at(2, 9))
    title = tip_title(week, wednesday)
    tip = next(t for t in library.tips if t.title == title)
    replies, _ = await week.press(at(2, 9, 10), wednesday, "Tell me more")
    [more] = replies
    assert more.method == "sendMessage"
    assert html.escape(library.faq_for_tip(tip.id).question, quote=False) in more.text
    await week.press(at(2, 9, 11), wednesday, "Later")
    snoozing = week.current(wednesday.message_id)
    assert "⏰ In an hour" in labels(snoozing) and "🌙 This evening" in labels(snoozing)
    _, toast = await week.press(at(2, 9, 12), snoozing, "In an hour")
    assert toast == "⏰ I'll send it again at 10:12."
    assert await week.tick(at(2, 10, 11)) == []
    [snoozed] = await week.tick(at(2, 10, 12))
    assert (snoozed.raw_text or "").startswith(LATER_AGAIN_HEADING)
    assert tip_title(week, snoozed) == title
    assert labels(snoozed) == ["👍", "👎", "📖 Tell me more"]  # no second Later
    await week.press(at(2, 10, 15), snoozed, "👍")
    # Once a day: the next tick of the day sends nothing more.
    assert await week.tick(at(2, 11)) == []

    # ---------------------------------------------------------------- Thursday to Saturday
    for day, tap in ((3, "👎"), (4, "👍"), (5, "Tell me more")):
        [tip_message] = await week.tick(at(day, 9))
        await week.press(at(day, 20), tip_message, tap)

    # ---------------------------------------------------------------- Sunday: the quiz day
    sunday = await week.tick(at(6, 9))
    assert len(sunday) == 2
    sunday_tip, question = sunday
    assert (sunday_tip.raw_text or "").startswith("💡 <b>")
    assert (question.raw_text or "").startswith(
        f"🧠 <b>{WEEKLY_QUIZ_HEADING}</b> · question 1 of 3"
    )
    assert labels(question)[0] == "A"
    # Before answering: Wednesday to Saturday count, today is not over, Tuesday broke it.
    progress = await week.send(at(6, 12), "/progress")
    assert "🔥 Streak: <b>4 days</b>" in streak_line(progress[0].text)

    quizzes = []
    for position, right in enumerate((True, False, True)):
        quiz = await current_quiz(bot)
        quizzes.append(quiz)
        replies, toast = await week.answer(at(6, 12, position + 1), question, quiz, right=right)
        assert toast == (RIGHT_TOAST if right else WRONG_TOAST)
        result = replies[0]
        assert result.method == "editMessageText" and not result.buttons
        assert html.escape(quiz.explanation, quote=False) in result.text
        assert "From the tip: " in result.text
        if position < 2:
            assert f"question {position + 2} of 3" in replies[1].text
            question = week.last()
        else:
            assert replies[1].text.startswith("🏁 <b>2 of 3 right.</b> Missed questions")
    missed = quizzes[1]
    [weekly] = await rounds(bot)
    assert (weekly.source, weekly.status, weekly.correct) == ("scheduled", "done", 2)

    # ---------------------------------------------------------------- Monday again
    [next_monday] = await week.tick(at(7, 9))  # a tip, and no quiz
    assert (next_monday.raw_text or "").startswith("💡 <b>")
    [first] = await week.send(at(7, 12), "/quiz")
    assert first.text.startswith("🧠 <b>Quiz</b> · question 1 of 3")
    assert (await current_quiz(bot)).id == missed.id  # the missed question comes back first
    assert html.escape(missed.question, quote=False) in first.text
    question = week.last()
    _, toast = await week.answer(at(7, 12, 1), question, missed, right=True)
    assert toast == RIGHT_TOAST

    replies = await week.send(at(7, 18), "/progress")
    assert [r.method for r in replies] == ["sendMessage", "sendPhoto"]
    text = replies[0].text
    # Wednesday to Monday: six days; Monday's streak ended with Tuesday's untouched tip.
    assert "🔥 Streak: <b>6 days</b>" in text
    assert "🧠 Quiz questions answered: <b>4</b>, 3 right (75%)" in text
    assert f"💡 Tips seen: <b>8</b> of {len(library.tips)}" in text
    assert replies[1].text == CHART_CAPTION
    assert png_size(bot.api.photos(CHAT)[-1]) == (WIDTH_PX, HEIGHT_PX)

    # What the ledger and the learning days recorded over the week.
    kinds: dict[str, list[dt.date]] = {}
    for row in await ledger_rows(bot.db, CHAT):
        assert row.status == "sent", row
        kinds.setdefault(row.kind, []).append(row.local_date)
    assert kinds["tip"] == [MONDAY + dt.timedelta(days=n) for n in range(8)]
    assert kinds["later"] == [MONDAY + dt.timedelta(days=2)]
    assert kinds["quiz"] == [MONDAY + dt.timedelta(days=6)]
    assert await count(bot, LearningDay.chat_id) == 7  # every day but Tuesday
