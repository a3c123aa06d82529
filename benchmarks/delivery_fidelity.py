"""Fidelity under Telegram-style limits: the fake Bot API answers 429 past R messages/s.

For each R the engine runs with BROADCAST_RATE=R against a server enforcing R per second
overall and 1 per second per chat, delivers to R x seconds subscribers, and the table shows
the rate achieved, 429s received, duplicates and losses (from the server's own counters).

    python benchmarks/delivery_fidelity.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delivery_throughput import AT
from benchmarks.deliverykit import TOKEN, chat_rows, fake_bot_api, load_sqlite, print_table
from benchmarks.report import emit
from content import load_library
from devtools.fakebotapi import FakeBotAPIClient
from runtime.config import EngineSettings
from runtime.ratelimit import SendLimiter
from runtime.startup import make_bot
from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine
from storage import Database, migrate
from storage.deliveries import counts_by_status


async def run(rate: int, seconds: float, workdir: Path) -> tuple[list[str], dict[str, Any]]:
    chats = int(rate * seconds)
    url = f"sqlite+aiosqlite:///{workdir / f'fidelity-{rate}.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    await db.close()
    load_sqlite(workdir / f"fidelity-{rate}.db", chat_rows(chats, AT))
    with fake_bot_api("--light", "--rate-limit", str(rate), "--per-chat-limit", "1") as api_url:
        settings = EngineSettings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=api_url,
            database_url=url,
            broadcast_rate=rate,
        )
        db = Database(url)
        limiter = SendLimiter(rate)
        bot = make_bot(settings, limiter, sends_in_flight=MAX_IN_FLIGHT)
        await bot.initialize()
        engine = DeliveryEngine(db, load_library(), bot, settings)
        started = time.perf_counter()
        summary = await engine.tick(AT)
        wall = time.perf_counter() - started
        async with db.session() as session:
            ledger = await counts_by_status(session)
        await bot.shutdown()
        await limiter.shutdown()
        await db.close()
        async with FakeBotAPIClient(api_url) as client:
            stats = await client.stats()
    accepted = stats.sends_accepted
    achieved = accepted / wall
    lost = chats - len(stats.per_chat)
    figures = {
        "rate": rate,
        "subscribers": chats,
        "accepted": accepted,
        "seconds": round(wall, 2),
        "msgs_per_s": round(achieved, 2),
        "percent_of_rate": round(achieved / rate * 100, 2),
        "rate_limited": stats.rate_limited,
        "duplicates": stats.duplicates,
        "lost": lost,
        "failed": summary.failed,
    }
    row = [
        str(rate),
        f"{chats:,}",
        f"{accepted:,}",
        f"{wall:.1f}",
        f"{achieved:.1f}",
        f"{achieved / rate:.1%}",
        str(stats.rate_limited),
        str(stats.duplicates),
        str(lost),
        f"{ledger.get('sent', 0):,} sent"
        + ("" if summary.failed == 0 else f", {summary.failed} failed"),
    ]
    return row, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[30, 300])
    args = parser.parse_args()
    rows, runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rate in args.rates:
            row, figures = asyncio.run(run(rate, args.seconds, Path(tmp)))
            rows.append(row)
            runs.append(figures)
    print_table(
        f"Fidelity under a server enforcing R msg/s (and 1/s per chat), ~{args.seconds:.0f} s each",
        ["R", "subscribers", "accepted", "seconds", "msgs/s", "% of R", "429s", "duplicates",
         "lost", "ledger"],
        rows,
    )  # fmt: skip
    emit("delivery_fidelity", {"seconds": args.seconds, "runs": runs})


if __name__ == "__main__":
    main()
