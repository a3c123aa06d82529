"""The delivery ledger and the due-chat claims the scheduler works from.

A ledger row (chat, local date, kind) is written before a message is sent and its unique
key makes a second row for the same day impossible, so no process, retry or restart can
deliver the same day's tip twice. A broadcast's rows are keyed (broadcast, chat) instead:
one message per chat per broadcast. Its status tells how far the delivery got:

- ``queued``: a broadcast row waiting for a worker to claim its chat (daily rows are
  written already claimed).
- ``claimed``: written, the send has not started. If its worker dies, another worker may
  still send it once the chat's claim has expired, because it provably never went out.
- ``sending``: the send started. If its worker dies now, nobody knows whether Telegram got
  it, so it is never sent again (at most once) and ends as ``interrupted``.
- ``retry``: the send provably never reached Telegram (the connection was refused, a 429
  outlasted the rate limiter, the token was refused). A later tick claims it again while
  its due time is inside the catch-up window; after that it ends ``failed``.
- ``sent``, ``failed`` (Telegram refused it, or its retries ran out of time), ``blocked``,
  ``unknown`` (the request went out but its answer was lost, timed out or a 5xx: maybe
  delivered, so never sent again), ``interrupted`` and ``missed`` (too late to catch up,
  or the chat left) are final.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Chat, Delivery
from storage.redaction import redact_token_shapes


class Kind(StrEnum):
    TIP = "tip"
    FOOD = "food"
    BROADCAST = "broadcast"
    # The weekly quiz (item: the round's id) and a tip sent again on request (item: its id).
    QUIZ = "quiz"
    LATER = "later"


class LedgerStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"
    INTERRUPTED = "interrupted"
    MISSED = "missed"


OPEN_STATUSES = (LedgerStatus.CLAIMED, LedgerStatus.SENDING)
# Literal SQL, not bound parameters: the planners of both databases can only use a partial
# index when the query's condition matches the index's own text.
ACTIVE = text("chats.status = 'active'")
QUEUED = text("deliveries.status = 'queued'")
RETRY = text("deliveries.status = 'retry'")
OPEN = text("deliveries.status IN ('claimed', 'sending')")
# The daily rows' unique index is partial: ON CONFLICT must name its condition to use it.
DAILY = text("broadcast_id IS NULL")

_chats = cast(Table, Chat.__table__)
_deliveries = cast(Table, Delivery.__table__)


@dataclass(frozen=True, slots=True)
class DueChat:
    """What the scheduler needs of a claimed chat, without keeping ORM objects around."""

    id: int
    status: str
    timezone: str
    delivery_time: dt.time
    frequency: str
    topics: tuple[str, ...]
    diet: tuple[str, ...]
    food_mode: str
    food_weekday: int
    age_band: str | None
    sex: str | None
    life_stage: str | None
    paused_until: dt.datetime | None
    paused_indefinitely: bool
    next_due_at: dt.datetime | None
    tip_cycle: int
    food_cycle: int
    # Defaults equal to a new chat's, so code building a DueChat by hand (tests, tools)
    # may leave out what it does not care about.
    quiz_weekday: int = 6
    quiz_size: int = 3
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None
    later_tip_id: str | None = None
    later_at: dt.datetime | None = None


_DUE_COLUMNS = (
    Chat.id,
    Chat.status,
    Chat.timezone,
    Chat.delivery_time,
    Chat.frequency,
    Chat.topics,
    Chat.diet,
    Chat.food_mode,
    Chat.food_weekday,
    Chat.age_band,
    Chat.sex,
    Chat.life_stage,
    Chat.paused_until,
    Chat.paused_indefinitely,
    Chat.next_due_at,
    Chat.tip_cycle,
    Chat.food_cycle,
    Chat.quiz_weekday,
    Chat.quiz_size,
    Chat.quiet_start,
    Chat.quiet_end,
    Chat.later_tip_id,
    Chat.later_at,
)


def _due_chat(row: Any) -> DueChat:
    values = dict(row._mapping)
    values["topics"] = tuple(values["topics"] or ())
    values["diet"] = tuple(values["diet"] or ())
    return DueChat(**values)


def due_query(now: dt.datetime, limit: int) -> Select[Any]:
    """Active chats whose slot has come, oldest first: a range scan of ix_chats_due."""
    return (
        select(Chat.id)
        .where(ACTIVE, Chat.next_due_at <= now)
        .order_by(Chat.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def claim_due(
    session: AsyncSession, now: dt.datetime, limit: int, worker: str, lease_until: dt.datetime
) -> list[DueChat]:
    """Claim up to `limit` due chats for `worker`.

    Rows another worker has locked are skipped (PostgreSQL), and on SQLite the UPDATE takes
    the write lock first, so two schedulers never claim the same chat.
    """
    claimed = await _claim(session, due_query(now, limit), worker, lease_until)
    return sorted(claimed, key=lambda c: (c.next_due_at, c.id))


async def _claim(
    session: AsyncSession, chat_ids: Select[Any], worker: str, lease_until: dt.datetime
) -> list[DueChat]:
    """Put the chats `chat_ids` selects under `worker`'s claim; returns them."""
    statement = (
        update(Chat)
        .where(Chat.id.in_(chat_ids))
        .values(claimed_by=worker, claimed_until=lease_until)
        .returning(*_DUE_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return [_due_chat(row) for row in (await session.execute(statement)).all()]


async def unscheduled(session: AsyncSession, limit: int) -> list[DueChat]:
    """Active chats without a next delivery time, locked for the caller to reschedule:
    the due query never selects them, so they would never get a tip again (a subscription
    cut short leaves one; /start repairs its own chat with chats.ensure_next_due). An
    index range scan of ix_chats_due, empty as a rule."""
    query = (
        select(*_DUE_COLUMNS)
        .where(ACTIVE, Chat.next_due_at.is_(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_due_chat(row) for row in (await session.execute(query)).all()]


@dataclass(frozen=True, slots=True)
class ChatUpdate:
    """The schedule state a claimed chat moves to."""

    chat_id: int
    next_due_at: dt.datetime | None
    tip_cycle: int
    food_cycle: int
    # The chat's pending Later was sent or dropped: forget it.
    clear_later: bool = False


async def reschedule(session: AsyncSession, updates: Sequence[ChatUpdate]) -> None:
    for clear_later in (False, True):
        group = [u for u in updates if u.clear_later is clear_later]
        if not group:
            continue
        values: dict[str, Any] = {
            "next_due_at": bindparam("b_next"),
            "tip_cycle": bindparam("b_tip_cycle"),
            "food_cycle": bindparam("b_food_cycle"),
        }
        if clear_later:
            values |= {"later_tip_id": None, "later_at": None}
        statement = update(_chats).where(_chats.c.id == bindparam("b_id")).values(values)
        params = [
            {
                "b_id": u.chat_id,
                "b_next": u.next_due_at,
                "b_tip_cycle": u.tip_cycle,
                "b_food_cycle": u.food_cycle,
            }
            for u in group
        ]
        await session.execute(statement, params)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    chat_id: int
    local_date: dt.date
    kind: Kind
    item_id: str | None
    due_at: dt.datetime


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """INSERT with the backend's ON CONFLICT support (both PostgreSQL and SQLite have it)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


async def open_entries(
    session: AsyncSession, entries: Sequence[LedgerEntry]
) -> dict[tuple[int, Kind], int]:
    """Write `claimed` rows; returns the new rows' ids by (chat, kind).

    An entry whose (chat, local date, kind) is already in the ledger is left out of the
    result: that day's delivery belongs to whoever wrote it first.
    """
    if not entries:
        return {}
    statement = (
        dialect_insert(session, _deliveries)
        .on_conflict_do_nothing(index_elements=["chat_id", "local_date", "kind"], index_where=DAILY)
        .returning(_deliveries.c.id, _deliveries.c.chat_id, _deliveries.c.kind)
    )
    rows = [
        {
            "chat_id": e.chat_id,
            "local_date": e.local_date,
            "kind": str(e.kind),
            "item_id": e.item_id,
            "status": str(LedgerStatus.CLAIMED),
            "due_at": e.due_at,
            "attempts": 0,
        }
        for e in entries
    ]
    result = await session.execute(statement, rows)
    return {(row.chat_id, Kind(row.kind)): row.id for row in result}


async def mark(
    session: AsyncSession,
    ids: Iterable[int],
    status: LedgerStatus,
    *,
    at: dt.datetime | None = None,
    error: str | None = None,
    attempts: int | None = None,
    retry_at: dt.datetime | None = None,
) -> None:
    id_list = list(ids)
    if not id_list:
        return
    values: dict[str, Any] = {"status": str(status)}
    if status is LedgerStatus.SENT:
        values["sent_at"] = at
    if status is LedgerStatus.RETRY:
        values["retry_at"] = retry_at
    if error is not None:
        # Masked before the cut: a token cut in half no longer looks like one.
        values["error"] = redact_token_shapes(error)[:200]
    if attempts is not None:
        # Counted over every tick that tried: a retried row adds its new attempts.
        values["attempts"] = _deliveries.c.attempts + attempts
    await session.execute(update(_deliveries).where(_deliveries.c.id.in_(id_list)).values(values))


async def start_sending(db: Database, ids: Sequence[int]) -> set[int]:
    """Flip rows from `claimed` to `sending`; returns the ids this call flipped.

    Conditional, so of two workers holding the same rows only one flips each row: only
    the messages of flipped rows may go out.
    """
    if not ids:
        return set()
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == str(LedgerStatus.CLAIMED))
        .values(status=str(LedgerStatus.SENDING))
        .returning(Delivery.id)
    )
    # A flip runs every few sends, so it skips the ORM session for a bare connection.
    if db.is_sqlite:
        async with db.exclusive(), db.engine.begin() as connection:
            return set((await connection.execute(statement)).scalars())
    # One statement is atomic by itself: autocommit saves the BEGIN and COMMIT round trips.
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return set((await autocommit.execute(statement)).scalars())


@dataclass(frozen=True, slots=True)
class OpenDelivery:
    id: int
    chat_id: int
    local_date: dt.date
    kind: Kind
    item_id: str | None
    status: LedgerStatus
    due_at: dt.datetime
    broadcast_id: int | None = None


_OPEN_COLUMNS = (
    Delivery.id,
    Delivery.chat_id,
    Delivery.local_date,
    Delivery.kind,
    Delivery.item_id,
    Delivery.status,
    Delivery.due_at,
    Delivery.broadcast_id,
)


def _open_delivery(row: Any) -> OpenDelivery:
    return OpenDelivery(
        id=row.id,
        chat_id=row.chat_id,
        local_date=row.local_date,
        kind=Kind(row.kind),
        item_id=row.item_id,
        status=LedgerStatus(row.status),
        due_at=row.due_at,
        broadcast_id=row.broadcast_id,
    )


async def take_over_abandoned(
    session: AsyncSession, now: dt.datetime, limit: int, worker: str, lease_until: dt.datetime
) -> tuple[list[DueChat], list[OpenDelivery]]:
    """Claim chats whose worker died with ledger rows still open, and return those rows."""
    abandoned = (
        select(Chat.id)
        .join(Delivery, Delivery.chat_id == Chat.id)
        .where(
            Delivery.status.in_([str(s) for s in OPEN_STATUSES]),
            or_(Chat.claimed_until.is_(None), Chat.claimed_until < now),
        )
        .limit(limit)
        .with_for_update(of=Chat, skip_locked=True)
    )
    chats = await _claim(session, abandoned, worker, lease_until)
    if not chats:
        return [], []
    rows = await session.execute(
        select(*_OPEN_COLUMNS).where(
            Delivery.chat_id.in_([c.id for c in chats]),
            Delivery.status.in_([str(s) for s in OPEN_STATUSES]),
        )
    )
    return chats, [_open_delivery(r) for r in rows]


async def claim_retries(
    session: AsyncSession,
    now: dt.datetime,
    oldest: dt.datetime,
    limit: int,
    worker: str,
    lease_until: dt.datetime,
) -> tuple[list[DueChat], list[OpenDelivery]]:
    """Claim up to `limit` chats with `retry` rows whose wait is over (`retry_at` passed)
    and that are due at or after `oldest`, turn those rows back into `claimed` ones and
    return them.

    Rows due before `oldest` can no longer be sent in time: they end `failed`, keeping the
    error of their last attempt. Chats under a live claim are left for later.
    """
    await session.execute(
        update(_deliveries)
        .where(RETRY, _deliveries.c.due_at < oldest)
        .values(status=str(LedgerStatus.FAILED))
    )
    ready = or_(Delivery.retry_at.is_(None), Delivery.retry_at <= now)
    waiting = (
        select(Chat.id)
        .join(Delivery, Delivery.chat_id == Chat.id)
        .where(RETRY, ready, or_(Chat.claimed_until.is_(None), Chat.claimed_until < now))
        .limit(limit)
        .with_for_update(of=Chat, skip_locked=True)
    )
    chats = await _claim(session, waiting, worker, lease_until)
    if not chats:
        return [], []
    flip = (
        update(Delivery)
        .where(RETRY, ready, Delivery.chat_id.in_([c.id for c in chats]))
        .values(status=str(LedgerStatus.CLAIMED))
        .returning(*_OPEN_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = [_open_delivery(r) for r in (await session.execute(flip)).all()]
    return chats, rows


async def claim_broadcast_rows(
    session: AsyncSession, now: dt.datetime, limit: int, worker: str, lease_until: dt.datetime
) -> tuple[list[DueChat], list[OpenDelivery]]:
    """Claim up to `limit` chats with queued broadcast rows and flip one row each to
    `claimed` (a chat's next broadcast waits for the next batch, so a chat never has two
    rows in flight from one claim).

    Chats under a live claim (their daily delivery, or another worker) are left for later;
    locked ones are skipped (PostgreSQL), so several workers split a broadcast. Chats that
    stopped, blocked the bot or paused since the queueing are claimed too: their rows must
    still end, as `missed`.
    """
    waiting = (
        select(Chat.id)
        .join(Delivery, Delivery.chat_id == Chat.id)
        .where(QUEUED, or_(Chat.claimed_until.is_(None), Chat.claimed_until < now))
        # No ORDER BY: sorting would make every batch read all queued rows (and the
        # PostgreSQL planner, whose statistics lag behind a fresh broadcast, does so).
        .limit(limit)
        .with_for_update(of=Chat, skip_locked=True)
    )
    chats = await _claim(session, waiting, worker, lease_until)
    if not chats:
        return [], []
    first = (
        select(func.min(Delivery.id))
        .where(QUEUED, Delivery.chat_id.in_([c.id for c in chats]))
        .group_by(Delivery.chat_id)
    )
    flip = (
        update(Delivery)
        .where(Delivery.id.in_(first))
        .values(status=str(LedgerStatus.CLAIMED))
        .returning(*_OPEN_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = [_open_delivery(r) for r in (await session.execute(flip)).all()]
    return chats, sorted(rows, key=lambda r: r.chat_id)


async def release(session: AsyncSession, chat_ids: Iterable[int]) -> None:
    """Give claims back once their deliveries are final."""
    ids = list(chat_ids)
    if ids:
        await session.execute(
            update(_chats).where(_chats.c.id.in_(ids)).values(claimed_by=None, claimed_until=None)
        )


async def release_settled(session: AsyncSession, chat_ids: Iterable[int]) -> None:
    """Give back the claims of chats with no open row left.

    A chat may have a daily and a broadcast delivery open at once, settled separately;
    its claim must keep protecting whichever is still under way.
    """
    ids = list(chat_ids)
    if not ids:
        return
    still_open = select(_deliveries.c.id).where(_deliveries.c.chat_id == _chats.c.id, OPEN).exists()
    await session.execute(
        update(_chats)
        .where(_chats.c.id.in_(ids), ~still_open)
        .values(claimed_by=None, claimed_until=None)
    )


async def ledger_for(session: AsyncSession, chat_id: int) -> list[Delivery]:
    rows = await session.scalars(
        select(Delivery).where(Delivery.chat_id == chat_id).order_by(Delivery.local_date)
    )
    return list(rows)


async def counts_by_status(session: AsyncSession, since: dt.date | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if since is not None:
        query = query.where(Delivery.local_date >= since)
    return {row[0]: row[1] for row in await session.execute(query)}


async def set_items(session: AsyncSession, items: dict[int, str]) -> None:
    """Name the item of claimed rows written before it existed (a quiz row gets its round,
    which is started only once the row proved the day's quiz is this claim's)."""
    if items:
        await session.execute(
            update(_deliveries).where(_deliveries.c.id == bindparam("b_id")),
            [{"b_id": row_id, "item_id": item} for row_id, item in items.items()],
        )


async def discard(session: AsyncSession, ids: Iterable[int]) -> None:
    """Delete claimed rows that turned out to have nothing to send (no quiz question was
    available): the day then has no row of that kind, as if it had never been planned."""
    id_list = list(ids)
    if id_list:
        await session.execute(
            delete(_deliveries).where(
                _deliveries.c.id.in_(id_list),
                _deliveries.c.status == str(LedgerStatus.CLAIMED),
            )
        )


async def defer_broadcasts(
    session: AsyncSession, row_ids: Iterable[int], until: dict[int, dt.datetime]
) -> None:
    """Put claimed broadcast rows back in the queue and hold their chats' claims until
    `until` (chat id -> instant): the end of each chat's quiet hours.

    The broadcast claim skips chats under a live claim, so the rows wait without any worker
    claiming them again and again; daily deliveries ignore that claim and are unaffected.
    """
    id_list = list(row_ids)
    if id_list:
        await session.execute(
            update(_deliveries)
            .where(_deliveries.c.id.in_(id_list), _deliveries.c.status == str(LedgerStatus.CLAIMED))
            .values(status=str(LedgerStatus.QUEUED))
        )
    if until:
        await session.execute(
            update(_chats).where(_chats.c.id == bindparam("b_id")),
            [
                {"b_id": chat_id, "claimed_by": "quiet-hours", "claimed_until": end}
                for chat_id, end in until.items()
            ],
        )
