"""Building blocks for delivery tests: chats written straight to the database, engines."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select
from telegram.ext import ExtBot

from content import Library, Topic
from runtime.config import EngineSettings
from runtime.http import AiohttpRequest
from runtime.ratelimit import SendLimiter
from runtime.startup import make_bot
from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine
from scheduler.render import broadcast_text
from scheduler.schedule import next_due_for
from storage import Database, broadcasts
from storage.models import Chat, Delivery
from tests.harness import TOKEN

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def engine_settings(api_url: str, database_url: str, **overrides: Any) -> EngineSettings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "broadcast_rate": 1000,
        # Telegram's one message a second per chat, scaled down: the pacing is the same
        # code, and a test with a tip and a quiz for one chat does not wait a second.
        "chat_send_interval": 0.05,
    }
    values.update(overrides)
    return EngineSettings(_env_file=None, **values)


async def add_chat(
    db: Database,
    chat_id: int,
    *,
    now: dt.datetime,
    timezone: str = "UTC",
    at: dt.time = dt.time(9, 0),
    frequency: str = "daily",
    topics: list[str] | None = None,
    diet: list[str] | None = None,
    food_mode: str = "with_tip",
    food_weekday: int = 0,
    status: str = "active",
    quiz_size: int = 0,
    **fields: Any,
) -> dt.datetime:
    """Subscribe a chat as the bot would and return its first due instant after `now`.

    Scheduled quizzes are off unless asked for (`quiz_size`): most delivery tests count
    the daily messages alone, and a Sunday slot with tip history would add a quiz."""
    chat = Chat(
        id=chat_id,
        type="private",
        status=status,
        timezone=timezone,
        delivery_time=at,
        frequency=frequency,
        topics=topics if topics is not None else [str(t) for t in Topic],
        diet=diet or [],
        food_mode=food_mode,
        food_weekday=food_weekday,
        tip_cycle=1,
        food_cycle=1,
        quiz_size=quiz_size,
        **{"paused_indefinitely": False, **fields},
    )
    chat.next_due_at = next_due_for(chat, now) if status == "active" else None
    async with db.session() as session:
        session.add(chat)
    assert chat.next_due_at is not None or status != "active"
    return chat.next_due_at  # type: ignore[return-value]


async def broadcast_to(db: Database, text: str, now: dt.datetime) -> str:
    """Queue a broadcast to every current subscriber; returns the text each one gets."""
    async with db.session() as session:
        broadcast_id = await broadcasts.create_draft(session, text, 1, 0)
        assert (await broadcasts.queue(session, broadcast_id, now)).changed
    return broadcast_text(text)


async def chat_row(db: Database, chat_id: int) -> Chat:
    async with db.session() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        return chat


async def ledger_rows(db: Database, chat_id: int | None = None) -> list[Delivery]:
    async with db.session() as session:
        query = select(Delivery).order_by(Delivery.chat_id, Delivery.local_date, Delivery.kind)
        if chat_id is not None:
            query = query.where(Delivery.chat_id == chat_id)
        return list(await session.scalars(query))


@asynccontextmanager
async def sending_bot(
    api_url: str, *, limiter_retries: int = 5, read_timeout: float = 15.0
) -> AsyncIterator[ExtBot[Any]]:
    """The engine's own kind of Bot API client (aiohttp transport, SendLimiter), alone."""
    limiter = SendLimiter(1000, chat_interval=0, max_retries=limiter_retries)
    requests = (AiohttpRequest(MAX_IN_FLIGHT + 4, read_timeout=read_timeout), AiohttpRequest(1))
    bot: ExtBot[Any] = ExtBot(
        TOKEN,
        base_url=f"{api_url}/bot",
        request=requests[0],
        get_updates_request=requests[1],
        rate_limiter=limiter,
    )
    # No bot.initialize() (getMe): the address may be one nobody listens on. The requests
    # open their sessions on first use, so they are closed here, not by bot.shutdown().
    try:
        yield bot
    finally:
        for request in requests:
            await request.shutdown()
        await limiter.shutdown()


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_engine(
    db: Database,
    library: Library,
    api_url: str,
    database_url: str,
    *,
    chat_interval: float = 0.05,
    limiter_retries: int = 5,
    clock: Callable[[], float] = time.monotonic,
    broadcast_per_tick: int | None = None,
    **overrides: Any,
) -> AsyncIterator[DeliveryEngine]:
    """An engine with its own Bot API client. Its per-chat pacing is Telegram's one message a
    second scaled down to 50 ms (the same code, without a real second's wait between a
    chat's tip and its quiz); `chat_interval=0` lets tests that stand for many days, or
    retry one chat, run without any wait;
    `limiter_retries=0` gives up on the first 429; `clock` is the engine's own."""
    settings = engine_settings(api_url, database_url, **overrides)
    limiter = SendLimiter(
        settings.broadcast_rate, chat_interval=chat_interval, max_retries=limiter_retries
    )
    bot = make_bot(settings, limiter, sends_in_flight=MAX_IN_FLIGHT)
    await bot.initialize()
    try:
        yield DeliveryEngine(
            db,
            library,
            bot,
            settings,
            backoff=0.01,
            clock=clock,
            broadcast_per_tick=broadcast_per_tick,
        )
    finally:
        await bot.shutdown()
        await limiter.shutdown()
