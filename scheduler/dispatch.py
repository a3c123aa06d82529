"""Sending claimed work: flag each row `sending` just before its own request, send, and
record what happened in the ledger, a group at a time.

At most MAX_IN_FLIGHT sends run at once, the flips to `sending` are coalesced into shared
UPDATEs, and two groups overlap so one group's ledger writes never leave the sender idle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from telegram.ext import ExtBot

from runtime.config import EngineSettings
from runtime.logs import redact
from scheduler.coalesce import Coalescer
from scheduler.planning import Observe, Outgoing, TickSummary
from scheduler.sender import Outcome, Result, send_scheduled
from storage import Database
from storage import chats as chat_repo
from storage import deliveries as ledger
from storage.deliveries import LedgerStatus

log = logging.getLogger(__name__)

# Sends in flight at once; below the HTTP pool size so interactive replies always find
# a free connection.
MAX_IN_FLIGHT = 128
# A send that provably failed waits at least this long: the next tick, not this one.
RETRY_AFTER = dt.timedelta(seconds=30)


_OBSERVED = {Outcome.GONE: "blocked", Outcome.NOT_SENT: "retry"}


class StopSignal:
    """A request to stop, and the chats whose claimed rows it left unsent."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        # Released when the tick ends, so the next run (any worker) sends them at once.
        self.unsent: list[int] = []

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()


class Dispatcher:
    def __init__(
        self,
        db: Database,
        bot: ExtBot[Any],
        settings: EngineSettings,
        *,
        group_size: int,
        backoff: float,
        observe: Observe,
        stop: StopSignal,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.db = db
        self.bot = bot
        self.settings = settings
        self.group_size = group_size
        self.backoff = backoff
        self._observe = observe
        self._stop = stop
        self._clock = clock
        self._secrets = [settings.bot_token.get_secret_value()]
        # Chats found gone (blocked, deleted) this tick: their other messages of the slot
        # (a quiz after the tip) are settled without asking Telegram again.
        self.gone: set[int] = set()

    async def deliver(
        self,
        batch: Sequence[Outgoing],
        summary: TickSummary,
        started: asyncio.Event | None = None,
    ) -> None:
        """Send a batch; `started` is set once the first rows are flagged `sending`.

        Each row turns `sending` only after its send has a slot, in one conditional UPDATE
        shared with the other sends starting at that moment, so at most MAX_IN_FLIGHT rows
        are ever `sending` without having been answered: a crash loses at most those.
        """
        stop = self._stop
        in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        sending = 0
        # Flipping a few rows per transaction costs as much as flipping many: the next rows
        # are flipped together once half of the sends in flight have been answered.
        flipping: Coalescer[Outgoing, bool] = Coalescer(
            self._flip, ready=lambda: sending <= MAX_IN_FLIGHT // 2
        )

        async def send(item: Outgoing) -> Result | None:
            nonlocal sending
            async with in_flight:
                if stop.requested:
                    stop.unsent.append(item.chat_id)
                    return None
                if not await flipping.submit(item):
                    return None  # another worker took the row over; it is theirs to send
                if started is not None:
                    started.set()
                sending += 1
                try:
                    return await send_scheduled(
                        self.bot,
                        item.chat_id,
                        item.text,
                        retries=self.settings.send_retries,
                        backoff=self.backoff,
                        reply_markup=item.reply_markup,
                    )
                finally:
                    sending -= 1
                    flipping.poke()

        gone = self.gone

        async def deliver_group(group: list[Outgoing]) -> None:
            if stop.requested:
                # Left `claimed` and released at the end of the tick: the next run sends them.
                stop.unsent.extend(item.chat_id for item in group)
                return
            results = await asyncio.gather(*(send(item) for item in group))
            done = [(i, r) for i, r in zip(group, results, strict=True) if r is not None]
            gone.update(i.chat_id for i, r in done if r.outcome is Outcome.GONE)
            await self.record([i for i, _ in done], [r for _, r in done], summary)

        # Two groups overlap, so one group's ledger writes never leave the sender idle.
        overlap = asyncio.Semaphore(2)

        async def deliver_in_turn(group: list[Outgoing]) -> None:
            async with overlap:
                await deliver_group(group)

        # A chat's second message (its quiz after its tip) goes in a later wave, once the
        # first has been answered, so it always arrives second.
        waves: dict[int, list[Outgoing]] = {}
        for item in batch:
            waves.setdefault(item.sequence, []).append(item)
        try:
            for sequence in sorted(waves):
                wave = waves[sequence]
                if gone.intersection(i.chat_id for i in wave):
                    await self._skip_gone([i for i in wave if i.chat_id in gone], summary)
                    wave = [i for i in wave if i.chat_id not in gone]
                groups = [
                    wave[start : start + self.group_size]
                    for start in range(0, len(wave), self.group_size)
                ]
                await asyncio.gather(*(deliver_in_turn(group) for group in groups))
        finally:
            if started is not None:
                started.set()

    async def _skip_gone(self, items: Sequence[Outgoing], summary: TickSummary) -> None:
        """Settle the later messages of chats that proved gone with their first: blocked,
        without asking Telegram again."""
        if not items:
            return
        async with self.db.session() as session:
            await ledger.mark(
                session,
                [i for item in items for i in item.ledger_ids],
                LedgerStatus.BLOCKED,
                error="the chat was gone when its first message of the slot was sent",
            )
            await ledger.release_settled(session, [item.chat_id for item in items])
        for _ in items:
            summary.failed += 1
            self._observe("blocked")

    async def _flip(self, items: list[Outgoing]) -> list[bool]:
        mine = await self.start_sending(items)
        # Every row of the message, or no send: if another worker flipped any of them,
        # it may be sending this same message. Rows flipped here without a send stay
        # `sending` and end `interrupted`: maybe lost, never twice.
        return [all(i in mine for i in item.ledger_ids) for item in items]

    async def start_sending(self, items: Sequence[Outgoing]) -> set[int]:
        """Flip the items' rows from claimed to sending; returns the ids of the rows this
        call flipped: only their messages go out."""
        return await ledger.start_sending(self.db, [i for item in items for i in item.ledger_ids])

    async def record(
        self, group: Sequence[Outgoing], results: Iterable[Result], summary: TickSummary
    ) -> None:
        if not group:
            return
        sent_at = dt.datetime.now(dt.UTC)
        sent: list[int] = []
        by_outcome: list[tuple[Outgoing, Result]] = []
        for item, result in zip(group, results, strict=True):
            if result.outcome is Outcome.SENT:
                sent.extend(item.ledger_ids)
                summary.sent += 1
                lag = None if item.broadcast else (sent_at - item.due_at).total_seconds()
                self._observe("sent", lag)
            else:
                by_outcome.append((item, result))
                summary.failed += 1
                self._observe(_OBSERVED.get(result.outcome, "failed"))
        async with self.db.session() as session:
            await ledger.mark(session, sent, LedgerStatus.SENT, at=sent_at)
            for item, result in by_outcome:
                # Stored and logged: masked even if some layer below quoted a URL.
                error = redact(result.error or "", self._secrets) or None
                status = {
                    Outcome.GONE: LedgerStatus.BLOCKED,
                    Outcome.UNKNOWN: LedgerStatus.UNKNOWN,
                    Outcome.FAILED: LedgerStatus.FAILED,
                    # Provably not delivered: a later tick sends it while still timely.
                    Outcome.NOT_SENT: LedgerStatus.RETRY,
                }[result.outcome]
                await ledger.mark(
                    session,
                    item.ledger_ids,
                    status,
                    error=error,
                    attempts=result.attempts,
                    retry_at=self._clock() + RETRY_AFTER,
                )
                if result.outcome is Outcome.GONE:
                    summary.blocked += 1
                    await chat_repo.mark_blocked(session, item.chat_id)
                    log.info("chat %s is gone (%s): no more deliveries", item.chat_id, error)
                else:
                    log.warning("delivery to chat %s failed: %s", item.chat_id, error)
            # A chat's other delivery (daily or broadcast) may still be under way.
            await ledger.release_settled(session, [item.chat_id for item in group])
