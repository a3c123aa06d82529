"""Queueing an admin broadcast for 100,000 subscribers, SQLite and PostgreSQL.

Measures, on a database of `--chats` active subscribers (every 20th one paused):
- the preview's audience count;
- the Send confirmation: one transaction flipping the draft and writing a `queued` ledger
  row per recipient with INSERT ... SELECT (storage.broadcasts.queue);
- the engine's broadcast claim (storage.deliveries.claim_broadcast_rows, batch 500) while
  the queue drains, and the same claim with nothing queued (what every tick pays).

    python benchmarks/broadcast_queue.py [--chats 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.deliverykit import asyncpg_dsn, chat_rows, load_postgres, load_sqlite, print_table
from benchmarks.report import emit
from storage import Database, broadcasts, migrate
from storage.deliveries import LedgerStatus, claim_broadcast_rows, mark, release_settled

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
BATCH = 500


def subscribers(count: int) -> Iterator[dict[str, Any]]:
    for number, row in enumerate(chat_rows(count, NOW + dt.timedelta(hours=8))):
        if number % 20 == 0:
            row["paused_indefinitely"] = True
        yield row


async def prepare(backend: str, chats: int, workdir: Path) -> tuple[str, object]:
    if backend == "sqlite":
        path = workdir / "broadcast.db"
        url = f"sqlite+aiosqlite:///{path}"
        db = Database(url)
        await migrate.upgrade(db)
        await db.close()
        load_sqlite(path, subscribers(chats))
        return url, None
    from devtools import pgserver

    server = pgserver.start()
    server.psql("CREATE DATABASE broadcast")
    url = server.url("broadcast")
    db = Database(url)
    await migrate.upgrade(db)
    await db.close()
    await load_postgres(asyncpg_dsn(url), subscribers(chats))
    return url, server


async def measure(url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        started = time.perf_counter()
        async with db.session() as session:
            audience = await broadcasts.audience(session, NOW)
        count_ms = (time.perf_counter() - started) * 1000
        async with db.session() as session:
            broadcast_id = await broadcasts.create_draft(session, "Benchmark news", 1, audience)
        started = time.perf_counter()
        async with db.session() as session:
            change = await broadcasts.queue(session, broadcast_id, NOW)
        queue_s = time.perf_counter() - started
        assert change.changed and change.audience == audience

        claim_ms: list[float] = []
        claimed = 0
        while True:
            started = time.perf_counter()
            async with db.session() as session:
                chats, rows = await claim_broadcast_rows(
                    session, NOW, BATCH, "bench", NOW + dt.timedelta(minutes=10)
                )
            elapsed_ms = (time.perf_counter() - started) * 1000
            if not chats:
                idle_ms = elapsed_ms
                break
            claim_ms.append(elapsed_ms)
            claimed += len(rows)
            # What the engine does once the batch is sent (not timed: it is the same for
            # the daily deliveries): settle the rows, give the chats back.
            async with db.session() as session:
                await mark(session, [r.id for r in rows], LedgerStatus.SENT, at=NOW)
                await release_settled(session, [c.id for c in chats])
        assert claimed == audience

        async with db.engine.connect() as connection:
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            plan_rows = (
                await connection.execute(
                    text(
                        prefix + "SELECT chats.id FROM chats JOIN deliveries ON "
                        "deliveries.chat_id = chats.id WHERE deliveries.status = 'queued' "
                        "LIMIT 500"
                    )
                )
            ).all()
            plan = " / ".join(str(row[-1]).strip() for row in plan_rows)
    finally:
        await db.close()
    return {
        "audience": audience,
        "count_ms": count_ms,
        "queue_s": queue_s,
        "claim_ms": claim_ms,
        "idle_ms": idle_ms,
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=100_000)
    args = parser.parse_args()
    table = []
    plans = []
    results: dict[str, dict[str, float]] = {}
    for backend in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            url, server = asyncio.run(prepare(backend, args.chats, Path(tmp)))
            try:
                figures = asyncio.run(measure(url))
            finally:
                if server is not None:
                    server.stop()  # type: ignore[attr-defined]
        claims = sorted(figures["claim_ms"])
        table.append(
            [
                backend,
                f"{args.chats:,}",
                f"{figures['audience']:,}",
                f"{figures['count_ms']:.0f}",
                f"{figures['queue_s']:.2f}",
                f"{statistics.median(claims):.1f}",
                f"{claims[int(len(claims) * 0.95) - 1]:.1f}",
                f"{figures['idle_ms']:.2f}",
            ]
        )
        plans.append(f"{backend}: {figures['plan']}")
        results[backend] = {
            "recipients": figures["audience"],
            "audience_count_ms": round(figures["count_ms"], 2),
            "queue_s": round(figures["queue_s"], 3),
            "claim_median_ms": round(statistics.median(claims), 2),
            "claim_p95_ms": round(claims[int(len(claims) * 0.95) - 1], 2),
            "idle_claim_ms": round(figures["idle_ms"], 3),
        }
    print_table(
        f"Queueing a broadcast ({args.chats:,} subscribers, 1 in 20 paused)",
        ["backend", "subscribers", "recipients", "audience count ms", "queue (Send) s",
         f"claim per {BATCH} ms (median)", "p95", "claim, nothing queued ms"],
        table,
    )  # fmt: skip
    print("Claim query plans:")
    for plan in plans:
        print(f"- {plan}")
    emit("broadcast_queue", {"subscribers": args.chats, "backends": results})


if __name__ == "__main__":
    main()
