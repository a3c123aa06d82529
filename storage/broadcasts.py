"""Admin broadcasts: a draft, then one `queued` ledger row per recipient for the engine.

Queueing is one transaction: the draft turns `queued` only if it still is a draft (so a
double tap, or two admins, queue it once), and the recipients' rows are written by one
INSERT ... SELECT, however many chats there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.deliveries import Kind, LedgerStatus
from storage.models import Broadcast, Chat, Delivery

_deliveries = cast(Table, Delivery.__table__)


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    CANCELLED = "cancelled"


def recipients(now: dt.datetime) -> ColumnElement[bool]:
    """Who a broadcast goes to: subscribed (not stopped, not blocked) and not paused."""
    return and_(
        Chat.status == "active",
        Chat.paused_indefinitely.is_(False),
        or_(Chat.paused_until.is_(None), Chat.paused_until <= now),
    )


async def audience(session: AsyncSession, now: dt.datetime) -> int:
    count = await session.scalar(select(func.count()).select_from(Chat).where(recipients(now)))
    return int(count or 0)


async def create_draft(session: AsyncSession, text: str, created_by: int, audience: int) -> int:
    draft = Broadcast(
        text=text, created_by=created_by, status=str(BroadcastStatus.DRAFT), audience=audience
    )
    session.add(draft)
    await session.flush()
    return draft.id


@dataclass(frozen=True, slots=True)
class Change:
    """What a Send or Cancel did: `changed` is True only for the call that made the change
    (a double tap, or a second admin, finds it done)."""

    changed: bool
    status: BroadcastStatus | None  # None: no such broadcast
    audience: int


async def _current(session: AsyncSession, broadcast_id: int) -> Change:
    # populate_existing: the row as committed now, not as this session may have cached it.
    current = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if current is None:
        return Change(False, None, 0)
    return Change(False, BroadcastStatus(current.status), current.audience)


async def queue(session: AsyncSession, broadcast_id: int, now: dt.datetime) -> Change:
    """Turn a draft into one `queued` ledger row per current recipient, at most once."""
    flipped = await session.scalar(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == str(BroadcastStatus.DRAFT))
        .values(status=str(BroadcastStatus.QUEUED), queued_at=now)
        .returning(Broadcast.id)
        .execution_options(synchronize_session=False)
    )
    if flipped is None:
        # Someone else queued or cancelled it first (their transaction has committed: the
        # UPDATE above waited for its row lock), or it never existed.
        return await _current(session, broadcast_id)
    rows = select(
        Chat.id,
        literal(now.astimezone(dt.UTC).date()),
        literal(str(Kind.BROADCAST)),
        literal(str(LedgerStatus.QUEUED)),
        literal(now, Delivery.due_at.type),
        literal(0),
        literal(broadcast_id, Delivery.broadcast_id.type),
    ).where(recipients(now))
    columns = ["chat_id", "local_date", "kind", "status", "due_at", "attempts", "broadcast_id"]
    await session.execute(insert(_deliveries).from_select(columns, rows))
    count = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
    )
    queued = int(count or 0)
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(audience=queued)
        .execution_options(synchronize_session=False)
    )
    return Change(True, BroadcastStatus.QUEUED, queued)


async def cancel(session: AsyncSession, broadcast_id: int) -> Change:
    """Cancel a draft; a queued broadcast stays queued."""
    flipped = await session.scalar(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == str(BroadcastStatus.DRAFT))
        .values(status=str(BroadcastStatus.CANCELLED))
        .returning(Broadcast.audience)
        .execution_options(synchronize_session=False)
    )
    if flipped is None:
        return await _current(session, broadcast_id)
    return Change(True, BroadcastStatus.CANCELLED, flipped)


async def texts(session: AsyncSession, broadcast_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(broadcast_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Broadcast.id, Broadcast.text).where(Broadcast.id.in_(ids)))
    return {row.id: row.text for row in rows}


@dataclass(frozen=True, slots=True)
class Summary:
    """A broadcast and how far its delivery got: ledger rows by status."""

    id: int
    text: str
    status: BroadcastStatus
    created_at: dt.datetime
    queued_at: dt.datetime | None
    audience: int
    progress: dict[str, int]

    @property
    def waiting(self) -> int:
        open_ = (
            LedgerStatus.QUEUED,
            LedgerStatus.CLAIMED,
            LedgerStatus.SENDING,
            LedgerStatus.RETRY,
        )
        return sum(self.progress.get(str(s), 0) for s in open_)

    @property
    def sent(self) -> int:
        return self.progress.get(str(LedgerStatus.SENT), 0)

    @property
    def not_sent(self) -> int:
        """Final rows other than sent: failed, blocked, missed..."""
        return sum(self.progress.values()) - self.waiting - self.sent


async def progress(
    session: AsyncSession, broadcast_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Ledger rows by status for each broadcast (a range scan of its unique index)."""
    ids = sorted(set(broadcast_ids))
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(Delivery.broadcast_id, Delivery.status, func.count())
        .where(Delivery.broadcast_id.in_(ids))
        .group_by(Delivery.broadcast_id, Delivery.status)
    )
    for broadcast_id, status, count in rows.all():
        if broadcast_id is not None:
            found[broadcast_id][str(status)] = int(count)
    return found


async def recent(
    session: AsyncSession, limit: int = 5, *, statuses: Iterable[BroadcastStatus] | None = None
) -> list[Summary]:
    """The newest broadcasts first, with their progress."""
    query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if statuses is not None:
        query = query.where(Broadcast.status.in_([str(s) for s in statuses]))
    found = list(await session.scalars(query))
    counts = await progress(session, [b.id for b in found])
    return [_summary(b, counts[b.id]) for b in found]


def _summary(row: Any, counts: dict[str, int]) -> Summary:
    return Summary(
        id=row.id,
        text=row.text,
        status=BroadcastStatus(row.status),
        created_at=row.created_at,
        queued_at=row.queued_at,
        audience=row.audience,
        progress=counts,
    )
