"""The chat cache (storage/chat_cache.py): what a lookup costs, and how stale another process
can be.

- Lookups: `Database.chat_view` for chats held in memory, and the same with the cache off
  (one query each), on a SQLite file and on PostgreSQL; wall time and CPU per lookup.
- The change feed (PostgreSQL): one process commits a change to a chat that a second
  process holds, and the second's cache drops it when the notification arrives. The time
  from the first's commit returning to the second's eviction is how long the second could
  still serve the old value; the next message of a person, who first sees the reply
  confirming the change, comes far later.

    python benchmarks/chat_cache.py --database-url postgresql://... [--changes 500]
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

from sqlalchemy.orm import Session

from benchmarks.report import emit
from storage import Database, chats, migrate, preferences

DEFAULTS = chats.NewChatDefaults("UTC", dt.time(8, 0), ["cramps"])
LOOKUPS = 5000
BANDS = ("19-30", "31-50")


def _set_band(session: Session, chat_id: int, band: str) -> None:
    chat = preferences.chat_for_update(session, chat_id)
    assert chat is not None
    chat.age_band = band


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _open(url: str) -> Database:
    db = Database(url)
    await migrate.upgrade(db)
    await db.cache_chats(sole_handler=True)
    return db


async def _lookups(db: Database, chat_ids: list[int]) -> dict[str, float]:
    """Microseconds of wall time and CPU per lookup, from memory and from the database."""
    figures: dict[str, float] = {}
    for source in ("memory", "database"):
        if source == "database":
            db.chat_cache.turn_off()
        for chat_id in chat_ids:  # fills the cache (memory), warms the pool (database)
            await db.chat_view(chat_id)
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(LOOKUPS):
            await db.chat_view(chat_ids[n % len(chat_ids)])
        figures[f"{source}_us"] = round((time.perf_counter() - wall) * 1e6 / LOOKUPS, 1)
        figures[f"{source}_cpu_us"] = round((time.process_time() - cpu) * 1e6 / LOOKUPS, 1)
    return figures


async def _feed_latency(first: Database, second: Database, chat_ids: list[int]) -> list[float]:
    """Milliseconds from the first process's commit to the second dropping the chat."""
    latencies = []
    for n, chat_id in enumerate(chat_ids):
        assert await second.chat_view(chat_id) is not None
        assert second.chat_cache.get(chat_id) is not None
        await first.run(_set_band, chat_id, BANDS[n % 2])
        committed = time.perf_counter()
        while second.chat_cache.get(chat_id) is not None:
            await asyncio.sleep(0)
            if time.perf_counter() - committed > 5:
                raise RuntimeError("no notification within 5 s")
        latencies.append((time.perf_counter() - committed) * 1000)
    return latencies


async def _backend(url: str, changes: int, with_feed: bool) -> dict[str, object]:
    first = await _open(url)
    second = await _open(url) if with_feed else None
    try:
        chat_ids = list(range(1, changes + 1))
        for chat_id in chat_ids:
            await first.run(chats.subscribe, chat_id, "private", DEFAULTS)
        figures: dict[str, object] = {}
        if second is not None:
            feed = await _feed_latency(first, second, chat_ids)
            figures.update(
                changes=len(feed),
                feed_p50_ms=round(statistics.median(feed), 2),
                feed_p99_ms=round(_percentile(feed, 0.99), 2),
                feed_max_ms=round(max(feed), 2),
            )
        figures.update(await _lookups(first, chat_ids))
        return figures
    finally:
        await first.close()
        if second is not None:
            await second.close()


def _print(backend: str, figures: dict[str, object]) -> None:
    print(
        f"| {backend} | {figures['memory_us']} ({figures['memory_cpu_us']}) | "
        f"{figures['database_us']} ({figures['database_cpu_us']}) |"
    )


async def main_async(database_url: str, changes: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        sqlite = await _backend(f"sqlite+aiosqlite:///{workdir}/cache.db", changes, False)
    postgresql = await _backend(database_url, changes, True)
    print(f"Chat cache: {LOOKUPS} lookups over {changes} chats; microseconds per lookup")
    print("wall (CPU)\n")
    print("| Backend | from memory | from the database (cache off) |")
    print("|---|---:|---:|")
    _print("sqlite", sqlite)
    _print("postgresql", postgresql)
    print(
        f"\nChange feed, PostgreSQL, {postgresql['changes']} changes committed by one process: "
        f"the other dropped the chat p50 {postgresql['feed_p50_ms']} ms, "
        f"p99 {postgresql['feed_p99_ms']} ms, max {postgresql['feed_max_ms']} ms after the commit"
    )
    emit("chat_cache", {"sqlite": sqlite, "postgresql": postgresql})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--changes", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main_async(args.database_url, args.changes))


if __name__ == "__main__":
    main()
