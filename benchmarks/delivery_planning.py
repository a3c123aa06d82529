"""Planning: the due-query over 1,000,000 subscriptions, SQLite and PostgreSQL.

Subscribers are spread evenly over the day (about 700 due per minute). Each of 60 ticks
runs the engine's own due query (storage.deliveries.due_query, batch 500) and, separately,
the whole claim (UPDATE ... RETURNING, rolled back); EXPLAIN shows the plan.

    python benchmarks/delivery_planning.py [--chats 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.deliverykit import (
    asyncpg_dsn,
    chat_rows,
    load_postgres,
    load_sqlite,
    print_table,
)
from benchmarks.report import emit
from storage import Database, migrate
from storage.deliveries import claim_due, due_query

START = dt.datetime(2026, 11, 22, 0, 0, tzinfo=dt.UTC)
TICKS = 60
BATCH = 500


async def measure(url: str) -> tuple[list[float], list[float], str, int]:
    db = Database(url)
    query_ms: list[float] = []
    claim_ms: list[float] = []
    due_counts = []
    try:
        for tick in range(TICKS):
            now = START + dt.timedelta(minutes=7 * 60 + tick * 13)
            async with db.engine.connect() as connection:
                started = time.perf_counter()
                rows = (await connection.execute(due_query(now, BATCH))).all()
                query_ms.append((time.perf_counter() - started) * 1000)
                due_counts.append(len(rows))
                await connection.rollback()
            async with db.sessionmaker() as session:
                started = time.perf_counter()
                await claim_due(session, now, BATCH, "bench", now + dt.timedelta(minutes=10))
                claim_ms.append((time.perf_counter() - started) * 1000)
                await session.rollback()
        async with db.engine.connect() as connection:
            compiled = due_query(START + dt.timedelta(hours=7), BATCH).compile(
                connection.engine.sync_engine, compile_kwargs={"literal_binds": True}
            )
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            plan_rows = (await connection.execute(text(prefix + str(compiled)))).all()
            plan = " / ".join(str(row[-1]).strip() for row in plan_rows)
    finally:
        await db.close()
    return query_ms, claim_ms, plan, int(statistics.median(due_counts))


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


async def prepare(backend: str, chats: int, workdir: Path) -> tuple[str, object, float]:
    rows = chat_rows(chats, START, spread_minutes=24 * 60)
    started = time.perf_counter()
    if backend == "sqlite":
        path = workdir / "planning.db"
        url = f"sqlite+aiosqlite:///{path}"
        db = Database(url)
        await migrate.upgrade(db)
        await db.close()
        load_sqlite(path, rows)
        return url, None, time.perf_counter() - started
    from devtools import pgserver

    server = pgserver.start()
    server.psql("CREATE DATABASE planning")
    url = server.url("planning")
    db = Database(url)
    await migrate.upgrade(db)
    await db.close()
    await load_postgres(asyncpg_dsn(url), rows)
    return url, server, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=1_000_000)
    args = parser.parse_args()
    table = []
    plans = []
    figures: dict[str, dict[str, float]] = {}
    for backend in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            url, server, load_seconds = asyncio.run(prepare(backend, args.chats, Path(tmp)))
            try:
                query_ms, claim_ms, plan, due = asyncio.run(measure(url))
            finally:
                if server is not None:
                    server.stop()  # type: ignore[attr-defined]
        table.append(
            [
                backend,
                f"{args.chats:,}",
                f"{load_seconds:.0f}",
                str(due),
                f"{statistics.median(query_ms):.2f}",
                f"{p95(query_ms):.2f}",
                f"{statistics.median(claim_ms):.1f}",
                f"{p95(claim_ms):.1f}",
            ]
        )
        plans.append(f"{backend}: {plan}")
        figures[backend] = {
            "due_per_tick": due,
            "load_s": round(load_seconds, 1),
            "due_query_median_ms": round(statistics.median(query_ms), 3),
            "due_query_p95_ms": round(p95(query_ms), 3),
            "claim_median_ms": round(statistics.median(claim_ms), 2),
            "claim_p95_ms": round(p95(claim_ms), 2),
        }
    print_table(
        f"Planning over {args.chats:,} subscriptions ({TICKS} ticks, batch {BATCH})",
        ["backend", "subscriptions", "load s", "due/tick", "due-query ms (median)", "p95",
         "full claim ms (median)", "p95"],
        table,
    )  # fmt: skip
    print("Query plans:")
    for plan in plans:
        print(f"- {plan}")
    emit("delivery_planning", {"subscriptions": args.chats, "backends": figures})


if __name__ == "__main__":
    main()
