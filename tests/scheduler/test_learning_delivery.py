"""The delivery engine's learning features against a real database and the fake Bot API:
tip buttons, the weekly quiz, Later, quiet hours for every kind of message, and pauses.

Time is what each tick is given, so a week passes in a few calls.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from content import Library
from devtools.fakebotapi import FakeBotAPI
from devtools.fakebotapi.records import BotMessage
from runtime.signing import CallbackCodec
from scheduler.buttons import QUIZ_FAMILY, TIP_FAMILY
from scheduler.engine import CLAIM_LEASE, DeliveryEngine, TickSummary
from storage import Database, history, learning
from storage.deliveries import Kind
from storage.models import Chat
from storage.models import QuizRound as QuizRoundRow
from tests.harness import TOKEN
from tests.scheduler.helpers import (
    add_chat,
    broadcast_to,
    chat_row,
    ledger_rows,
    running_engine,
    utc,
)

T0 = utc("2026-11-21T23:00:00Z")  # Saturday night
SUNDAY_9 = utc("2026-11-22T09:00:00Z")
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CODEC = CallbackCodec(TOKEN)


def messages(api: FakeBotAPI, chat_id: int) -> list[BotMessage]:
    return api.messages(chat_id)


def labels(message: BotMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(button["text"]) for row in rows for button in row]


def quiz_tips(library: Library, count: int) -> list[str]:
    """Tips that have questions, as a chat might have received them."""
    return [t.id for t in library.tips if library.quizzes_for_tip(t.id)][:count]


async def received(db: Database, chat_id: int, tip_ids: list[str]) -> None:
    """The chat was sent these tips before (its tip history, as the engine records it)."""
    async with db.session() as session:
        await history.record(session, [history.Shown(chat_id, Kind.TIP, t, 1) for t in tip_ids])


# ---------------------------------------------------------------------------- tip buttons


@SQLITE
async def test_tip_messages_carry_four_buttons_signed_for_their_chat(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 1, now=T0)
    # Weekly tips on Monday, the food idea alone on Sunday.
    await add_chat(db, 2, now=T0, frequency="weekly", food_mode="weekly", food_weekday=6)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(SUNDAY_9)).sent == 2
    (tip_message,) = messages(fake_api, 1)
    (food_only,) = messages(fake_api, 2)
    assert labels(tip_message) == ["👍", "👎", "📖 Tell me more", "⏰ Later"]
    tip_id = next(r.item_id for r in await ledger_rows(db, 1) if r.kind == "tip")
    assert tip_id is not None
    fields = [CODEC.verify(1, data, TIP_FAMILY) for data in tip_message.button_data()]
    assert fields == [("u", tip_id), ("d", tip_id), ("m", tip_id), ("l", tip_id)]
    # Copied into another chat, or read as another family, they are refused.
    assert all(CODEC.verify(2, data, TIP_FAMILY) is None for data in tip_message.button_data())
    assert all(CODEC.verify(1, data, QUIZ_FAMILY) is None for data in tip_message.button_data())
    assert food_only.reply_markup is None


# ---------------------------------------------------------------------------- the quiz


async def test_the_quiz_day_sends_the_quiz_after_the_tip_once_per_local_day(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 3, now=T0, quiz_size=3)
    tips = quiz_tips(library, 3)
    await received(db, 3, tips)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(SUNDAY_9)
        assert (summary.due, summary.sent) == (1, 2)
        # Later ticks that day, and the delivery time moved later the same day: no second quiz.
        assert (await engine.tick(SUNDAY_9 + dt.timedelta(minutes=1))).due == 0
        async with db.session() as session:
            await session.execute(
                update(Chat)
                .where(Chat.id == 3)
                .values(delivery_time=dt.time(18, 0), next_due_at=utc("2026-11-22T18:00:00Z"))
            )
        again = await engine.tick(utc("2026-11-22T18:00:00Z"))
        assert (again.due, again.sent, again.skipped) == (1, 0, 1)
        monday = await engine.tick(utc("2026-11-23T18:00:00Z"))
        assert monday.sent == 1  # Monday: the tip alone
    tip_message, quiz, monday_tip = messages(fake_api, 3)
    assert "💡" in (tip_message.raw_text or "") and "💡" in (monday_tip.raw_text or "")
    text = quiz.raw_text or ""
    assert text.startswith("🧠 <b>Weekly quiz</b> · question 1 of 3\n\n")
    rows = await ledger_rows(db, 3)
    sunday = [(r.kind, r.status) for r in rows if r.local_date == dt.date(2026, 11, 22)]
    assert sorted(sunday) == [("food", "sent"), ("quiz", "sent"), ("tip", "sent")]
    quiz_row = next(r for r in rows if r.kind == "quiz")
    async with db.session() as session:
        (round_row,) = (await session.scalars(select(QuizRoundRow))).all()
    assert quiz_row.item_id == str(round_row.id)
    assert (round_row.status, round_row.source, round_row.position) == ("open", "scheduled", 0)
    first = library.quiz(round_row.quiz_ids[0])
    assert first.tip in tips and first.question in text
    assert labels(quiz) == ["A", "B", "C", "D"][: len(first.options)]
    answers = [CODEC.verify(3, data, QUIZ_FAMILY) for data in quiz.button_data()]
    assert [(int(a[0], 36), a[1], a[2]) for a in answers if a is not None] == [
        (round_row.id, "0", str(option)) for option in range(len(first.options))
    ]


@SQLITE
async def test_a_weekdays_chat_gets_its_sunday_quiz_on_the_tips_of_its_week(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    monday = utc("2026-11-16T09:00:00Z")
    await add_chat(db, 4, now=monday - dt.timedelta(hours=1), frequency="weekdays", quiz_size=3)
    async with running_engine(db, library, fake_api.url, database_url, chat_interval=0) as engine:
        for day in range(5):
            assert (await engine.tick(monday + dt.timedelta(days=day))).sent == 1
        assert (await chat_row(db, 4)).next_due_at == SUNDAY_9  # Saturday has nothing
        assert (await engine.tick(utc("2026-11-21T09:00:00Z"))).due == 0
        sunday = await engine.tick(SUNDAY_9)
    assert (sunday.due, sunday.sent) == (1, 1)
    week = [r.item_id for r in await ledger_rows(db, 4) if r.kind == "tip"]
    quiz = messages(fake_api, 4)[-1]
    assert (quiz.raw_text or "").startswith("🧠 <b>Weekly quiz</b>")
    async with db.session() as session:
        (round_row,) = (await session.scalars(select(QuizRoundRow))).all()
    assert {library.quiz(q).tip for q in round_row.quiz_ids} <= set(week)
    assert (await chat_row(db, 4)).next_due_at == utc("2026-11-23T09:00:00Z")


@SQLITE
async def test_no_question_to_ask_means_no_quiz_row_and_no_message(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 5, now=T0, quiz_size=3)  # a new subscriber: no tip received yet
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(SUNDAY_9)).sent == 1
    assert len(messages(fake_api, 5)) == 1
    assert sorted(r.kind for r in await ledger_rows(db, 5)) == ["food", "tip"]


@SQLITE
async def test_a_recovered_quiz_row_is_sent_after_its_tip(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 6, now=T0, quiz_size=3)
    await received(db, 6, quiz_tips(library, 2))
    async with running_engine(db, library, fake_api.url, database_url) as crashed:
        # The worker claims (rows written, round started) and dies before sending.
        batch = await crashed.claims.claim_batch(SUNDAY_9, TickSummary())
        assert batch is not None and [o.sequence for o in batch] == [0, 1]
    async with running_engine(db, library, fake_api.url, database_url) as restarted:
        summary = await restarted.tick(SUNDAY_9 + CLAIM_LEASE + dt.timedelta(minutes=1))
    assert (summary.recovered, summary.sent) == (2, 2)
    tip_message, quiz = messages(fake_api, 6)
    assert "💡" in (tip_message.raw_text or "")
    assert (quiz.raw_text or "").startswith("🧠 <b>Weekly quiz</b> · question 1 of 2")
    assert {r.status for r in await ledger_rows(db, 6)} == {"sent"}


@SQLITE
async def test_a_chat_gone_at_its_tip_is_not_asked_its_quiz(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 7, now=T0, quiz_size=3)
    await received(db, 7, quiz_tips(library, 3))
    fake_api.block(7)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        summary = await engine.tick(SUNDAY_9)
    assert (summary.sent, summary.failed, summary.blocked) == (0, 2, 1)
    assert len(fake_api.calls_for("sendMessage")) == 1  # the tip's request only
    assert {r.status for r in await ledger_rows(db, 7)} == {"blocked"}


# ---------------------------------------------------------------------------- Later


async def _set_later(db: Database, chat_id: int, tip_id: str, at: dt.datetime) -> None:
    async with db.session() as session:
        assert await learning.set_later(session, chat_id, tip_id, at)


@SQLITE
async def test_a_later_comes_once_at_its_time_without_a_later_button(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 8, now=T0)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        await engine.tick(SUNDAY_9)
        tip_id = next(r.item_id for r in await ledger_rows(db, 8) if r.kind == "tip")
        assert tip_id is not None
        ten = utc("2026-11-22T10:00:00Z")
        await _set_later(db, 8, tip_id, ten)
        assert (await chat_row(db, 8)).next_due_at == ten
        assert (await engine.tick(ten - dt.timedelta(minutes=1))).due == 0
        at_ten = await engine.tick(ten)
        assert (at_ten.due, at_ten.sent) == (1, 1)
        assert (await engine.tick(ten + dt.timedelta(minutes=1))).due == 0
        chat = await chat_row(db, 8)
        assert (chat.later_tip_id, chat.later_at) == (None, None)
        # Monday's tip is not brought forward by the Later.
        assert chat.next_due_at == utc("2026-11-23T09:00:00Z")
        # A second Later the same local day is not sent again.
        await _set_later(db, 8, tip_id, utc("2026-11-22T11:00:00Z"))
        again = await engine.tick(utc("2026-11-22T11:00:00Z"))
        assert (again.due, again.sent, again.skipped) == (1, 0, 1)
    _tip, later = messages(fake_api, 8)
    assert (later.raw_text or "").startswith("⏰ Here is today's tip again\n\n💡 <b>")
    assert library.tip(tip_id).title in (later.raw_text or "")
    assert labels(later) == ["👍", "👎", "📖 Tell me more"]
    assert [CODEC.verify(8, d, TIP_FAMILY) for d in later.button_data()] == [
        ("u", tip_id),
        ("d", tip_id),
        ("m", tip_id),
    ]
    rows = [(r.kind, r.status, str(r.local_date)) for r in await ledger_rows(db, 8)]
    assert ("later", "sent", "2026-11-22") in rows


@SQLITE
async def test_a_later_inside_quiet_hours_comes_when_they_end(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 9, now=T0, quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0))
    tip_id = library.tips[0].id
    evening = utc("2026-11-22T22:30:00Z")
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        await engine.tick(SUNDAY_9)
        # Asked for 22:30 (as if the quiet hours were set afterwards): not sent at night.
        await _set_later(db, 9, tip_id, evening)
        night = await engine.tick(evening)
        assert (night.sent, night.skipped) == (0, 1)
        assert (await chat_row(db, 9)).next_due_at == utc("2026-11-23T07:00:00Z")
        for minute in (1, 60, 8 * 60 - 31):  # 22:31, 23:30 and 06:59
            assert (await engine.tick(evening + dt.timedelta(minutes=minute))).sent == 0
        morning = await engine.tick(utc("2026-11-23T07:00:00Z"))
        assert morning.sent == 1
        assert (await engine.tick(utc("2026-11-23T09:00:00Z"))).sent == 1  # Monday's tip
    sent_at = [c.params.get("text", "")[:10] for c in fake_api.calls_for("sendMessage")]
    assert len(sent_at) == 3 and sent_at[1].startswith("⏰")
    later_row = next(r for r in await ledger_rows(db, 9) if r.kind == "later")
    assert str(later_row.local_date) == "2026-11-23"


@SQLITE
async def test_a_daily_slot_inside_quiet_hours_goes_at_their_end(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    due = await add_chat(
        db,
        10,
        now=T0,
        timezone="Europe/Berlin",
        at=dt.time(23, 0),
        quiet_start=dt.time(22, 0),
        quiet_end=dt.time(7, 0),
    )
    assert due == utc("2026-11-22T06:00:00Z")  # 07:00 in Berlin
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(due)).sent == 1
        assert (await engine.tick(utc("2026-11-22T22:00:00Z"))).due == 0  # 23:00 Berlin
    assert [str(r.local_date) for r in await ledger_rows(db, 10)] == ["2026-11-22"] * 2
    assert (await chat_row(db, 10)).next_due_at == utc("2026-11-23T06:00:00Z")


@SQLITE
async def test_pause_suppresses_the_quiz_and_the_later(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(db, 11, now=T0, quiz_size=3, paused_indefinitely=True)
    await received(db, 11, quiz_tips(library, 3))
    ten = utc("2026-11-22T10:00:00Z")
    async with db.session() as session:
        await session.execute(
            update(Chat).where(Chat.id == 11).values(later_tip_id=library.tips[0].id, later_at=ten)
        )
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        assert (await engine.tick(SUNDAY_9)).sent == 0
        assert (await chat_row(db, 11)).next_due_at == ten  # the Later still pending
        assert (await engine.tick(ten)).sent == 0
    chat = await chat_row(db, 11)
    assert (chat.later_tip_id, chat.later_at) == (None, None)  # dropped, not postponed
    assert messages(fake_api, 11) == [] and await ledger_rows(db, 11) == []


# ---------------------------------------------------------------------------- broadcasts


async def test_a_broadcast_waits_for_the_end_of_quiet_hours(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    noon = utc("2026-11-22T12:00:00Z")
    await add_chat(
        db, 12, now=T0, at=dt.time(20, 0), quiet_start=dt.time(11, 0), quiet_end=dt.time(13, 0)
    )
    await add_chat(db, 13, now=T0, at=dt.time(20, 0))
    news = await broadcast_to(db, "Big news", noon)
    async with running_engine(db, library, fake_api.url, database_url) as engine:
        first = await engine.tick(noon)
        assert (first.sent, first.skipped, first.more) == (1, 0, False)
        rows = {r.chat_id: r.status for r in await ledger_rows(db)}
        assert rows == {12: "queued", 13: "sent"}
        # The waiting chat is not claimed again and again until its window ends.
        assert (await chat_row(db, 12)).claimed_until == utc("2026-11-22T12:59:59Z")
        for minute in (1, 30, 59):
            summary = await engine.tick(noon + dt.timedelta(minutes=minute))
            assert (summary.due, summary.sent) == (0, 0)
        end = await engine.tick(utc("2026-11-22T13:00:00Z"))
        assert (end.due, end.sent) == (1, 1)
    assert [m.raw_text for m in messages(fake_api, 12)] == [news]
    assert {r.status for r in await ledger_rows(db)} == {"sent"}


# ---------------------------------------------------------------------------- ordering


def _tip_then_quiz(api: FakeBotAPI, chat_ids: range) -> None:
    """Each chat got exactly two messages, its tip first and its quiz second."""
    for chat_id in chat_ids:
        sent = [
            str(c.params.get("text", ""))
            for c in api.calls_for("sendMessage")
            if int(c.chat_id) == chat_id
        ]
        assert len(sent) == 2 and "💡" in sent[0] and sent[1].startswith("🧠 <b>Weekly quiz</b>")


@SQLITE
async def test_quizzes_follow_their_tips_across_batches(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    """A batch's quizzes go out with a later batch, each after its own chat's tip."""
    chat_ids = range(100, 112)
    for chat_id in chat_ids:
        await add_chat(db, chat_id, now=T0, quiz_size=3)
        await received(db, chat_id, quiz_tips(library, 2))
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0.05, delivery_batch_size=4
    ) as engine:
        summary = await engine.tick(SUNDAY_9)
    assert (summary.due, summary.sent) == (12, 24)
    _tip_then_quiz(fake_api, chat_ids)
    assert fake_api.stats().duplicates == 0
    assert {r.status for r in await ledger_rows(db)} == {"sent"}


class _StopAtFirstSend:
    def __init__(self) -> None:
        self.engine: DeliveryEngine | None = None

    def observe_delivery(self, outcome: str, lag_seconds: float | None = None) -> None:
        if outcome == "sent" and self.engine is not None:
            self.engine.request_stop()


@SQLITE
async def test_a_stop_leaves_waiting_quizzes_for_the_next_run(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    chat_ids = range(200, 206)
    for chat_id in chat_ids:
        await add_chat(db, chat_id, now=T0, quiz_size=3)
        await received(db, chat_id, quiz_tips(library, 2))
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0, delivery_batch_size=2
    ) as engine:
        stopper = _StopAtFirstSend()
        stopper.engine, engine.observer = engine, stopper
        stopped = await engine.tick(SUNDAY_9)
    assert 0 < stopped.sent < 12
    # Nothing was left `sending`: the unsent rows are `claimed`, their chats released.
    assert {r.status for r in await ledger_rows(db)} <= {"sent", "claimed"}
    async with running_engine(
        db, library, fake_api.url, database_url, chat_interval=0
    ) as restarted:
        rest = await restarted.tick(SUNDAY_9 + dt.timedelta(minutes=1))
    assert stopped.sent + rest.sent == 12
    _tip_then_quiz(fake_api, chat_ids)
    assert {r.status for r in await ledger_rows(db)} == {"sent"}


@SQLITE
async def test_a_dead_workers_broadcast_row_found_in_quiet_hours_waits_for_their_end(
    db: Database, library: Library, fake_api: FakeBotAPI, database_url: str
) -> None:
    await add_chat(
        db, 14, now=T0, at=dt.time(20, 0), quiet_start=dt.time(11, 0), quiet_end=dt.time(13, 0)
    )
    claimed_at = utc("2026-11-22T10:55:00Z")
    news = await broadcast_to(db, "Before the quiet", claimed_at)
    async with running_engine(db, library, fake_api.url, database_url) as crashed:
        # Claimed before 11:00, then the worker died without sending.
        batch = await crashed.claims.claim_broadcast_batch(claimed_at, TickSummary())
        assert batch is not None and len(batch) == 1
    async with running_engine(db, library, fake_api.url, database_url) as restarted:
        during = await restarted.tick(claimed_at + CLAIM_LEASE + dt.timedelta(minutes=1))
        assert (during.sent, during.recovered) == (0, 0)
        assert [r.status for r in await ledger_rows(db, 14)] == ["queued"]
        after = await restarted.tick(utc("2026-11-22T13:00:00Z"))
        assert after.sent == 1
    assert [m.raw_text for m in messages(fake_api, 14)] == [news]
