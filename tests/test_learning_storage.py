"""Quiz rounds, answers, cards, tip buttons and learning figures (storage.learning), on
real SQLite files and PostgreSQL; PostgreSQL also for two taps racing on one answer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection

from content import Library
from devtools import pgserver
from storage import Database, chats, learning, migrate, privacy
from storage.deliveries import Kind
from storage.history import Shown, record
from storage.learning import AnswerOutcome, Recorded, Source, TipAction
from storage.models import (
    Chat,
    Delivery,
    LearningDay,
    QuizAnswer,
    QuizCard,
    TipReaction,
)
from storage.models import QuizRound as QuizRoundRow
from tests.conftest import fresh_database_url

DAY = dt.date(2026, 12, 6)
DEFAULTS = chats.NewChatDefaults("UTC", dt.time(9, 0), ["cramps", "sleep"])
NEW_TABLES = (TipReaction, LearningDay, QuizCard, QuizRoundRow, QuizAnswer)


def day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)


def tips_of(library: Library, topic: str, count: int) -> list[str]:
    return [tip.id for tip in library.tips if tip.topic == topic][:count]


async def add_chat(db: Database, chat_id: int, tips: Sequence[str] = ()) -> None:
    async with db.session() as session:
        await session.run_sync(chats.subscribe, chat_id, "private", DEFAULTS)
    if tips:
        async with db.session() as session:
            await record(session, [Shown(chat_id, Kind.TIP, tip, 1) for tip in tips])


async def sent(db: Database, chat_id: int, kind: Kind, *offsets: int, item: str = "x") -> None:
    """Ledger rows of `kind` sent to the chat on the given days."""
    async with db.session() as session:
        for offset in offsets:
            session.add(
                Delivery(
                    chat_id=chat_id,
                    local_date=day(offset),
                    kind=str(kind),
                    item_id=item,
                    status="sent",
                    due_at=dt.datetime.combine(day(offset), dt.time(9), dt.UTC),
                    attempts=1,
                )
            )


async def count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def start(
    db: Database,
    library: Library,
    chat_id: int,
    size: int = 3,
    *,
    on: int = 0,
    source: Source = Source.COMMAND,
) -> learning.QuizRound:
    async with db.session() as session:
        started = await learning.start_round(
            session, chat_id, day(on), size, library, source=source
        )
    assert started is not None
    return started


async def reply(
    db: Database,
    library: Library,
    chat_id: int,
    round_: learning.QuizRound,
    position: int,
    *,
    right: bool = True,
    option: int | None = None,
    on: int = 0,
) -> learning.Answer:
    if option is None:
        quiz = library.quiz(round_.quiz_ids[position])
        option = quiz.correct if right else (quiz.correct + 1) % len(quiz.options)
    async with db.session() as session:
        return await learning.answer(
            session,
            chat_id,
            round_.id,
            position,
            option,
            user_id=chat_id,
            local_date=day(on),
            library=library,
        )


# ----------------------------------------------------------------------------- rounds


async def test_a_round_asks_only_questions_of_received_tips(db: Database, library: Library) -> None:
    received = tips_of(library, "cramps", 2)
    await add_chat(db, 1, received)
    await add_chat(db, 2)
    round_ = await start(db, library, 1, 5)
    assert {library.quiz(q).tip for q in round_.quiz_ids} == set(received)
    assert round_.position == 0 and round_.status == "open" and round_.source is Source.COMMAND
    async with db.session() as session:
        nothing = await learning.start_round(session, 2, DAY, 3, library, source=Source.COMMAND)
        unknown = await learning.start_round(session, 99, DAY, 3, library, source=Source.COMMAND)
    assert nothing is None and unknown is None
    assert await count(db, QuizRoundRow) == 1


async def test_missed_questions_come_first_next_time(db: Database, library: Library) -> None:
    received = tips_of(library, "cramps", 5)
    await add_chat(db, 1, received)
    first = await start(db, library, 1, 2, source=Source.SCHEDULED)
    await reply(db, library, 1, first, 0, right=True)
    await reply(db, library, 1, first, 1, right=False)
    # Tomorrow the missed one is due; the right one is not (a week away).
    second = await start(db, library, 1, 3, on=1, source=Source.SCHEDULED)
    assert second.quiz_ids[0] == first.quiz_ids[1]
    assert first.quiz_ids[0] not in second.quiz_ids
    assert [library.quiz(q).tip for q in second.quiz_ids[1:]] == received[2:4]


async def test_starting_a_round_expires_the_open_one(db: Database, library: Library) -> None:
    await add_chat(db, 1, tips_of(library, "sleep", 3))
    old = await start(db, library, 1)
    new = await start(db, library, 1)
    outcome = await reply(db, library, 1, old, 0)
    assert outcome.outcome is AnswerOutcome.EXPIRED
    assert outcome.round is not None and outcome.round.status == "expired"
    assert (await reply(db, library, 1, new, 0)).outcome is AnswerOutcome.RECORDED
    assert await count(db, QuizAnswer) == 1


async def test_a_whole_round_and_a_double_tap(db: Database, library: Library) -> None:
    await add_chat(db, 1, tips_of(library, "sleep", 3))
    round_ = await start(db, library, 1, 3)
    first = await reply(db, library, 1, round_, 0, right=True)
    assert first.outcome is AnswerOutcome.RECORDED and first.right is True
    assert first.quiz_id == round_.quiz_ids[0]
    assert first.round is not None and first.round.position == 1 and first.round.correct == 1
    again = await reply(db, library, 1, round_, 0, right=False)
    assert again.outcome is AnswerOutcome.ALREADY
    await reply(db, library, 1, round_, 1, right=False)
    last = await reply(db, library, 1, round_, 2, right=True)
    assert last.round is not None
    assert (last.round.position, last.round.correct, last.round.status) == (3, 2, "done")
    assert (await reply(db, library, 1, round_, 2)).outcome is AnswerOutcome.ALREADY
    assert await count(db, QuizAnswer) == 3
    async with db.session() as session:
        cards = {c.quiz_id: c for c in await session.scalars(select(QuizCard))}
        days = list(await session.scalars(select(LearningDay.local_date)))
    assert cards[round_.quiz_ids[1]].box == 1 and cards[round_.quiz_ids[1]].due_on == day(1)
    assert cards[round_.quiz_ids[0]].box == 2 and cards[round_.quiz_ids[0]].due_on == day(7)
    assert days == [DAY]


async def test_a_round_older_than_a_week_expires(db: Database, library: Library) -> None:
    await add_chat(db, 1, tips_of(library, "sleep", 3))
    round_ = await start(db, library, 1, 3)
    assert (await reply(db, library, 1, round_, 0, on=7)).outcome is AnswerOutcome.RECORDED
    assert (await reply(db, library, 1, round_, 1, on=8)).outcome is AnswerOutcome.EXPIRED
    assert await count(db, QuizAnswer) == 1


async def test_foreign_and_bad_taps_are_unknown(db: Database, library: Library) -> None:
    await add_chat(db, 1, tips_of(library, "sleep", 3))
    await add_chat(db, 2, tips_of(library, "sleep", 3))
    round_ = await start(db, library, 1, 2)
    quiz = library.quiz(round_.quiz_ids[0])
    assert (await reply(db, library, 2, round_, 0)).outcome is AnswerOutcome.UNKNOWN
    missing = learning.QuizRound(
        round_.id + 100, 1, round_.quiz_ids, 0, 0, Source.COMMAND, "open", DAY
    )
    assert (await reply(db, library, 1, missing, 0, option=0)).outcome is AnswerOutcome.UNKNOWN
    for position, option in [(-1, 0), (2, 0), (1, 0), (0, -1), (0, len(quiz.options))]:
        tapped = await reply(db, library, 1, round_, position, option=option)
        assert tapped.outcome is AnswerOutcome.UNKNOWN, (position, option)
        assert tapped.round is None
    assert await count(db, QuizAnswer) == 0
    assert await count(db, QuizCard) == 0
    assert await count(db, LearningDay) == 0


async def test_start_rounds_in_bulk_takes_a_few_statements(db: Database, library: Library) -> None:
    received = tips_of(library, "cramps", 3)
    for chat_id in range(1, 41):
        await add_chat(db, chat_id, received if chat_id != 40 else [])
    old = await start(db, library, 1)
    # Chat 39 has its scheduled quiz off, 40 has no tip yet, 41 does not exist.
    requests = [(chat_id, DAY, 0 if chat_id == 39 else 2) for chat_id in range(1, 42)]
    async with db.session() as session:
        with counting(db) as statements:
            started = await learning.start_rounds(session, requests, library)
    # Lock, cards, tips, expire the open rounds, insert: whatever the number of chats.
    assert len(statements) <= 5
    assert sorted(started) == list(range(1, 39))
    assert all(r.source is Source.SCHEDULED and len(r.quiz_ids) == 2 for r in started.values())
    assert all(started[c].chat_id == c for c in started)
    assert (await reply(db, library, 1, old, 0)).outcome is AnswerOutcome.EXPIRED


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sync = db.engine.sync_engine
    event.listen(sync, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(sync, "before_cursor_execute", note)


# ------------------------------------------------------------------------ tip buttons


async def test_tip_actions_count_once_per_message(db: Database, library: Library) -> None:
    tip = tips_of(library, "sleep", 1)[0]
    await add_chat(db, 1)

    async def act(action: TipAction, helpful: bool | None = None, chat_id: int = 1) -> Recorded:
        async with db.session() as session:
            return await learning.record_tip_action(
                session, chat_id, 500, tip, action, helpful=helpful, user_id=7, local_date=DAY
            )

    assert await act(TipAction.VOTE, True) is Recorded.RECORDED
    assert await act(TipAction.VOTE, False) is Recorded.ALREADY
    assert await act(TipAction.MORE) is Recorded.RECORDED
    assert await act(TipAction.MORE) is Recorded.ALREADY
    assert await act(TipAction.VOTE, True, chat_id=99) is Recorded.UNKNOWN_CHAT
    async with db.session() as session:
        rows = list(await session.scalars(select(TipReaction).order_by(TipReaction.id)))
    assert [(r.chat_id, r.action, r.helpful, r.user_id) for r in rows] == [
        (1, "vote", True, 7),
        (1, "more", None, 7),
    ]
    assert await count(db, LearningDay) == 1


async def test_later_moves_the_next_slot_earlier_only(db: Database) -> None:
    await add_chat(db, 1)
    await add_chat(db, 2)
    nine = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
    async with db.session() as session:
        for chat_id in (1, 2):
            chat = await session.get(Chat, chat_id)
            assert chat is not None
            chat.next_due_at = nine
    evening = dt.datetime(2026, 12, 6, 19, tzinfo=dt.UTC)
    async with db.session() as session:
        assert await learning.set_later(session, 1, "tip-a", evening)
        assert await learning.set_later(session, 2, "tip-b", nine + dt.timedelta(hours=3))
        assert not await learning.set_later(session, 99, "tip-a", evening)
        assert await chats.unsubscribe(session, 2)
    async with db.session() as session:
        assert not await learning.set_later(session, 2, "tip-b", evening)
        one, two = await session.get(Chat, 1), await session.get(Chat, 2)
        assert one is not None and two is not None
        assert (one.later_tip_id, one.later_at, one.next_due_at) == ("tip-a", evening, evening)
        assert two.later_tip_id == "tip-b" and two.next_due_at is None
    async with db.session() as session:
        await learning.clear_later(session, 1)
    async with db.session() as session:
        one = await session.get(Chat, 1)
        assert one is not None
        assert (one.later_tip_id, one.later_at, one.next_due_at) == (None, None, evening)


async def test_later_keeps_an_earlier_slot(db: Database) -> None:
    await add_chat(db, 1)
    soon = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    async with db.session() as session:
        chat = await session.get(Chat, 1)
        assert chat is not None
        chat.next_due_at = soon
    async with db.session() as session:
        assert await learning.set_later(session, 1, "t", soon + dt.timedelta(hours=7))
    async with db.session() as session:
        chat = await session.get(Chat, 1)
        assert chat is not None and chat.next_due_at == soon


# --------------------------------------------------------------------------- progress


async def test_progress_figures(db: Database, library: Library) -> None:
    cramps = tips_of(library, "cramps", 3)
    sleep = tips_of(library, "sleep", 1)
    await add_chat(db, 1, cramps + sleep)
    # Tips sent on days -3..0; the chat acted on -3, -2 and today, not on -1: streak 1.
    await sent(db, 1, Kind.TIP, -3, -2, -1, 0)
    round_ = await start(db, library, 1, 4, on=-3)
    for position, right in enumerate([True, False, True, True]):
        await reply(db, library, 1, round_, position, right=right, on=-3)
    async with db.session() as session:
        for offset, message in [(-2, 10), (0, 11), (-20, 12)]:
            await learning.record_tip_action(
                session, 1, message, cramps[0], TipAction.VOTE, helpful=True, user_id=1,
                local_date=day(offset),
            )  # fmt: skip
        result = await learning.progress(session, 1, DAY, library)
        empty = await learning.progress(session, 99, DAY, library)
    assert result.streak == 1
    assert (result.quizzes_answered, result.correct) == (4, 3)
    topics = {str(library.tip(library.quiz(q).tip).topic) for q in round_.quiz_ids}
    assert sum(a for _r, a in result.by_topic.values()) == 4 and set(result.by_topic) == topics
    assert result.tips_seen == 4
    in_topics = [t for t in library.tips if t.topic in ("cramps", "sleep")]
    assert result.tips_total == len(in_topics)
    assert len(result.weeks) == 8
    assert result.weeks[-1].start == day(-6) and result.weeks[0].start == day(-55)
    this_week = result.weeks[-1]
    assert (this_week.answered, this_week.correct, this_week.active_days) == (4, 3, 3)
    assert this_week.tips_acted == 1
    assert result.weeks[-3].active_days == 1  # day -20
    # The missed question is due on day -2: overdue, so due today.
    assert result.next_review == DAY
    assert empty.streak == 0 and empty.quizzes_answered == 0 and empty.next_review is None


async def test_streak_steps_over_days_without_deliveries(db: Database, library: Library) -> None:
    tip = tips_of(library, "sleep", 1)[0]
    await add_chat(db, 1, [tip])
    await sent(db, 1, Kind.TIP, -14, -7, 0)
    async with db.session() as session:
        for offset in (-14, -7):
            await learning.record_tip_action(
                session, 1, 100 + offset, tip, TipAction.MORE, user_id=1, local_date=day(offset)
            )
        assert (await learning.progress(session, 1, DAY, library)).streak == 2


# ------------------------------------------------------------------------ admin stats


async def test_learning_stats(db: Database, library: Library) -> None:
    tips = tips_of(library, "sleep", 3)
    for chat_id in range(1, 7):
        await add_chat(db, chat_id, tips)
        await sent(db, chat_id, Kind.TIP, 0, item=tips[0])
    await add_chat(db, 7)
    async with db.session() as session:
        assert await chats.unsubscribe(session, 7)
    await sent(db, 1, Kind.TIP, -1, item=tips[1])
    # Six people answer the first question; five get it wrong.
    for chat_id in range(1, 7):
        round_ = await start(db, library, chat_id, 1)
        await reply(db, library, chat_id, round_, 0, right=chat_id == 1)
    async with db.session() as session:
        for chat_id, helpful in [(1, True), (2, False), (3, True)]:
            await learning.record_tip_action(
                session, chat_id, 1, tips[0], TipAction.VOTE, helpful=helpful, user_id=chat_id,
                local_date=DAY,
            )  # fmt: skip
        await learning.record_tip_action(
            session, 4, 1, tips[0], TipAction.LATER, user_id=4, local_date=day(-10)
        )
        stats = await learning.learning_stats(session, library, DAY)
    first = library.quizzes_for_tip(tips[0])[0].id
    assert stats.questions[0] == learning.QuestionStat(first, 6, 1, True)
    rates = {rate.tip_id: rate for rate in stats.tips}
    assert rates[tips[0]] == learning.TipRate(tips[0], 6, 2, 1, 0, 1)
    assert rates[tips[1]] == learning.TipRate(tips[1], 1, 0, 0, 0, 0)
    assert [rate.tip_id for rate in stats.tips] == tips[:2]
    assert stats.weekly_active == 6
    # Everyone acted today (streak 1); chat 7 stopped and is not counted.
    assert stats.streaks == {"0": 0, "1-2": 6, "3-6": 0, "7-13": 0, "14+": 0}


def test_streak_buckets() -> None:
    expected = {0: "0", 1: "1-2", 2: "1-2", 3: "3-6", 6: "3-6", 7: "7-13", 13: "7-13", 14: "14+"}
    assert {n: learning.streak_bucket(n) for n in expected} == expected


# ---------------------------------------------------------------------------- privacy


async def test_forget_deletes_and_export_includes_learning_rows(
    db: Database, library: Library
) -> None:
    tip = tips_of(library, "sleep", 1)[0]
    for chat_id in (1, 2):
        await add_chat(db, chat_id, [tip])
        round_ = await start(db, library, chat_id, 1)
        await reply(db, library, chat_id, round_, 0)
        async with db.session() as session:
            await learning.record_tip_action(
                session, chat_id, 9, tip, TipAction.VOTE, helpful=True, user_id=chat_id,
                local_date=DAY,
            )  # fmt: skip
    async with db.session() as session:
        data = await privacy.export(session, 1)
    assert data is not None
    for model in NEW_TABLES:
        rows = data.rows[model.__tablename__]
        assert len(rows) == 1 and rows[0]["chat_id"] == 1, model.__tablename__
    async with db.session() as session:
        assert await chats.forget(session, 1)
    for model in NEW_TABLES:
        async with db.session() as session:
            left = await session.scalars(select(model.chat_id))
            assert list(left) == [2], model.__tablename__


# -------------------------------------------------------------------------- migration


def _downgrade(connection: Connection) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0002")


async def test_downgrade_keeps_the_chats_and_their_rows(db: Database, library: Library) -> None:
    await add_chat(db, 1, tips_of(library, "sleep", 1))
    await sent(db, 1, Kind.TIP, 0)
    async with db.engine.begin() as connection:
        await connection.run_sync(_downgrade)
    async with db.engine.connect() as connection:
        columns = (await connection.execute(text("SELECT * FROM chats"))).keys()
        assert "quiz_size" not in list(columns)
        assert (await connection.execute(text("SELECT count(*) FROM deliveries"))).scalar() == 1
    await migrate.upgrade(db)
    async with db.session() as session:
        chat = await session.get(Chat, 1)
        assert chat is not None and (chat.quiz_weekday, chat.quiz_size) == (6, 3)
    assert await count(db, Delivery) == 1


# ------------------------------------------------------------------ PostgreSQL races


@pytest.fixture
async def pg_db(
    pg_server: pgserver.PgServer, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    database = Database(fresh_database_url(request, "postgresql", tmp_path))
    await migrate.upgrade(database)
    yield database
    await database.close()


async def _wait_for_a_blocked_query(db: Database) -> None:
    """Until another connection waits for a row lock (polling, no timed assertion)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with db.engine.connect() as connection:
        while not (await connection.execute(query)).scalar():
            await connection.rollback()
            await asyncio.sleep(0.01)


async def test_racing_taps_record_once_on_postgresql(pg_db: Database, library: Library) -> None:
    await add_chat(pg_db, 1, tips_of(library, "sleep", 3))
    round_ = await start(pg_db, library, 1, 3)
    # The first tap holds its transaction open while the second one runs into it.
    async with pg_db.sessionmaker() as first_session, first_session.begin():
        quiz = library.quiz(round_.quiz_ids[0])
        first = await learning.answer(
            first_session, 1, round_.id, 0, quiz.correct, user_id=1, local_date=DAY,
            library=library,
        )  # fmt: skip
        second_task = asyncio.create_task(reply(pg_db, library, 1, round_, 0, right=False))
        await asyncio.wait_for(_wait_for_a_blocked_query(pg_db), timeout=60)
    second = await second_task
    assert first.outcome is AnswerOutcome.RECORDED
    assert second.outcome is AnswerOutcome.ALREADY
    assert second.round is not None and second.round.position == 1


async def test_many_simultaneous_taps_record_once_on_postgresql(
    pg_db: Database, library: Library
) -> None:
    await add_chat(pg_db, 1, tips_of(library, "sleep", 3))
    round_ = await start(pg_db, library, 1, 3)
    outcomes = await asyncio.gather(*(reply(pg_db, library, 1, round_, 0) for _ in range(8)))
    assert sorted(o.outcome for o in outcomes).count(AnswerOutcome.RECORDED) == 1
    assert {o.outcome for o in outcomes} <= {AnswerOutcome.RECORDED, AnswerOutcome.ALREADY}
    assert await count(pg_db, QuizAnswer) == 1
    async with pg_db.session() as session:
        card = await session.get(QuizCard, (1, round_.quiz_ids[0]))
    assert card is not None and card.answered == 1


async def test_simultaneous_rounds_leave_one_open_on_postgresql(
    pg_db: Database, library: Library
) -> None:
    await add_chat(pg_db, 1, tips_of(library, "sleep", 3))
    await asyncio.gather(*(start(pg_db, library, 1) for _ in range(4)))
    async with pg_db.session() as session:
        statuses = list(await session.scalars(select(QuizRoundRow.status)))
    assert sorted(statuses) == ["expired"] * 3 + ["open"]
