"""Storage on both backends: migrations match the models; subscriptions are idempotent."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from devtools import pgserver
from storage import Database, chats, migrate
from storage.db import POOL_SIZE
from storage.models import Base, Chat, Delivery
from tests.conftest import fresh_database_url

DEFAULTS = chats.NewChatDefaults("UTC", dt.time(9, 0), ["cramps", "sleep"])


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_exactly_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(_diff)
    assert differences == []
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_subscribe_is_idempotent(db: Database) -> None:
    async with db.session() as session:
        first = await session.run_sync(chats.subscribe, 7, "private", DEFAULTS)
    async with db.session() as session:
        second = await session.run_sync(chats.subscribe, 7, "private", DEFAULTS)
    assert first.created and not second.created and second.was_active
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Chat)) == 1


async def test_run_commits_one_transaction_and_rolls_back_on_error(db: Database) -> None:
    result = await db.run(chats.subscribe, 12, "private", DEFAULTS)
    assert result.created and result.chat.id == 12

    def subscribe_then_fail(session: Session) -> None:
        chats.subscribe(session, 13, "private", DEFAULTS)
        session.flush()
        raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        await db.run(subscribe_then_fail)
    assert await db.run(chats.get_chat, 13) is None
    async with db.session() as session:
        # What the database thread wrote is what the async connections read.
        assert await session.scalar(select(Chat.status).where(Chat.id == 12)) == "active"


async def test_run_and_async_sessions_take_turns_without_waiting_on_the_file(
    db: Database,
) -> None:
    async def through_run(chat_id: int) -> None:
        await db.run(chats.subscribe, chat_id, "private", DEFAULTS)

    async def through_session(chat_id: int) -> None:
        async with db.session() as session:
            await session.run_sync(chats.subscribe, chat_id, "private", DEFAULTS)
            await asyncio.sleep(0)

    work = [through_run(n) if n % 2 else through_session(n) for n in range(100, 160)]
    await asyncio.gather(*work)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Chat)) == 60


async def test_transactions_run_together_still_commit_and_fail_each_on_its_own(
    db: Database,
) -> None:
    def subscribe_or_fail(session: Session, chat_id: int) -> int:
        chats.subscribe(session, chat_id, "private", DEFAULTS)
        session.flush()
        if chat_id % 3 == 0:
            raise ValueError(chat_id)
        return chat_id

    outcomes = await asyncio.gather(
        *(db.run(subscribe_or_fail, chat_id) for chat_id in range(300, 330)),
        return_exceptions=True,
    )
    for chat_id, outcome in zip(range(300, 330), outcomes, strict=True):
        if chat_id % 3 == 0:
            assert isinstance(outcome, ValueError) and outcome.args == (chat_id,)
        else:
            assert outcome == chat_id
    async with db.session() as session:
        stored = set(await session.scalars(select(Chat.id).where(Chat.id >= 300)))
    assert stored == {chat_id for chat_id in range(300, 330) if chat_id % 3}


async def test_run_inside_an_open_transaction_uses_a_connection_of_its_own(
    db: Database,
) -> None:
    async with db.session() as session:
        await session.run_sync(chats.subscribe, 14, "private", DEFAULTS)
        await session.commit()
        # Nested in this task's transaction: no deadlock on SQLite's lock.
        assert await db.run(chats.get_chat, 14) is not None


async def test_concurrent_subscribes_make_one_row(db: Database) -> None:
    async def one() -> bool:
        return (await db.run(chats.subscribe, 8, "private", DEFAULTS)).created

    created = await asyncio.gather(*(one() for _ in range(5)))
    assert created.count(True) == 1
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Chat)) == 1


async def test_a_new_chat_is_the_row_it_wrote_with_its_setup(db: Database) -> None:
    due = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)

    def first_delivery(chat: Chat) -> None:
        chat.next_due_at = due

    result = await db.run(chats.subscribe, 15, "group", DEFAULTS, setup=first_delivery)
    assert result.created
    async with db.session() as session:
        stored = await session.get(Chat, 15)
    assert stored is not None
    columns = [c.key for c in Chat.__table__.columns if c.key not in ("created_at", "updated_at")]
    # Defaults included (quiz day, quiz size, cycles): the object needs no reload.
    assert {k: getattr(result.chat, k) for k in columns} == {k: getattr(stored, k) for k in columns}
    assert stored.next_due_at == due and stored.type == "group" and stored.quiz_size == 3

    def another_delivery(chat: Chat) -> None:
        chat.next_due_at = due + dt.timedelta(days=3)

    # What setup fills in is for a new row only: a second /start keeps the row as it is.
    again = await db.run(chats.subscribe, 15, "group", DEFAULTS, setup=another_delivery)
    assert not again.created and again.chat.next_due_at == due


async def test_stop_keeps_preferences_and_start_resumes(db: Database) -> None:
    async with db.session() as session:
        result = await session.run_sync(chats.subscribe, 9, "private", DEFAULTS)
        result.chat.timezone = "Europe/Berlin"
    async with db.session() as session:
        assert await chats.unsubscribe(session, 9)
        assert not await chats.unsubscribe(session, 9)
    async with db.session() as session:
        resumed = await session.run_sync(chats.subscribe, 9, "private", DEFAULTS)
        assert not resumed.created and not resumed.was_active
        assert resumed.chat.timezone == "Europe/Berlin"
        assert resumed.chat.status == chats.Status.ACTIVE


async def test_forget_cascades(db: Database) -> None:
    async with db.session() as session:
        await session.run_sync(chats.subscribe, 10, "private", DEFAULTS)
    async with db.session() as session:
        session.add(
            Delivery(
                chat_id=10, local_date=dt.date(2026, 11, 22), kind="tip", status="sent",
                due_at=dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC), attempts=1,
            )
        )  # fmt: skip
    async with db.session() as session:
        assert await chats.forget(session, 10)
    async with db.session() as session:
        assert await session.get(Chat, 10) is None
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_timestamps_come_back_aware_utc(db: Database) -> None:
    instant = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    async with db.session() as session:
        result = await session.run_sync(chats.subscribe, 11, "private", DEFAULTS)
        result.chat.next_due_at = instant
    async with db.session() as session:
        chat = await session.get(Chat, 11)
        assert chat is not None
        assert chat.next_due_at == instant
        assert chat.next_due_at.tzinfo is not None


async def test_warm_opens_the_connections_before_the_first_update(db: Database) -> None:
    if db.is_sqlite:
        assert db._thread is not None and db._thread._executor is None
        await db.warm()
        # The database thread is up, with its connection open.
        assert db._thread._executor is not None and db._thread._sessions is not None
    else:
        await db.warm()
        assert db.engine.pool.checkedin() >= POOL_SIZE  # type: ignore[attr-defined]


async def test_a_connection_the_server_closed_is_replaced_before_use(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server: pgserver.PgServer
) -> None:
    db = Database(fresh_database_url(request, "postgresql", tmp_path))
    try:
        await db.warm()
        async with db.session() as session:
            pids = set(await session.scalars(text("SELECT pid FROM pg_stat_activity")))
            own = await session.scalar(text("SELECT pg_backend_pid()"))
            # Every other connection of the pool, closed by the server (as a restart would).
            await session.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> :own"
                     " AND datname = current_database()"),
                {"own": own},
            )  # fmt: skip
        await asyncio.sleep(0.2)  # the driver sees each socket close
        # Without a round trip before each transaction, every one of them still works.
        for _ in range(POOL_SIZE * 2):
            assert await db.answers()
        async with db.session() as session:
            now = set(await session.scalars(text("SELECT pid FROM pg_stat_activity")))
        assert len(pids) > 2 and own in now
    finally:
        await db.close()


async def test_read_gives_what_run_gives_without_a_transaction_on_postgresql(
    db: Database,
) -> None:
    await db.run(chats.subscribe, 16, "private", DEFAULTS)

    def status_and_transaction(session: Session, chat_id: int) -> tuple[str | None, bool]:
        chat = chats.get_chat(session, chat_id)
        driver = session.connection().connection.driver_connection
        assert driver is not None
        in_transaction = driver.in_transaction if db.is_sqlite else driver.is_in_transaction()
        return (chat.status if chat else None), in_transaction

    assert await db.read(status_and_transaction, 16) == ("active", db.is_sqlite)
    assert await db.read(status_and_transaction, 17) == (None, db.is_sqlite)
    # The same work through `run` is inside a transaction on both backends.
    assert await db.run(status_and_transaction, 16) == ("active", True)
