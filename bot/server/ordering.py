"""Concurrent update processing that keeps each chat's updates in order, with bounded backlogs.

Different chats are served in parallel; two taps in one chat are handled one after the
other, so a settings change can never overtake the one before it.

Three bounds keep one busy chat from hurting the others:

- An update first waits for its chat's turn, and only then takes one of the global handler
  slots. Updates queued behind a slow chat therefore hold no slot, and other chats are
  served at once however long that chat's queue is.
- A chat may have at most `chat_limit` updates waiting or running. Past that, new ones are
  dropped (counted in /metrics) and the chat is told once to wait.
- The whole process holds at most `Backlog.limit` accepted, unfinished updates: the
  webhook answers 503 past it (Telegram retries later) and polling waits before fetching
  more. That also bounds what a shutdown has to finish and what a crash could lose.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.server.flood import ask_to_wait
from bot.server.metrics import Metrics

log = logging.getLogger(__name__)


class Backlog:
    """How many updates this process has accepted and not yet finished."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the backlog limit must be positive")
        self.limit = limit
        self.count = 0
        self._room = asyncio.Event()
        self._room.set()

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def add(self) -> None:
        self.count += 1
        if self.full:
            self._room.clear()

    def done(self) -> None:
        self.count = max(0, self.count - 1)
        if not self.full:
            self._room.set()

    async def room(self) -> None:
        """Return once the backlog is below its limit."""
        while self.full:
            await self._room.wait()


class UpdateQueue(asyncio.Queue[object]):
    """The Application's update queue, counting every update put on it into `backlog`.

    Both ways in pass through here: polling's Updater puts each fetched update (and waits
    for room before fetching, see bot.server.transport), and the webhook offers each POSTed
    one, which is refused while the backlog is full. The processor below counts an update
    out when its handlers finish.
    """

    def __init__(self, backlog: Backlog) -> None:
        super().__init__()
        self.backlog = backlog

    def put_nowait(self, item: object) -> None:
        # asyncio.Queue.put() ends here too; the queue is unbounded, so this never raises.
        super().put_nowait(item)
        if isinstance(item, Update):
            self.backlog.add()

    def offer(self, update: Update) -> bool:
        """Queue `update` unless the backlog is full (then the caller says "busy")."""
        if self.backlog.full:
            return False
        self.put_nowait(update)
        return True


@dataclass
class _ChatLine:
    """One chat's updates: the lock that runs them one at a time, and how many there are."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    admitted: int = 0
    # Told to wait during this run of backlog; reset once the chat's queue empties.
    warned: bool = False


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        handler_slots: int,
        *,
        backlog: Backlog,
        chat_limit: int,
        metrics: Metrics | None = None,
    ) -> None:
        # PTB takes its own semaphore before do_process_update, that is before an update
        # waits for its chat. It must never be what makes an update wait (that was the
        # head-of-line stall), so it is sized out of the way: the backlog bounds the
        # number of updates, and `_slots` below bounds the handlers running at once.
        super().__init__(sys.maxsize)
        self.backlog = backlog
        self.chat_limit = chat_limit
        self._slots = asyncio.Semaphore(handler_slots)
        self._chats: dict[int, _ChatLine] = {}
        self._metrics = metrics

    def waiting(self, chat_id: int) -> int:
        """Updates of `chat_id` admitted and not finished (running or waiting their turn)."""
        line = self._chats.get(chat_id)
        return line.admitted if line is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                async with self._slots:
                    await coroutine
                return
            line = self._chats.get(chat.id)
            if line is None:
                line = self._chats[chat.id] = _ChatLine()
            if line.admitted >= self.chat_limit:
                _discard(coroutine)
                await self._drop(update, line)
                return
            line.admitted += 1
            try:
                # The chat's turn first, then a slot: see the module docstring.
                async with line.lock, self._slots:
                    await coroutine
            finally:
                line.admitted -= 1
                # Forget the chat once nothing of it is left, so memory stays flat.
                if not line.admitted and self._chats.get(chat.id) is line:
                    del self._chats[chat.id]
        finally:
            if isinstance(update, Update):
                self.backlog.done()

    async def _drop(self, update: object, line: _ChatLine) -> None:
        if self._metrics is not None:
            self._metrics.updates_dropped.labels(reason="chat_backlog").inc()
        if line.warned or not isinstance(update, Update):
            return
        line.warned = True
        chat = update.effective_chat
        log.warning("chat backlog full, dropping updates chat_id=%s", chat.id if chat else None)
        await ask_to_wait(update)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a handler coroutine that will never run (no "never awaited" warning)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
