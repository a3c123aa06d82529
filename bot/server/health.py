"""What /healthz reports: the database answers, and every registered part is alive.

The report is reused for CACHE_SECONDS, and concurrent requests share one evaluation, so
however often /healthz is asked it costs at most one database query per CACHE_SECONDS: on
SQLite that query waits for the same transaction lock every handler uses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from storage import Database

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
Report = tuple[bool, dict[str, str]]
CHECK_TIMEOUT = 3.0
CACHE_SECONDS = 5.0


class Health:
    """Named async checks; the database is always one of them."""

    def __init__(
        self,
        db: Database,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks: dict[str, Check] = {"database": db.answers}
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: tuple[float, Report] | None = None
        self._lock = asyncio.Lock()

    def add(self, name: str, check: Check) -> None:
        """E.g. the in-process delivery scheduler registers "scheduler" here."""
        self._checks[name] = check
        self._cached = None  # the next report includes it

    async def report(self) -> Report:
        # One evaluation at a time; whoever waited for it gets its result from the cache.
        async with self._lock:
            if self._cached is not None:
                at, cached = self._cached
                if self._clock() - at < self._cache_seconds:
                    return cached[0], dict(cached[1])
            report = await self._evaluate()
            self._cached = (self._clock(), report)
            return report[0], dict(report[1])

    async def _evaluate(self) -> Report:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run(self._checks[n]) for n in names))
        report = {
            name: "ok" if good else "failing" for name, good in zip(names, results, strict=True)
        }
        return all(results), report

    @staticmethod
    async def _run(check: Check) -> bool:
        try:
            return await asyncio.wait_for(check(), CHECK_TIMEOUT)
        except Exception as error:  # a check that raises or hangs is a failing check
            log.warning("health check failed error_type=%s", type(error).__name__)
            return False
