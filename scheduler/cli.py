"""`python -m scheduler`: deliver on schedule with no update handling.

python -m scheduler                 run the every-minute delivery job until SIGTERM
python -m scheduler tick [--at T]   one delivery pass as of instant T (default now),
                                    then print "due=… sent=… skipped=… failed=…"
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import signal

from runtime.config import EngineSettings, load_settings
from runtime.eventloop import loop_factory
from runtime.logs import configure_logging
from runtime.ratelimit import SendLimiter
from runtime.startup import initialize_bot, load_content, make_bot, open_database
from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine, TickSummary
from scheduler.service import DeliveryService

log = logging.getLogger("scheduler")


def parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 instant: {value[:40]!r} (e.g. 2026-11-22T07:00:00Z)"
        ) from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(
            "the instant needs a UTC offset, e.g. 2026-11-22T07:00:00Z or +01:00"
        )
    return instant.astimezone(dt.UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler", description="MagBot's delivery engine."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="deliver every minute until stopped (the default)")
    tick = commands.add_parser("tick", help="one delivery pass, then exit")
    tick.add_argument(
        "--at",
        type=parse_instant,
        default=None,
        help="deliver as of this instant (ISO 8601 with offset); default: now",
    )
    return parser


async def _with_engine(settings: EngineSettings, at: dt.datetime | None) -> TickSummary | None:
    library = load_content()
    db = await open_database(settings.database_url)
    limiter = SendLimiter(settings.broadcast_rate, chat_interval=settings.chat_send_interval)
    bot = make_bot(settings, limiter, sends_in_flight=MAX_IN_FLIGHT)
    try:
        await initialize_bot(bot, settings)
        engine = DeliveryEngine(db, library, bot, settings)
        if at is not None:
            # SIGTERM mid-tick: finish the sends in flight, release the rest, exit 0.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, engine.request_stop)
            return await engine.tick(at)
        await _serve(engine)
        return None
    finally:
        await bot.shutdown()
        await limiter.shutdown()
        await db.close()


async def _serve(engine: DeliveryEngine) -> None:
    service = DeliveryService(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    service.start()
    await stop.wait()
    log.info("shutting down")
    await service.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = load_settings(EngineSettings)
    configure_logging(settings.log_level, [settings.bot_token.get_secret_value()])
    at: dt.datetime | None = None
    if args.command == "tick":
        at = args.at or dt.datetime.now(dt.UTC)
    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            summary = runner.run(_with_engine(settings, at))
    except KeyboardInterrupt:
        return
    if summary is not None:
        print(summary.line(), flush=True)
