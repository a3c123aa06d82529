"""One delivery pass: claim who is due, write the ledger, send, record what happened.

A tick works through the due chats in batches of at most `delivery_batch_size` (a few
seconds' sending at the send rate), so memory depends on the batch, not on the audience.
Each batch is claimed in one short transaction that also writes the ledger rows, picks the
content and moves every chat to its next slot (scheduler/claims.py, deciding with
scheduler/planning.py); the messages are then sent outside any transaction, each row
flagged `sending` just before its own send (so a crash can be told apart from work not yet
started, and loses at most the sends in flight), and settled in groups
(scheduler/dispatch.py).

A tick first settles what earlier ticks left (a dead worker's unsent rows, sends that
provably failed), then the daily deliveries, then the queued rows of admin broadcasts the
same way: claimed chat by chat in batches, flagged `sending` one by one, through the same
limiter. Broadcasts never hold daily work up: before each broadcast batch the tick claims
any daily slot that fell due meanwhile, and a tick sends at most a budget of broadcast
messages, so a broadcast of any size runs across ticks, each starting with daily work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from telegram.ext import ExtBot

from content import Library
from runtime.config import EngineSettings
from scheduler.claims import CLAIM_LEASE, Claims
from scheduler.dispatch import MAX_IN_FLIGHT, Dispatcher, StopSignal
from scheduler.planning import DeliveryObserver, Outgoing, TickSummary
from storage import Database

__all__ = [
    "CLAIM_LEASE",
    "MAX_IN_FLIGHT",
    "DeliveryEngine",
    "DeliveryObserver",
    "TickSummary",
    "worker_name",
]

log = logging.getLogger(__name__)

# A daily slot that falls due during a broadcast waits for at most the broadcast batch
# being sent and the one claimed next: each about this much sending.
BROADCAST_BATCH_SECONDS = 5.0
# Daily chats claimed at once: about this much sending, up to `delivery_batch_size`. The
# next batch is claimed while one is sent, so a few seconds' worth keeps the sender fed;
# and on SQLite a claim holds the only write lock while it plans every chat in it, so at
# Telegram's 30 messages a second a 500-chat claim made replies wait (the 8:00 rush,
# `benchmarks/load.py --due`: slowest reply 342-356 ms, 145-195 ms with 150 chats).
DAILY_BATCH_SECONDS = 5.0
# The broadcast messages one tick sends at most: about this much sending, so the service
# starts the next tick (daily work first, recovery, retries) at least once a minute.
TICK_BROADCAST_SECONDS = 50.0


def daily_batch_size(settings: EngineSettings, group_size: int) -> int:
    """Daily chats per claim: DAILY_BATCH_SECONDS of sending, at least a group."""
    wanted = max(group_size, round(settings.broadcast_rate * DAILY_BATCH_SECONDS))
    return min(settings.delivery_batch_size, wanted)


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryEngine:
    def __init__(
        self,
        db: Database,
        library: Library,
        bot: ExtBot[Any],
        settings: EngineSettings,
        *,
        worker: str | None = None,
        backoff: float = 0.5,
        observer: DeliveryObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        broadcast_per_tick: int | None = None,
    ) -> None:
        self.db = db
        self.library = library
        self.bot = bot
        self.settings = settings
        self.worker = worker or worker_name()
        # When a delivery last finished (time.monotonic()), for health checks.
        self.last_progress: float | None = None
        self.group_size = max(10, min(200, round(settings.broadcast_rate)))
        rate = settings.broadcast_rate
        self.broadcast_batch = max(self.group_size, round(rate * BROADCAST_BATCH_SECONDS))
        self.daily_batch = daily_batch_size(settings, self.group_size)
        self.broadcast_per_tick = broadcast_per_tick or max(
            self.broadcast_batch, round(rate * TICK_BROADCAST_SECONDS)
        )
        self.observer = observer
        self._clock = clock
        # The pause between two messages to one chat, as the bot's rate limiter keeps it.
        self._chat_interval = float(
            getattr(bot.rate_limiter, "chat_interval", settings.chat_send_interval)
        )
        # The tick's `now` and the clock reading it corresponds to (see `now()`).
        self._origin: tuple[dt.datetime, float] | None = None
        self._stop = StopSignal()
        self.claims = Claims(
            db, settings, self.worker, library=lambda: self.library, observe=self._observe
        )
        self.dispatch = Dispatcher(
            db,
            bot,
            settings,
            group_size=self.group_size,
            backoff=backoff,
            observe=self._observe,
            stop=self._stop,
            clock=self.now,
        )

    def now(self) -> dt.datetime:
        """The current tick's `now`, moved on by the time the tick has taken so far.

        A tick is given its instant (tests and `python -m scheduler tick --at` give any);
        claims and retries made later in a long tick must count from when they happen.
        """
        if self._origin is None:
            return dt.datetime.now(dt.UTC)
        start, reading = self._origin
        return start + dt.timedelta(seconds=self._clock() - reading)

    def request_stop(self) -> None:
        """Finish the sends in flight, then stop; unsent claims are released."""
        self._stop.request()

    @property
    def stopping(self) -> bool:
        return self._stop.requested

    async def tick(self, now: dt.datetime) -> TickSummary:
        """Deliver everything due at `now` (an aware instant), then return the counts."""
        if now.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        self._origin = (now.astimezone(dt.UTC), self._clock())
        self.dispatch.gone.clear()
        summary = TickSummary()
        if self.stopping:
            return summary
        await self.claims.repair_schedules(self.now())
        # First what earlier ticks left: a dead worker's unsent rows, then failed sends.
        for take in (self.claims.recover, self.claims.retry):
            while not self.stopping:
                resumed = await take(self.now(), summary)
                if resumed is None:
                    break
                await self.dispatch.deliver(resumed, summary)
        budget = self.broadcast_per_tick

        async def daily_first(limit: int | None) -> list[Outgoing] | None:
            nonlocal budget
            daily = await self.claims.claim_batch(self.now(), summary, limit or self.daily_batch)
            if daily is not None or budget <= 0:
                return daily
            size = min(limit or self.broadcast_batch, self.broadcast_batch, budget)
            batch = await self.claims.claim_broadcast_batch(self.now(), summary, size)
            budget -= len(batch or ())
            return batch

        # A chat's broadcast rows go one per claim, and a pass skips chats still claimed
        # from its previous batch: passes repeat until one finds nothing (a chat's second
        # broadcast) or the budget is spent.
        while await self._stream(daily_first, summary) and budget > 0:
            pass
        summary.more = budget <= 0 and not self.stopping
        await self._release_unsent()
        return summary

    async def _stream(
        self,
        claim: Callable[[int | None], Awaitable[list[Outgoing] | None]],
        summary: TickSummary,
    ) -> bool:
        """Claim and send batches until `claim` finds nothing more (or a stop); False if
        there was nothing to claim."""
        # The next batch is claimed while the current one is being sent, so the database
        # round trips hide behind the network; at most two batches are ever in memory.
        # The claim waits until the first groups are under way: on SQLite it holds the
        # only write lock, and the sender must not wait for it with nothing to send.
        # A small first batch gets the first messages out while the rest is claimed.
        #
        # A chat's second message of a slot (its quiz after its tip) waits in `follow_ups`
        # until one per-chat interval after its batch was sent, and goes out with a later
        # batch: sent right behind its tip it would hold a send slot idle for up to that
        # interval (Telegram's one message a second in a chat). Those waiting are at most
        # about a second's worth of messages, so memory stays bounded.
        if self.stopping:
            return False
        batch = await claim(self.group_size)
        found = batch is not None
        follow_ups: list[tuple[float, Outgoing]] = []
        while (batch is not None or follow_ups) and not self.stopping:
            if batch is None and follow_ups[0][0] > time.monotonic():
                # Nothing else to send: wait for the first follow-up to be due.
                await asyncio.sleep(follow_ups[0][0] - time.monotonic())
            ready_at = time.monotonic()
            ready = [item for at, item in follow_ups if at <= ready_at]
            follow_ups = [(at, item) for at, item in follow_ups if at > ready_at]
            items = [*(batch or ()), *ready]
            sending = [item for item in items if item.sequence == 0]
            started = asyncio.Event()
            delivery = asyncio.ensure_future(self.dispatch.deliver(sending, summary, started))
            waiting = asyncio.ensure_future(started.wait())
            await asyncio.wait([delivery, waiting], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            try:
                batch = await claim(None) if batch is not None else None
            finally:
                await delivery
            due = time.monotonic() + self._chat_interval
            follow_ups.extend(
                (due, replace(item, sequence=item.sequence - 1))
                for item in items
                if item.sequence > 0
            )
        unsent = [*(batch or ()), *(item for _, item in follow_ups)]
        self._stop.unsent.extend(item.chat_id for item in unsent)
        return found and not self.stopping

    async def _release_unsent(self) -> None:
        """After a stop: give back the claims on rows that never started sending.

        Their ledger rows stay `claimed`, which proves they never went out, so the next run
        (any worker) takes them over at once instead of waiting for the lease to expire.
        """
        unsent, self._stop.unsent = self._stop.unsent, []
        if unsent:
            await self.claims.release(unsent)
            log.info("stopped with %d deliveries unsent; the next run sends them", len(unsent))

    def _observe(self, outcome: str, lag_seconds: float | None = None) -> None:
        self.last_progress = time.monotonic()
        if self.observer is not None:
            self.observer.observe_delivery(outcome, lag_seconds)
