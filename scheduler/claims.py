"""Taking work: claim the chats that are due (or have a queued broadcast row), write their
ledger rows and move their schedules on, all in one short transaction per batch; take
over the open rows of a worker that died; take back rows whose send provably failed; and
give a schedule to any active chat that lost its own.

Every claim is leased from the `now` it is given, which the engine reads afresh for each
claim, so a claim made late in a long tick is as safe as the first. The functions return
the `Outgoing` messages to send; nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from content import Library
from runtime.config import EngineSettings
from scheduler import planning
from scheduler.planning import Observe, Outgoing, Plan, TickSummary
from storage import Database, broadcasts, history
from storage import chats as chat_repo
from storage import deliveries as ledger
from storage.deliveries import ChatUpdate, DueChat, Kind, LedgerEntry, LedgerStatus

log = logging.getLogger(__name__)

# How long a claim protects a worker's unfinished rows from being taken over. It must
# outlast one batch's sending, 429 pauses and retries included; a crashed worker's
# not-yet-sent rows wait this long before another worker sends them.
CLAIM_LEASE = dt.timedelta(minutes=10)


class Claims:
    def __init__(
        self,
        db: Database,
        settings: EngineSettings,
        worker: str,
        *,
        library: Callable[[], Library],
        observe: Observe,
    ) -> None:
        self.db = db
        self.settings = settings
        self.worker = worker
        # The engine's current library: /reload may swap it between two batches.
        self._library = library
        self._observe = observe

    def _batch_size(self, limit: int | None) -> int:
        return min(limit or self.settings.delivery_batch_size, self.settings.delivery_batch_size)

    async def repair_schedules(self, now: dt.datetime) -> int:
        """Give every active chat without a next delivery time its next slot; returns how
        many needed one. Without this such a chat would never be due again."""
        repaired = 0
        while True:
            async with self.db.session() as session:
                found = await ledger.unscheduled(session, self.settings.delivery_batch_size)
                updates = [
                    ChatUpdate(c.id, self._next_due(c, now), c.tip_cycle, c.food_cycle)
                    for c in found
                ]
                await ledger.reschedule(session, updates)
            repaired += len(found)
            if len(found) < self.settings.delivery_batch_size:
                break
        if repaired:
            log.warning("gave %d active chat(s) without a schedule their next slot", repaired)
        return repaired

    def _next_due(self, chat: DueChat, now: dt.datetime) -> dt.datetime:
        try:
            return planning.next_due(chat, now)
        except (ValueError, KeyError) as error:
            # Broken preferences must not stop everyone else's delivery; try again tomorrow.
            log.error("chat %s has an unusable schedule: %s", chat.id, error)
            return now + dt.timedelta(days=1)

    async def claim_batch(
        self, now: dt.datetime, summary: TickSummary, limit: int | None = None
    ) -> list[Outgoing] | None:
        """Claim the next due chats, write their ledger rows and reschedule them; None
        once nobody is due."""
        lease = now + CLAIM_LEASE
        size = self._batch_size(limit)
        # One library for the whole batch, even if /reload swaps in another meanwhile.
        library = self._library()
        window = self.settings.catchup_window
        async with self.db.session() as session:
            claimed = await ledger.claim_due(session, now, size, self.worker, lease)
            if not claimed:
                return None
            summary.due += len(claimed)
            seen = await history.seen_in_current_cycle(session, [c.id for c in claimed])
            plans: list[Plan] = []
            updates: dict[int, ChatUpdate] = {}
            for number, chat in enumerate(claimed):
                if number % 10 == 9:
                    # Planning is pure CPU; let the limiter release the messages in flight.
                    await asyncio.sleep(0)
                try:
                    plan = planning.plan(library, chat, now, seen, window)
                    updates[chat.id] = ChatUpdate(
                        chat.id, planning.next_due(chat, now), chat.tip_cycle, chat.food_cycle
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
            composed = planning.compose(library, plans, opened, updates)
            # A day already in the ledger: delivered by an earlier slot or another worker.
            summary.skipped += composed.already_delivered
            for _ in range(composed.already_delivered):
                self._observe("skipped")
            await history.record(session, composed.shown)
            await ledger.reschedule(session, list(updates.values()))
            outgoing = composed.outgoing
            await ledger.release(session, [c.id for c in claimed if c.id not in outgoing])
        return list(outgoing.values())

    async def claim_broadcast_batch(
        self, now: dt.datetime, summary: TickSummary, limit: int | None = None
    ) -> list[Outgoing] | None:
        """Claim chats with queued broadcast rows; None once there are none left."""
        size = self._batch_size(limit)
        async with self.db.session() as session:
            chats, rows = await ledger.claim_broadcast_rows(
                session, now, size, self.worker, now + CLAIM_LEASE
            )
            if not chats:
                return None
            summary.due += len(rows)
            texts = await broadcasts.texts(
                session, [r.broadcast_id for r in rows if r.broadcast_id]
            )
            outgoing = planning.broadcast_messages(chats, rows, texts, now)
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

    async def recover(self, now: dt.datetime, summary: TickSummary) -> list[Outgoing] | None:
        """Settle one batch of ledger rows left open by a worker whose claim has expired;
        returns the messages that provably never went out and may still be sent (None once
        there is nothing left to take over)."""
        async with self.db.session() as session:
            chats, rows = await ledger.take_over_abandoned(
                session,
                now,
                self.settings.delivery_batch_size,
                self.worker,
                now + CLAIM_LEASE,
            )
            if not chats:
                return None
            interrupted = [r.id for r in rows if r.status is LedgerStatus.SENDING]
            await ledger.mark(
                session,
                interrupted,
                LedgerStatus.INTERRUPTED,
                error="worker stopped mid-send; not resent to avoid a duplicate",
            )
            outgoing = await self._resend(session, chats, rows, now, summary)
        summary.failed += len(interrupted)
        summary.recovered += len(outgoing)
        return outgoing

    async def retry(self, now: dt.datetime, summary: TickSummary) -> list[Outgoing] | None:
        """Claim one batch of rows whose send provably failed earlier and rebuild their
        messages while they are still timely (None once none wait); older ones end
        `failed`."""
        oldest = now - self.settings.catchup_window
        async with self.db.session() as session:
            chats, rows = await ledger.claim_retries(
                session,
                now,
                oldest,
                self.settings.delivery_batch_size,
                self.worker,
                now + CLAIM_LEASE,
            )
            if not chats:
                return None
            outgoing = await self._resend(session, chats, rows, now, summary)
        summary.retried += len(outgoing)
        return outgoing

    async def _resend(
        self,
        session: AsyncSession,
        chats: Sequence[DueChat],
        rows: Sequence[ledger.OpenDelivery],
        now: dt.datetime,
        summary: TickSummary,
    ) -> list[Outgoing]:
        """The messages of taken-over `claimed` rows that may still go out; the others end
        `missed` and chats with nothing to send are released."""
        texts = await broadcasts.texts(
            session, [r.broadcast_id for r in rows if r.broadcast_id is not None]
        )
        outgoing = self.resume(chats, rows, texts, now, summary)
        resumed = {i for o in outgoing for i in o.ledger_ids}
        missed = [r.id for r in rows if r.status is LedgerStatus.CLAIMED and r.id not in resumed]
        await ledger.mark(session, missed, LedgerStatus.MISSED)
        resending = {o.chat_id for o in outgoing}
        await ledger.release(session, [c.id for c in chats if c.id not in resending])
        summary.skipped += len(missed)
        return outgoing

    def resume(
        self,
        chats: Sequence[DueChat],
        rows: Sequence[ledger.OpenDelivery],
        texts: dict[int, str],
        now: dt.datetime,
        summary: TickSummary,
    ) -> list[Outgoing]:
        """Rebuild the messages of rows that provably never went out and are still timely
        (a broadcast is always timely)."""
        library = self._library()
        by_chat = {chat.id: chat for chat in chats}
        pending: dict[int, dict[Kind, ledger.OpenDelivery]] = {}
        claimed = [row for row in rows if row.status is LedgerStatus.CLAIMED]
        for row in claimed:
            if row.broadcast_id is None:
                pending.setdefault(row.chat_id, {})[row.kind] = row
        outgoing = planning.broadcast_messages(
            chats, [r for r in claimed if r.broadcast_id is not None], texts, now
        )
        summary.due += len(outgoing)
        for chat_id, kinds in pending.items():
            chat = by_chat[chat_id]
            timely = min(r.due_at for r in kinds.values()) >= now - self.settings.catchup_window
            if chat.status != chat_repo.Status.ACTIVE or planning.paused(chat, now) or not timely:
                continue
            try:
                tip_row, food_row = kinds.get(Kind.TIP), kinds.get(Kind.FOOD)
                tip = library.tip(tip_row.item_id) if tip_row and tip_row.item_id else None
                food = library.food(food_row.item_id) if food_row and food_row.item_id else None
                text = planning.render(library, chat, tip, food)
            except (KeyError, ValueError):
                continue  # the content changed since; the rows end as missed
            summary.due += 1
            due_at = min(r.due_at for r in kinds.values())
            outgoing.append(Outgoing(chat_id, text, tuple(r.id for r in kinds.values()), due_at))
        return outgoing

    async def release(self, chat_ids: Sequence[int]) -> None:
        """Give back claims whose rows never started sending (a stop)."""
        if chat_ids:
            async with self.db.session() as session:
                await ledger.release(session, chat_ids)
