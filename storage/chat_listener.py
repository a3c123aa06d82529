"""PostgreSQL's `chats_changed` notifications, evicting chats from this process's cache.

One connection of its own (outside the pool: LISTEN holds it for the process's life).
The cache serves only while that connection listens: it is turned on, empty, once LISTEN
has taken effect, and off (and emptied) the moment the connection is lost, so a change
made while nobody listened can never be served stale. The connection is re-opened with a
growing pause, and checked with a trivial query when quiet, since a dead peer is not
always noticed otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage.chat_cache import ChatCache

log = logging.getLogger("storage.chat_listener")

CHANNEL = "chats_changed"
# How the connection shows in pg_stat_activity.
APPLICATION_NAME = "magbot chat listener"
# How long a quiet connection goes unchecked, and the longest pause between attempts.
CHECK_EVERY = 15.0
MAX_PAUSE = 30.0


class ChangeListener:
    def __init__(self, url: URL, cache: ChatCache) -> None:
        self._engine = create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"server_settings": {"application_name": APPLICATION_NAME}},
        )
        self._cache = cache
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self, wait: float = 10.0) -> None:
        """Listen in the background; wait up to `wait` s for the first LISTEN to take effect.

        If it does not, the bot starts anyway with the cache off, and keeps trying.
        """
        self._task = asyncio.create_task(self._listen_for_ever(), name="chat-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._cache.turn_off()
        await self._engine.dispose()

    async def _listen_for_ever(self) -> None:
        pause = 1.0
        while True:
            try:
                async with self._engine.connect() as connection:
                    await self._listen(connection)
                    pause = 1.0
            except (
                OSError,
                TimeoutError,
                SQLAlchemyError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
            ) as error:
                log.warning("chat change feed lost (%s); chat cache off until it is back", error)
            finally:
                self._listening.clear()
                self._cache.turn_off()
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)

    async def _listen(self, connection: AsyncConnection) -> None:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        lost = asyncio.Event()
        driver.add_termination_listener(lambda _connection: lost.set())
        await driver.add_listener(CHANNEL, self._notified)
        self._cache.turn_on()
        self._listening.set()
        log.info("chat change feed listening; chat cache on")
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), CHECK_EVERY)
            if not lost.is_set():
                await asyncio.wait_for(connection.execute(text("SELECT 1")), CHECK_EVERY)
        raise OSError("the connection closed")

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            chat_id = int(payload)
        except ValueError:
            # Not ours to interpret: forget everything rather than guess.
            self._cache.turn_off()
            self._cache.turn_on()
            return
        self._cache.evict((chat_id,))
