"""Building blocks for delivery tests: chats written straight to the database, engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from content import Library, Topic
from runtime.config import EngineSettings
from runtime.ratelimit import SendLimiter
from runtime.startup import make_bot
from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine
from scheduler.schedule import next_due_for
from storage import Database
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
    **fields: Any,
) -> dt.datetime:
    """Subscribe a chat as the bot would and return its first due instant after `now`."""
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
        **{"paused_indefinitely": False, **fields},
    )
    chat.next_due_at = next_due_for(chat, now) if status == "active" else None
    async with db.session() as session:
        session.add(chat)
    assert chat.next_due_at is not None or status != "active"
    return chat.next_due_at  # type: ignore[return-value]


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
async def running_engine(
    db: Database,
    library: Library,
    api_url: str,
    database_url: str,
    *,
    chat_interval: float = 1.0,
    **overrides: Any,
) -> AsyncIterator[DeliveryEngine]:
    """An engine with its own Bot API client; `chat_interval=0` lets tests that stand for
    many days, or retry one chat, run without waiting a real second per message."""
    settings = engine_settings(api_url, database_url, **overrides)
    limiter = SendLimiter(settings.broadcast_rate, chat_interval=chat_interval)
    bot = make_bot(settings, limiter, sends_in_flight=MAX_IN_FLIGHT)
    await bot.initialize()
    try:
        yield DeliveryEngine(db, library, bot, settings, backoff=0.01)
    finally:
        await bot.shutdown()
        await limiter.shutdown()
