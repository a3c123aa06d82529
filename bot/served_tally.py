"""How often each FAQ answer is shown: counted in memory, written every few seconds.

Every answer used to add one to its row in `faq_served` in a transaction of its own: a
database round trip per answer, all of them on the same few rows. The counts only feed
/stats, so they are summed here and written in one transaction per interval; a process
that is killed outright loses at most the last interval's counts, a stopped one none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from storage import Database, feedback

log = logging.getLogger(__name__)

FLUSH_EVERY = 5.0


class ServedTally:
    def __init__(self, db: Database, interval: float = FLUSH_EVERY) -> None:
        self.db = db
        self.interval = interval
        self._counts: Counter[str] = Counter()
        self._writer: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()

    def add(self, faq_id: str) -> None:
        self._counts[faq_id] += 1
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_periodically(), name="served-tally")

    async def flush(self) -> None:
        """Write what has been counted so far (/stats calls this before reading)."""
        async with self._flushing:
            counts, self._counts = self._counts, Counter()
            if not counts:
                return
            try:
                # One whole transaction in the database thread: an async session held
                # the SQLite lock across a loop turn per statement, and on a busy loop
                # every reply waiting on the database waited for it.
                await self.db.run(feedback.record_served, counts)
            except Exception:
                # Keep them for the next try: the database may be back by then.
                self._counts.update(counts)
                raise

    async def close(self) -> None:
        """Stop the periodic writer and write the rest."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        await self.flush()

    async def _write_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.exception("could not write the served counts; retrying later")
