"""What /healthz reports: the database answers, and every registered part is alive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage import Database

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT = 3.0


class Health:
    """Named async checks; the database is always one of them."""

    def __init__(self, db: Database) -> None:
        self._checks: dict[str, Check] = {"database": db.answers}

    def add(self, name: str, check: Check) -> None:
        """E.g. the in-process delivery scheduler registers "scheduler" here."""
        self._checks[name] = check

    async def report(self) -> tuple[bool, dict[str, str]]:
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
