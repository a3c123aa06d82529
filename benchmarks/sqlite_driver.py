"""SQLite access paths compared on one update's typical transaction.

The bot's ordinary update reads the chat's row, counts a served answer (an upsert) and
writes the chat back: three statements in one transaction. Each path runs that
transaction many times, one after another and 32 at once, on a fresh SQLite file:

- `aiosqlite` (the async sessions, e.g. the delivery engine's): SQLAlchemy's async session
  over aiosqlite; every statement is a round trip to aiosqlite's thread (a queue put, a
  future and a wake-up of the loop).
- `thread`: the same ORM code, synchronous, with the whole transaction run in one
  dedicated database thread, one hop per transaction (what `Database.run` does for an
  ordinary update's transactions).
- `thread-raw`: the standard library's sqlite3 in one dedicated thread, no ORM: the floor.

CPU is the process's (all threads) per transaction; it is what a busy bot pays.

    python benchmarks/sqlite_driver.py [--transactions 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import sessionmaker

from benchmarks.report import emit
from storage import Database, migrate
from storage.models import Chat, FaqServed

CHATS = 1000
CONCURRENCY = 32
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _prepare(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executemany(
        "INSERT INTO chats (id, type, status, paused_indefinitely, timezone, delivery_time,"
        " frequency, topics, diet, food_mode, food_weekday, menu_version, tip_cycle,"
        " food_cycle) VALUES (?, 'private', 'active', 0, 'Europe/Berlin', '08:00:00.000000',"
        " 'daily', '[]', '[]', 'with_tip', 0, 1, 1, 1)",
        [(chat_id,) for chat_id in range(1, CHATS + 1)],
    )
    connection.commit()
    connection.close()


def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def _run(work: Callable[[int], Awaitable[None]], transactions: int, concurrency: int) -> None:
    queue = iter(range(transactions))

    async def worker() -> None:
        for number in queue:
            await work(number % CHATS + 1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _aiosqlite(url: str) -> Callable[[int], Awaitable[None]]:
    db = Database(url)

    async def work(chat_id: int) -> None:
        async with db.session() as session:
            chat = await session.get(Chat, chat_id)
            assert chat is not None
            await session.execute(
                sqlite_insert(FaqServed)
                .values(faq_id="what-is-magnesium", count=1)
                .on_conflict_do_update(
                    index_elements=[FaqServed.faq_id], set_={"count": FaqServed.count + 1}
                )
            )
            chat.menu_version += 1

    return work


async def _thread(path: Path) -> Callable[[int], Awaitable[None]]:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _pragmas)
    sessions = sessionmaker(engine, expire_on_commit=False)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    loop = asyncio.get_running_loop()

    def transaction(chat_id: int) -> None:
        with sessions() as session, session.begin():
            chat = session.get(Chat, chat_id)
            assert chat is not None
            session.execute(
                sqlite_insert(FaqServed)
                .values(faq_id="what-is-magnesium", count=1)
                .on_conflict_do_update(
                    index_elements=[FaqServed.faq_id], set_={"count": FaqServed.count + 1}
                )
            )
            chat.menu_version += 1

    async def work(chat_id: int) -> None:
        await loop.run_in_executor(executor, transaction, chat_id)

    return work


async def _thread_raw(path: Path) -> Callable[[int], Awaitable[None]]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    loop = asyncio.get_running_loop()
    connection = await loop.run_in_executor(
        executor, lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    )
    _pragmas(connection, None)

    def transaction(chat_id: int) -> None:
        connection.execute("BEGIN")
        row = connection.execute(
            "SELECT id, status, timezone, menu_version FROM chats WHERE id = ?", (chat_id,)
        ).fetchone()
        assert row is not None
        connection.execute(
            "INSERT INTO faq_served (faq_id, count) VALUES ('what-is-magnesium', 1)"
            " ON CONFLICT (faq_id) DO UPDATE SET count = faq_served.count + 1"
        )
        connection.execute("UPDATE chats SET menu_version = ? WHERE id = ?", (row[3] + 1, chat_id))
        connection.execute("COMMIT")

    async def work(chat_id: int) -> None:
        await loop.run_in_executor(executor, transaction, chat_id)

    return work


async def measure(name: str, transactions: int) -> list[tuple[str, int, float, float]]:
    rows: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        setup = Database(url)
        await migrate.upgrade(setup)
        await setup.close()
        _prepare(path)
        if name == "aiosqlite":
            work = await _aiosqlite(url)
        elif name == "thread":
            work = await _thread(path)
        else:
            work = await _thread_raw(path)
        await _run(work, 200, 1)  # warm up: caches, compiled statements
        for concurrency in (1, CONCURRENCY):
            cpu, wall = time.process_time(), time.perf_counter()
            await _run(work, transactions, concurrency)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            rows.append((name, concurrency, transactions / wall, cpu / transactions * 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=4000)
    args = parser.parse_args()
    print(f"{'path':<11} {'at once':>7} {'tx/s':>8} {'CPU ms/tx':>10}")
    paths = []
    for name in ("aiosqlite", "thread", "thread-raw"):
        for path, concurrency, rate, cpu_ms in asyncio.run(measure(name, args.transactions)):
            print(f"{path:<11} {concurrency:>7} {rate:>8,.0f} {cpu_ms:>10.3f}")
            paths.append(
                {
                    "path": path,
                    "concurrency": concurrency,
                    "tx_per_s": round(rate, 1),
                    "cpu_ms_per_tx": round(cpu_ms, 4),
                }
            )
    emit("sqlite_driver", {"transactions": args.transactions, "paths": paths})


if __name__ == "__main__":
    main()
