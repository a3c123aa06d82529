"""The every-minute job: APScheduler runs one tick at a time and never queues up ticks.

`python -m bot` starts it next to update handling (SCHEDULER_ENABLED=true);
`python -m scheduler` runs it alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from scheduler.engine import DeliveryEngine

log = logging.getLogger(__name__)

JOB_ID = "magbot-delivery"
# A tick starts every minute; one that has neither finished nor delivered anything for this
# long means the scheduler is stuck (or its job died).
STALE_AFTER = 180.0


class DeliveryService:
    """Runs `engine.tick` at the start of every minute (UTC)."""

    def __init__(
        self, engine: DeliveryEngine, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._running: asyncio.Task[object] | None = None
        self._clock = clock
        self._started_at: float | None = None
        self.last_tick_finished: float | None = None
        # Set once a tick has finished, for whoever waits for the first one.
        self.ticked = asyncio.Event()
        # Work arrived while a tick was running (maybe past the point it would see it).
        self._again = False

    def healthy(self, stale_after: float = STALE_AFTER) -> bool:
        """Ticking: the last tick finished (or a long broadcast delivered something) within
        `stale_after` seconds, or the service started less than that long ago."""
        if self._started_at is None or not self.scheduler.running:
            return False
        now = self._clock()
        latest = max(
            t
            for t in (self._started_at, self.last_tick_finished, self.engine.last_progress)
            if t is not None
        )
        return now - latest < stale_after

    async def health_check(self) -> bool:
        """The "scheduler" check of bot.server.health.Health."""
        return self.healthy()

    def start(self) -> None:
        self.scheduler.add_job(
            self._tick,
            CronTrigger(second=0, timezone=dt.UTC),
            id=JOB_ID,
            # A late or overlapping tick is merged into one: a tick always delivers
            # everything due, so running it twice in a row would only find nothing.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=55,
            # First pass right away, so a restart catches up without waiting a minute.
            next_run_time=dt.datetime.now(dt.UTC),
        )
        self.scheduler.start()
        self._started_at = self._clock()
        log.info("delivery scheduler started as worker %s", self.engine.worker)

    def run_soon(self) -> None:
        """Run a tick now rather than at the next minute, e.g. for a broadcast just queued.

        A tick in progress may already be past the point where it would see the new work,
        so then it runs once more as soon as it has finished.
        """
        if not self.scheduler.running or self.engine.stopping:
            return
        if self._running is not None:
            self._again = True
            return
        self.scheduler.modify_job(JOB_ID, next_run_time=dt.datetime.now(dt.UTC))

    async def _tick(self) -> None:
        self._running = asyncio.current_task()
        try:
            again = True
            while again and not self.engine.stopping:
                self._again = False
                summary = await self.engine.tick(dt.datetime.now(dt.UTC))
                if summary.due:
                    log.info("delivery tick: %s", summary.line())
                # A broadcast that outlasted the tick's budget goes on in the next tick
                # right away; that tick first sends any daily slot due by then.
                again = self._again or summary.more
        except Exception:
            # The next minute tries again; the ledger keeps retries from duplicating.
            log.exception("delivery tick failed")
        finally:
            self._running = None
            self.last_tick_finished = self._clock()
            self.ticked.set()

    async def stop(self, grace: float = 20.0) -> None:
        """Stop ticking; let the group in flight finish (bounded), then return."""
        self.engine.request_stop()
        if self.scheduler.running:
            self.scheduler.pause()
        running = self._running
        if running is not None and not running.done():
            try:
                await asyncio.wait_for(asyncio.shield(running), grace)
            except TimeoutError:
                running.cancel()
                log.warning("delivery tick cancelled at shutdown; the ledger settles it later")
        # Only now: shutting the scheduler down cancels the job it is running.
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
