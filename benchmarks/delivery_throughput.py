"""Delivery engine throughput and peak memory, against the fake Bot API on 127.0.0.1.

No server-side limit and BROADCAST_RATE=10000, so the engine itself is what is measured.
Each run loads N due subscribers, then a fresh process runs one `tick` and reports its
wall time, CPU time, peak RSS and where the time went; the fake server's CPU is sampled
too, so the table can name the bottleneck.

    python benchmarks/delivery_throughput.py [--chats 100000] [--backend sqlite|postgresql|both]
        [--quiz]

With --quiz every subscriber is on its quiz day with three tips received before, so the
tick sends each one two messages (the tip with its buttons, then the first question of a
weekly quiz round it starts); without it scheduled quizzes are off.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from benchmarks.deliverykit import (
    ROOT,
    TOKEN,
    asyncpg_dsn,
    chat_rows,
    fake_bot_api,
    history_rows,
    load_postgres,
    load_sqlite,
    print_table,
)
from benchmarks.report import emit
from runtime.eventloop import loop_factory
from storage import Database, migrate

AT = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
# --quiz: a three-question weekly quiz on three tips each chat received before.
QUIZ_SIZE = 3
RECEIVED = 3


async def _child(database_url: str, api_url: str) -> dict[str, Any]:
    from content import load_library
    from runtime.config import EngineSettings
    from runtime.ratelimit import SendLimiter
    from runtime.startup import make_bot
    from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine

    settings = EngineSettings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api_url,
        database_url=database_url,
        broadcast_rate=10_000,
    )
    phases = {"claim": 0.0, "ledger marks": 0.0}

    db = Database(settings.database_url)
    limiter = SendLimiter(settings.broadcast_rate)
    bot = make_bot(settings, limiter, sends_in_flight=MAX_IN_FLIGHT)
    await bot.initialize()
    engine = DeliveryEngine(db, load_library(), bot, settings)
    claim_batch = engine.claims.claim_batch
    start_sending = engine.dispatch.start_sending
    record = engine.dispatch.record

    async def timed_claim(now: Any, summary: Any, limit: Any = None) -> Any:
        start = time.perf_counter()
        try:
            return await claim_batch(now, summary, limit)
        finally:
            phases["claim"] += time.perf_counter() - start

    async def timed_flip(items: Any) -> Any:
        start = time.perf_counter()
        try:
            return await start_sending(items)
        finally:
            phases["ledger marks"] += time.perf_counter() - start

    async def timed_record(group: Any, results: Any, summary: Any) -> None:
        start = time.perf_counter()
        try:
            await record(group, results, summary)
        finally:
            phases["ledger marks"] += time.perf_counter() - start

    # Wrapped on the instance: the engine calls these through its claim and dispatch parts.
    engine.claims.claim_batch = timed_claim  # type: ignore[method-assign]
    engine.dispatch.start_sending = timed_flip  # type: ignore[method-assign]
    engine.dispatch.record = timed_record  # type: ignore[method-assign]
    cpu_before = time.process_time()
    started = time.perf_counter()
    summary = await engine.tick(AT)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    await bot.shutdown()
    await limiter.shutdown()
    await db.close()
    return {
        "sent": summary.sent,
        "failed": summary.failed,
        "wall": wall,
        "cpu": cpu,
        "claim": phases["claim"],
        "marks": phases["ledger marks"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_child(database_url: str, api_url: str, server_pid: int) -> dict[str, Any]:
    server = psutil.Process(server_pid)
    server_cpu = server.cpu_times()
    # DELIVERY_PROFILE=<file> runs the tick under cProfile, to see where its time goes.
    profile = os.environ.get("DELIVERY_PROFILE")
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    output = subprocess.run(
        [sys.executable, *profiler, __file__, "--child", database_url, api_url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    after = server.cpu_times()
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["server_cpu"] = (after.user + after.system) - (server_cpu.user + server_cpu.system)
    return result


def _quiz_tips() -> list[str]:
    from content import load_library

    library = load_library()
    return [tip.id for tip in library.tips if library.quizzes_for_tip(tip.id)]


async def _prepare(backend: str, chats: int, workdir: Path, quiz: bool) -> tuple[str, Any]:
    quiz_size = QUIZ_SIZE if quiz else 0
    tips = _quiz_tips() if quiz else []
    if backend == "sqlite":
        path = workdir / "throughput.db"
        url = f"sqlite+aiosqlite:///{path}"
        db = Database(url)
        await migrate.upgrade(db)
        await db.close()
        load_sqlite(path, chat_rows(chats, AT, quiz_size=quiz_size))
        if quiz:
            load_sqlite(path, history_rows(chats, tips, RECEIVED), table="content_history")
        return url, None
    from devtools import pgserver

    server = pgserver.start()
    server.psql("CREATE DATABASE bench")
    url = server.url("bench")
    db = Database(url)
    await migrate.upgrade(db)
    await db.close()
    dsn = asyncpg_dsn(url)
    await load_postgres(dsn, chat_rows(chats, AT, quiz_size=quiz_size))
    if quiz:
        await load_postgres(dsn, history_rows(chats, tips, RECEIVED), table="content_history")
    return url, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--quiz", action="store_true", help="every subscriber on its quiz day: tip and quiz"
    )
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "API_URL"))
    args = parser.parse_args()
    if args.child:
        # The engine's own process runs on the loop production uses (runtime.eventloop).
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            print(json.dumps(runner.run(_child(*args.child))))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = []
    figures: dict[str, dict[str, Any]] = {}
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url, server = asyncio.run(_prepare(backend, args.chats, Path(tmp), args.quiz))
            try:
                with fake_bot_api("--light") as api_url:
                    pid = _server_pid(api_url)
                    result = _run_child(url, api_url, pid)
            finally:
                if server is not None:
                    server.stop()
        wall = result["wall"]
        figures[backend] = {
            "sent": result["sent"],
            "failed": result["failed"],
            "seconds": round(wall, 2),
            "msgs_per_s": round(result["sent"] / wall, 1),
            "peak_rss_mb": round(result["peak_mb"], 1),
        }
        rows.append(
            [
                backend,
                f"{args.chats:,}",
                f"{result['sent']:,}",
                f"{wall:.1f}",
                f"{result['sent'] / wall:,.0f}",
                f"{result['cpu'] / wall:.0%}",
                f"{result['server_cpu'] / wall:.0%}",
                f"{result['claim'] / wall:.0%} / {result['marks'] / wall:.0%}",
                f"{result['peak_mb']:.0f}",
            ]
        )
    kind = "tip and weekly quiz per subscriber" if args.quiz else "one message per subscriber"
    print_table(
        f"Delivery throughput ({kind}; no server limit, BROADCAST_RATE=10000, 2 cores)",
        [
            "backend",
            "subscribers",
            "sent",
            "seconds",
            "msgs/s",
            "engine CPU",
            "fake API CPU",
            "claim / ledger time",
            "peak RSS MB",
        ],
        rows,
    )
    emit(
        "delivery_throughput",
        {"subscribers": args.chats, "quiz": args.quiz, "backends": figures},
    )


def _server_pid(api_url: str) -> int:
    port = int(api_url.rsplit(":", 1)[1])
    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            assert connection.pid is not None
            return int(connection.pid)
    raise RuntimeError("fake Bot API process not found")


if __name__ == "__main__":
    main()
