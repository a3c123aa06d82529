"""One delivery pass: claim who is due, write the ledger, send, record what happened.

A tick works through the due chats in batches of `delivery_batch_size`, so memory depends
on the batch, not on the audience. Each batch is claimed in one short transaction that
also writes the ledger rows, picks the content and moves every chat to its next slot; the
messages are then sent outside any transaction, each row flagged `sending` just before its
own send (so a crash can be told apart from work not yet started, and loses at most the
sends in flight), and settled in groups.

After the daily deliveries, a tick sends the queued rows of admin broadcasts the same way:
claimed chat by chat in batches, flagged `sending` one by one, through the same limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ExtBot

from content import Food, Library, Tip
from runtime.config import EngineSettings
from scheduler import rotation
from scheduler.coalesce import Coalescer
from scheduler.render import broadcast_text, delivery_text, profile_of
from scheduler.schedule import FREQUENCY_DAYS, Frequency, delivery_weekdays, next_slot
from scheduler.sender import Outcome, Result, send_scheduled
from storage import Database, broadcasts, history
from storage import chats as chat_repo
from storage import deliveries as ledger
from storage.deliveries import ChatUpdate, DueChat, Kind, LedgerEntry, LedgerStatus
from storage.models import Delivery

log = logging.getLogger(__name__)

# How long a claim protects a worker's unfinished rows from being taken over. It must
# outlast one batch's sending, 429 pauses and retries included; a crashed worker's
# not-yet-sent rows wait this long before another worker sends them.
CLAIM_LEASE = dt.timedelta(minutes=10)
# Sends in flight at once; below the HTTP pool size so interactive replies always find
# a free connection.
MAX_IN_FLIGHT = 128


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class TickSummary:
    due: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    recovered: int = 0

    def line(self) -> str:
        return (
            f"due={self.due} sent={self.sent} skipped={self.skipped} failed={self.failed} "
            f"(blocked={self.blocked}, recovered={self.recovered})"
        )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: a chat's tip and/or food idea, and the ledger rows it settles."""

    chat_id: int
    text: str
    ledger_ids: tuple[int, ...]
    due_at: dt.datetime
    # A broadcast message: not tied to a local time, so it has no lateness to report.
    broadcast: bool = False


@dataclass
class _Plan:
    """What a claimed chat gets at this slot, before the ledger has had its say."""

    chat: DueChat
    local_date: dt.date
    due_at: dt.datetime
    picks: dict[Kind, rotation.Pick] = field(default_factory=dict)


class DeliveryObserver(Protocol):
    """Told about every finished delivery: `outcome` is sent, failed, blocked or skipped,
    and `lag_seconds` how long after its due time Telegram accepted it (sent only).
    bot.server.metrics.Metrics is one."""

    def observe_delivery(self, outcome: str, lag_seconds: float | None = None) -> None: ...


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
    ) -> None:
        self.db = db
        self.library = library
        self.bot = bot
        self.settings = settings
        self.worker = worker or worker_name()
        self.backoff = backoff
        # When a delivery last finished (time.monotonic()), for health checks.
        self.last_progress: float | None = None
        self.group_size = max(10, min(200, round(settings.broadcast_rate)))
        self.observer = observer
        self._stopping = asyncio.Event()
        # Chats whose claimed rows a stop left unsent, released when the tick ends.
        self._unsent: list[int] = []

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        # On SQLite, Database queues transactions (one writer at a time) with the bot's own.
        async with self.db.session() as session:
            yield session

    def request_stop(self) -> None:
        """Finish the sends in flight, then stop; unsent claims are released."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def tick(self, now: dt.datetime) -> TickSummary:
        """Deliver everything due at `now` (an aware instant), then return the counts."""
        if now.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        now = now.astimezone(dt.UTC)
        summary = TickSummary()
        if self._stopping.is_set():
            return summary
        await self._recover(now, summary)
        await self._stream(lambda limit: self._claim_batch(now, summary, limit), now, summary)
        # A chat's rows go one per claim, and a pass skips chats still claimed from its
        # previous batch: passes repeat until one finds nothing (a chat's second broadcast).
        while await self._stream(
            lambda limit: self._claim_broadcast_batch(now, summary, limit), now, summary
        ):
            pass
        await self._release_unsent()
        return summary

    async def _stream(
        self,
        claim: Callable[[int | None], Awaitable[list[Outgoing] | None]],
        now: dt.datetime,
        summary: TickSummary,
    ) -> bool:
        """Claim and send batches until `claim` finds nothing more (or a stop); False if
        there was nothing to claim."""
        # The next batch is claimed while the current one is being sent, so the database
        # round trips hide behind the network; at most two batches are ever in memory.
        # The claim waits until the first groups are under way: on SQLite it holds the
        # only write lock, and the sender must not wait for it with nothing to send.
        # A small first batch gets the first messages out while the rest is claimed.
        if self._stopping.is_set():
            return False
        batch = await claim(self.group_size)
        found = batch is not None
        while batch is not None and not self._stopping.is_set():
            started = asyncio.Event()
            delivery = asyncio.ensure_future(self._deliver(batch, now, summary, started))
            waiting = asyncio.ensure_future(started.wait())
            await asyncio.wait([delivery, waiting], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            try:
                batch = await claim(None)
            finally:
                await delivery
        if batch is not None:
            self._unsent.extend(item.chat_id for item in batch)
        return found and not self._stopping.is_set()

    async def _release_unsent(self) -> None:
        """After a stop: give back the claims on rows that never started sending.

        Their ledger rows stay `claimed`, which proves they never went out, so the next run
        (any worker) takes them over at once instead of waiting for the lease to expire.
        """
        unsent, self._unsent = self._unsent, []
        if unsent:
            async with self._transaction() as session:
                await ledger.release(session, unsent)
            log.info("stopped with %d deliveries unsent; the next run sends them", len(unsent))

    # ------------------------------------------------------------------ claiming

    async def _claim_batch(
        self, now: dt.datetime, summary: TickSummary, limit: int | None = None
    ) -> list[Outgoing] | None:
        lease = now + CLAIM_LEASE
        size = min(limit or self.settings.delivery_batch_size, self.settings.delivery_batch_size)
        # One library for the whole batch, even if /reload swaps in another meanwhile.
        library = self.library
        async with self._transaction() as session:
            claimed = await ledger.claim_due(session, now, size, self.worker, lease)
            if not claimed:
                return None
            summary.due += len(claimed)
            seen = await history.seen_in_current_cycle(session, [c.id for c in claimed])
            plans: list[_Plan] = []
            updates: dict[int, ChatUpdate] = {}
            for number, chat in enumerate(claimed):
                if number % 10 == 9:
                    # Planning is pure CPU; let the limiter release the messages in flight.
                    await asyncio.sleep(0)
                try:
                    plan = self._plan(library, chat, now, seen)
                    updates[chat.id] = ChatUpdate(
                        chat.id, self._next_due(chat, now), chat.tip_cycle, chat.food_cycle
                    )
                except (ValueError, KeyError) as error:
                    # Broken preferences must not stop everyone else's delivery.
                    log.error("chat %s has an unusable schedule: %s", chat.id, error)
                    updates[chat.id] = ChatUpdate(
                        chat.id, now + dt.timedelta(days=1), chat.tip_cycle, chat.food_cycle
                    )
                    summary.failed += 1
                    continue
                if plan is None:
                    summary.skipped += 1
                    self._observe("skipped")
                else:
                    plans.append(plan)
            entries = [
                LedgerEntry(p.chat.id, p.local_date, kind, pick.item_id, p.due_at)
                for p in plans
                for kind, pick in p.picks.items()
            ]
            opened = await ledger.open_entries(session, entries)
            outgoing, shown = self._compose(library, plans, opened, updates, summary)
            await history.record(session, shown)
            await ledger.reschedule(session, list(updates.values()))
            await ledger.release(session, [c.id for c in claimed if c.id not in outgoing])
        return list(outgoing.values())

    def _plan(
        self,
        library: Library,
        chat: DueChat,
        now: dt.datetime,
        seen: dict[tuple[int, Kind], set[str]],
    ) -> _Plan | None:
        assert chat.next_due_at is not None
        tz = ZoneInfo(chat.timezone)
        due_at = chat.next_due_at
        if _paused(chat, now) or due_at < now - self.settings.catchup_window:
            return None
        local_day = due_at.astimezone(tz).date()
        plan = _Plan(chat, local_day, due_at)
        weekday = local_day.weekday()
        if weekday in FREQUENCY_DAYS[Frequency(chat.frequency)]:
            tips = [t.id for t in rotation.tip_candidates(library, chat.topics)]
            pick = rotation.pick_next(
                tips, seen.get((chat.id, Kind.TIP), set()), chat_id=chat.id, cycle=chat.tip_cycle
            )
            if pick is not None:
                plan.picks[Kind.TIP] = pick
        if _food_day(chat, weekday):
            foods = [f.id for f in rotation.food_candidates(library, chat.diet)]
            pick = rotation.pick_next(
                foods,
                seen.get((chat.id, Kind.FOOD), set()),
                chat_id=chat.id,
                cycle=chat.food_cycle,
            )
            if pick is not None:
                plan.picks[Kind.FOOD] = pick
        return plan if plan.picks else None

    def _next_due(self, chat: DueChat, now: dt.datetime) -> dt.datetime:
        after = now
        if chat.paused_until is not None and chat.paused_until > now:
            after = chat.paused_until
        return next_slot(
            after,
            tz=ZoneInfo(chat.timezone),
            at=chat.delivery_time,
            weekdays=delivery_weekdays(chat.frequency, chat.food_mode, chat.food_weekday),
        )

    def _compose(
        self,
        library: Library,
        plans: Sequence[_Plan],
        opened: dict[tuple[int, Kind], int],
        updates: dict[int, ChatUpdate],
        summary: TickSummary,
    ) -> tuple[dict[int, Outgoing], list[history.Shown]]:
        outgoing: dict[int, Outgoing] = {}
        shown: list[history.Shown] = []
        for plan in plans:
            chat = plan.chat
            won = {kind: pick for kind, pick in plan.picks.items() if (chat.id, kind) in opened}
            if not won:
                summary.skipped += 1  # this day's delivery is already in the ledger
                self._observe("skipped")
                continue
            tip_pick, food_pick = won.get(Kind.TIP), won.get(Kind.FOOD)
            current = updates[chat.id]
            updates[chat.id] = ChatUpdate(
                chat.id,
                current.next_due_at,
                tip_pick.cycle if tip_pick else current.tip_cycle,
                food_pick.cycle if food_pick else current.food_cycle,
            )
            shown.extend(
                history.Shown(chat.id, kind, pick.item_id, pick.cycle) for kind, pick in won.items()
            )
            text = self._render(
                library,
                chat,
                library.tip(tip_pick.item_id) if tip_pick else None,
                library.food(food_pick.item_id) if food_pick else None,
            )
            ids = tuple(opened[(chat.id, kind)] for kind in won)
            outgoing[chat.id] = Outgoing(chat.id, text, ids, plan.due_at)
        return outgoing, shown

    def _render(self, library: Library, chat: DueChat, tip: Tip | None, food: Food | None) -> str:
        profile = profile_of(chat.age_band, chat.sex, chat.life_stage, library.intake)
        return delivery_text(library, tip, food, profile)

    async def _claim_broadcast_batch(
        self, now: dt.datetime, summary: TickSummary, limit: int | None = None
    ) -> list[Outgoing] | None:
        """Claim chats with queued broadcast rows; None once there are none left."""
        size = min(limit or self.settings.delivery_batch_size, self.settings.delivery_batch_size)
        async with self._transaction() as session:
            chats, rows = await ledger.claim_broadcast_rows(
                session, now, size, self.worker, now + CLAIM_LEASE
            )
            if not chats:
                return None
            summary.due += len(rows)
            texts = await broadcasts.texts(
                session, [r.broadcast_id for r in rows if r.broadcast_id]
            )
            outgoing = self._broadcast_messages(chats, rows, texts, now)
            sending = {o.chat_id for o in outgoing}
            missed = [r.id for r in rows if r.chat_id not in sending]
            await ledger.mark(
                session,
                missed,
                LedgerStatus.MISSED,
                error="not subscribed or paused when its turn came",
            )
            await ledger.release(session, [c.id for c in chats if c.id not in sending])
        summary.skipped += len(missed)
        for _ in missed:
            self._observe("skipped")
        return outgoing

    def _broadcast_messages(
        self,
        chats: Sequence[DueChat],
        rows: Sequence[ledger.OpenDelivery],
        texts: dict[int, str],
        now: dt.datetime,
    ) -> list[Outgoing]:
        """The messages of claimed broadcast rows whose chat still wants them.

        A chat that stopped, blocked the bot or paused since the queueing gets nothing;
        broadcasts have no catch-up window (they are not tied to anyone's local time).
        """
        by_chat = {chat.id: chat for chat in chats}
        outgoing: list[Outgoing] = []
        for row in rows:
            chat = by_chat[row.chat_id]
            body = texts.get(row.broadcast_id) if row.broadcast_id is not None else None
            if body is None or chat.status != chat_repo.Status.ACTIVE or _paused(chat, now):
                continue
            outgoing.append(
                Outgoing(chat.id, broadcast_text(body), (row.id,), row.due_at, broadcast=True)
            )
        return outgoing

    # ------------------------------------------------------------------ recovery

    async def _recover(self, now: dt.datetime, summary: TickSummary) -> None:
        """Settle ledger rows left open by a worker whose claim has expired."""
        while not self._stopping.is_set():
            async with self._transaction() as session:
                chats, rows = await ledger.take_over_abandoned(
                    session,
                    now,
                    self.settings.delivery_batch_size,
                    self.worker,
                    now + CLAIM_LEASE,
                )
                if not chats:
                    return
                texts = await broadcasts.texts(
                    session, [r.broadcast_id for r in rows if r.broadcast_id is not None]
                )
                outgoing = self._resume(chats, rows, texts, now, summary)
                interrupted = [r.id for r in rows if r.status is LedgerStatus.SENDING]
                await ledger.mark(
                    session,
                    interrupted,
                    LedgerStatus.INTERRUPTED,
                    error="worker stopped mid-send; not resent to avoid a duplicate",
                )
                resumed = {i for o in outgoing for i in o.ledger_ids}
                missed = [
                    r.id for r in rows if r.status is LedgerStatus.CLAIMED and r.id not in resumed
                ]
                await ledger.mark(session, missed, LedgerStatus.MISSED)
                resending = {o.chat_id for o in outgoing}
                await ledger.release(session, [c.id for c in chats if c.id not in resending])
            summary.failed += len(interrupted)
            summary.skipped += len(missed)
            summary.recovered += len(outgoing)
            await self._deliver(outgoing, now, summary)

    def _resume(
        self,
        chats: Sequence[DueChat],
        rows: Sequence[ledger.OpenDelivery],
        texts: dict[int, str],
        now: dt.datetime,
        summary: TickSummary,
    ) -> list[Outgoing]:
        """Rebuild the messages of rows that provably never went out and are still timely
        (a broadcast is always timely)."""
        library = self.library
        by_chat = {chat.id: chat for chat in chats}
        pending: dict[int, dict[Kind, ledger.OpenDelivery]] = {}
        claimed = [row for row in rows if row.status is LedgerStatus.CLAIMED]
        for row in claimed:
            if row.broadcast_id is None:
                pending.setdefault(row.chat_id, {})[row.kind] = row
        outgoing = self._broadcast_messages(
            chats, [r for r in claimed if r.broadcast_id is not None], texts, now
        )
        summary.due += len(outgoing)
        for chat_id, kinds in pending.items():
            chat = by_chat[chat_id]
            timely = min(r.due_at for r in kinds.values()) >= now - self.settings.catchup_window
            if chat.status != chat_repo.Status.ACTIVE or _paused(chat, now) or not timely:
                continue
            try:
                tip_row, food_row = kinds.get(Kind.TIP), kinds.get(Kind.FOOD)
                tip = library.tip(tip_row.item_id) if tip_row and tip_row.item_id else None
                food = library.food(food_row.item_id) if food_row and food_row.item_id else None
                text = self._render(library, chat, tip, food)
            except (KeyError, ValueError):
                continue  # the content changed since; the rows end as missed
            summary.due += 1
            due_at = min(r.due_at for r in kinds.values())
            outgoing.append(Outgoing(chat_id, text, tuple(r.id for r in kinds.values()), due_at))
        return outgoing

    # ------------------------------------------------------------------ sending

    async def _deliver(
        self,
        batch: Sequence[Outgoing],
        now: dt.datetime,
        summary: TickSummary,
        started: asyncio.Event | None = None,
    ) -> None:
        """Send a batch; `started` is set once the first rows are flagged `sending`.

        Each row turns `sending` only after its send has a slot, in one conditional UPDATE
        shared with the other sends starting at that moment, so at most MAX_IN_FLIGHT rows
        are ever `sending` without having been answered: a crash loses at most those.
        """
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
                if self._stopping.is_set():
                    self._unsent.append(item.chat_id)
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
                    )
                finally:
                    sending -= 1
                    flipping.poke()

        async def deliver_group(group: list[Outgoing]) -> None:
            if self._stopping.is_set():
                # Left `claimed` and released at the end of the tick: the next run sends them.
                self._unsent.extend(item.chat_id for item in group)
                return
            results = await asyncio.gather(*(send(item) for item in group))
            done = [(i, r) for i, r in zip(group, results, strict=True) if r is not None]
            await self._record([i for i, _ in done], [r for _, r in done], summary)

        # Two groups overlap, so one group's ledger writes never leave the sender idle.
        overlap = asyncio.Semaphore(2)

        async def deliver_in_turn(group: list[Outgoing]) -> None:
            async with overlap:
                await deliver_group(group)

        groups = [
            list(batch[start : start + self.group_size])
            for start in range(0, len(batch), self.group_size)
        ]
        try:
            await asyncio.gather(*(deliver_in_turn(group) for group in groups))
        finally:
            if started is not None:
                started.set()

    async def _flip(self, items: list[Outgoing]) -> list[bool]:
        mine = await self._start_sending(items)
        return [any(i in mine for i in item.ledger_ids) for item in items]

    async def _start_sending(self, group: Sequence[Outgoing]) -> set[int]:
        """Flip the group's rows from claimed to sending; returns the ids of the rows this
        call flipped: only their messages go out."""
        ids = [i for item in group for i in item.ledger_ids]
        statement = (
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == str(LedgerStatus.CLAIMED))
            .values(status=str(LedgerStatus.SENDING))
            .returning(Delivery.id)
        )
        # A flip runs every few sends, so it skips the ORM session for a bare connection.
        if self.db.is_sqlite:
            async with self.db.exclusive(), self.db.engine.begin() as connection:
                return set((await connection.execute(statement)).scalars())
        # One statement is atomic by itself: autocommit saves the BEGIN and COMMIT round trips.
        async with self.db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return set((await autocommit.execute(statement)).scalars())

    async def _record(
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
                self._observe("blocked" if result.outcome is Outcome.GONE else "failed")
        async with self._transaction() as session:
            await ledger.mark(session, sent, LedgerStatus.SENT, at=sent_at)
            for item, result in by_outcome:
                status = {
                    Outcome.GONE: LedgerStatus.BLOCKED,
                    Outcome.UNKNOWN: LedgerStatus.UNKNOWN,
                    Outcome.FAILED: LedgerStatus.FAILED,
                }[result.outcome]
                await ledger.mark(
                    session, item.ledger_ids, status, error=result.error, attempts=result.attempts
                )
                if result.outcome is Outcome.GONE:
                    summary.blocked += 1
                    await chat_repo.mark_blocked(session, item.chat_id)
                    log.info("chat %s is gone (%s): no more deliveries", item.chat_id, result.error)
                else:
                    log.warning("delivery to chat %s failed: %s", item.chat_id, result.error)
            # A chat's other delivery (daily or broadcast) may still be under way.
            await ledger.release_settled(session, [item.chat_id for item in group])

    def _observe(self, outcome: str, lag_seconds: float | None = None) -> None:
        self.last_progress = time.monotonic()
        if self.observer is not None:
            self.observer.observe_delivery(outcome, lag_seconds)


def _paused(chat: DueChat, now: dt.datetime) -> bool:
    return chat.paused_indefinitely or (chat.paused_until is not None and chat.paused_until > now)


def _food_day(chat: DueChat, weekday: int) -> bool:
    if chat.food_mode == "with_tip":
        return weekday in FREQUENCY_DAYS[Frequency(chat.frequency)]
    return chat.food_mode == "weekly" and weekday == chat.food_weekday
