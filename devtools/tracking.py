"""Knowing when the real Application has finished an update, so a driver never sleeps and guesses.

The tests' harness and the console both drive the real app and must wait for each update's
handlers to finish before they look at what the bot did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class UpdateTracker:
    """The ids of the updates an Application has finished processing, and a way to wait for one."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Event()

    def attach(self, processor: BaseUpdateProcessor) -> None:
        """Count an update as finished when its handlers end, however they end.

        Wrapping the update processor (rather than adding a last handler group) also sees
        updates whose handling ended early with ApplicationHandlerStop or an error.
        """
        original = processor.do_process_update

        async def tracked(update: object, coroutine: Awaitable[Any]) -> None:
            try:
                await original(update, coroutine)
            finally:
                if isinstance(update, Update):
                    self._done.add(update.update_id)
                    self._changed.set()

        processor.do_process_update = tracked  # type: ignore[method-assign]

    def finished(self, update_id: int) -> bool:
        return update_id in self._done

    async def wait(self, update_id: int) -> None:
        """Return once the update is finished (no time limit: wrap it in asyncio.timeout)."""
        while update_id not in self._done:
            self._changed.clear()
            await self._changed.wait()
