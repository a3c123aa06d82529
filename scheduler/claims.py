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
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from content import Library
from runtime.config import EngineSettings
from runtime.signing import CallbackCodec
from scheduler import planning
from scheduler.planning import LaterFate, Observe, Outgoing, Plan, TickSummary
from storage import Database, broadcasts, history, learning
from storage import chats as chat_repo
from storage import deliveries as ledger
from storage.deliveries import ChatUpdate, DueChat, Kind, LedgerEntry, LedgerStatus
from storage.learning import QuizRound

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
        # Signs the buttons of scheduled tips and quizzes exactly as the bot does, so the
        # bot's handlers accept them.
        self.codec = CallbackCodec(settings.bot_token.get_secret_value())

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
                    # A Later that came (sent now) or can no longer be sent is forgotten.
                    fate = planning.later_fate(chat, now, window)
                    handled = fate in (LaterFate.DUE, LaterFate.DROPPED)
                    plan = planning.plan(library, chat, now, seen, window)
                    updates[chat.id] = ChatUpdate(
                        chat.id,
                        planning.next_due(chat, now, later=not handled),
                        chat.tip_cycle,
                        chat.food_cycle,
                        clear_later=handled,
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
            opened = await ledger.open_entries(session, _entries(plans))
            rounds = await self._start_quizzes(session, library, plans, opened)
            composed = planning.compose(library, self.codec, plans, opened, updates, rounds)
            # A day already in the ledger: delivered by an earlier slot or another worker.
            summary.skipped += composed.already_delivered
            for _ in range(composed.already_delivered):
                self._observe("skipped")
            await history.record(session, composed.shown)
            await ledger.reschedule(session, list(updates.values()))
            sending = composed.chats
            await ledger.release(session, [c.id for c in claimed if c.id not in sending])
        return composed.outgoing

    async def _start_quizzes(
        self,
        session: AsyncSession,
        library: Library,
        plans: Sequence[Plan],
        opened: dict[tuple[int, Kind], int],
    ) -> dict[int, QuizRound]:
        """Start the weekly quiz of each chat whose quiz row this claim wrote, and name the
        round in its row; a chat with no question to ask loses the row (nothing is sent).

        The row comes first so that only the claim that owns the day starts a round: a
        second start would expire the round whose question the chat already has.
        """
        requests = planning.quiz_requests(plans, opened)
        if not requests:
            return {}
        rounds = await learning.start_rounds(session, requests, library)
        rows = {chat_id: opened[(chat_id, Kind.QUIZ)] for chat_id, _, _ in requests}
        await ledger.discard(session, [row for c, row in rows.items() if c not in rounds])
        await ledger.set_items(
            session, {row: str(rounds[c].id) for c, row in rows.items() if c in rounds}
        )
        for chat_id in rows.keys() - rounds.keys():
            del opened[(chat_id, Kind.QUIZ)]
        return rounds

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
            outgoing, deferred = await self._defer_quiet(session, chats, outgoing, now)
            summary.due -= len(deferred)
            sending = {o.chat_id for o in outgoing}
            missed = [r.id for r in rows if r.chat_id not in sending | deferred]
            await ledger.mark(
                session,
                missed,
                LedgerStatus.MISSED,
                error="not subscribed or paused when its turn came",
            )
            await ledger.release(session, [c.id for c in chats if c.id not in sending | deferred])
        summary.skipped += len(missed)
        for _ in missed:
            self._observe("skipped")
        return outgoing

    async def _defer_quiet(
        self,
        session: AsyncSession,
        chats: Sequence[DueChat],
        outgoing: list[Outgoing],
        now: dt.datetime,
    ) -> tuple[list[Outgoing], set[int]]:
        """Keep the broadcast messages of chats in their quiet hours queued until the window
        ends; returns the others, and the chats that wait."""
        by_chat = {chat.id: chat for chat in chats}
        until: dict[int, dt.datetime] = {}
        for item in outgoing:
            end = planning.quiet_hours_end(by_chat[item.chat_id], now)
            if end is not None and item.broadcast:
                # Held until just before the end, so the tick at the end finds it free.
                until[item.chat_id] = end - dt.timedelta(seconds=1)
        if not until:
            return outgoing, set()

        def held(item: Outgoing) -> bool:
            return item.broadcast and item.chat_id in until

        waiting = [i for o in outgoing if held(o) for i in o.ledger_ids]
        await ledger.defer_broadcasts(session, waiting, until)
        return [o for o in outgoing if not held(o)], set(until)

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
        `missed` and chats with nothing to send are released. A broadcast row of a chat in
        its quiet hours goes back to the queue."""
        texts = await broadcasts.texts(
            session, [r.broadcast_id for r in rows if r.broadcast_id is not None]
        )
        quiz_rounds = [
            int(r.item_id)
            for r in rows
            if r.kind is Kind.QUIZ and r.status is LedgerStatus.CLAIMED and r.item_id
        ]
        rounds = await learning.rounds_by_id(session, quiz_rounds) if quiz_rounds else {}
        outgoing = self.resume(chats, rows, texts, now, summary, rounds)
        outgoing, deferred = await self._defer_quiet(session, chats, outgoing, now)
        summary.due -= len(deferred)
        resumed = {i for o in outgoing for i in o.ledger_ids}
        waiting = {r.id for r in rows if r.chat_id in deferred and r.broadcast_id is not None}
        missed = [
            r.id for r in rows if r.status is LedgerStatus.CLAIMED and r.id not in resumed | waiting
        ]
        await ledger.mark(session, missed, LedgerStatus.MISSED)
        resending = {o.chat_id for o in outgoing}
        await ledger.release(session, [c.id for c in chats if c.id not in resending | deferred])
        summary.skipped += len(missed)
        return outgoing

    def resume(
        self,
        chats: Sequence[DueChat],
        rows: Sequence[ledger.OpenDelivery],
        texts: dict[int, str],
        now: dt.datetime,
        summary: TickSummary,
        rounds: dict[int, QuizRound] | None = None,
    ) -> list[Outgoing]:
        """Rebuild the messages of rows that provably never went out and are still timely
        (a broadcast is always timely); `rounds` holds the quiz rows' rounds by id."""
        library = self._library()
        rounds = rounds or {}
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
        oldest = now - self.settings.catchup_window
        for chat_id, kinds in pending.items():
            chat = by_chat[chat_id]
            if chat.status != chat_repo.Status.ACTIVE or planning.paused(chat, now):
                continue
            messages: list[Outgoing] = []
            try:
                tip_row, food_row = kinds.get(Kind.TIP), kinds.get(Kind.FOOD)
                slot_rows = [r for r in (tip_row, food_row) if r is not None]
                if slot_rows and min(r.due_at for r in slot_rows) >= oldest:
                    tip = library.tip(tip_row.item_id) if tip_row and tip_row.item_id else None
                    food = library.food(food_row.item_id) if food_row and food_row.item_id else None
                    messages.append(
                        planning.slot_message(
                            library,
                            self.codec,
                            chat,
                            tip,
                            food,
                            tuple(r.id for r in slot_rows),
                            min(r.due_at for r in slot_rows),
                        )
                    )
                quiz_row = kinds.get(Kind.QUIZ)
                round = rounds.get(int(quiz_row.item_id or 0)) if quiz_row else None
                if quiz_row and round and round.status == "open" and quiz_row.due_at >= oldest:
                    messages.append(
                        planning.quiz_outgoing(
                            library, self.codec, chat_id, round, quiz_row.id, quiz_row.due_at
                        )
                    )
                later_row = kinds.get(Kind.LATER)
                if later_row and later_row.item_id and later_row.due_at >= oldest:
                    tip = library.tip(later_row.item_id)
                    messages.append(
                        planning.later_message(
                            library, self.codec, chat, tip, later_row.id, later_row.due_at
                        )
                    )
            except (KeyError, ValueError, IndexError):
                continue  # the content changed since; the rows end as missed
            summary.due += 1 if messages else 0
            outgoing.extend(replace(m, sequence=n) for n, m in enumerate(messages))
        return outgoing

    async def release(self, chat_ids: Sequence[int]) -> None:
        """Give back claims whose rows never started sending (a stop)."""
        if chat_ids:
            async with self.db.session() as session:
                await ledger.release(session, chat_ids)


def _entries(plans: Sequence[Plan]) -> list[LedgerEntry]:
    """The ledger rows the plans ask for: the slot's tip, food and quiz (its round is named
    once started), and a Later on the local day it was asked for."""
    entries: list[LedgerEntry] = []
    for p in plans:
        chat_id = p.chat.id
        for kind, pick in p.picks.items():
            entries.append(LedgerEntry(chat_id, p.local_date, kind, pick.item_id, p.due_at))
        if p.quiz_size:
            entries.append(LedgerEntry(chat_id, p.local_date, Kind.QUIZ, None, p.due_at))
        if p.later is not None:
            later = p.later
            entries.append(
                LedgerEntry(chat_id, later.local_date, Kind.LATER, later.tip_id, later.due_at)
            )
    return entries
