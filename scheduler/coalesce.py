"""Many small requests, one database round trip: callers submit items one at a time, and
every item submitted while a flush is running goes into the next flush together.

Under load the batches grow by themselves (the longer a flush takes, the more items wait
for the next one), and a `ready` gate can hold a flush back until enough items wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """`submit(item)` returns `flush(items)[i]` for the flush that carried `item`.

    A flush starts only while `ready()` is true; whoever makes it true again calls `poke()`.
    """

    def __init__(
        self,
        flush: Callable[[list[T]], Awaitable[Sequence[R]]],
        *,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self._flush = flush
        self._ready = ready
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self.poke()
        return await future

    def poke(self) -> None:
        """Start a flush if items wait, none is running and `ready()` allows it."""
        if not self._waiting or not self._ready():
            return
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._waiting and self._ready():
            taken, self._waiting = self._waiting, []
            try:
                results = await self._flush([item for item, _ in taken])
            except asyncio.CancelledError:
                for _, future in taken:
                    future.cancel()
                raise
            except Exception as error:
                for _, future in taken:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(taken, results, strict=True):
                if not future.done():
                    future.set_result(result)
