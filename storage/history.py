"""What each chat has already been shown, per rotation cycle."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.deliveries import Kind, dialect_insert
from storage.models import Chat, ContentHistory

_history = cast(Table, ContentHistory.__table__)


@dataclass(frozen=True, slots=True)
class Shown:
    chat_id: int
    kind: Kind
    item_id: str
    cycle: int


async def seen_in_current_cycle(
    session: AsyncSession, chat_ids: Sequence[int]
) -> dict[tuple[int, Kind], set[str]]:
    """Items each chat has had in its current tip and food cycles, in one query."""
    seen: dict[tuple[int, Kind], set[str]] = defaultdict(set)
    if not chat_ids:
        return seen
    query = (
        select(ContentHistory.chat_id, ContentHistory.kind, ContentHistory.item_id)
        .join(Chat, Chat.id == ContentHistory.chat_id)
        .where(
            ContentHistory.chat_id.in_(list(chat_ids)),
            or_(
                and_(ContentHistory.kind == str(Kind.TIP), ContentHistory.cycle == Chat.tip_cycle),
                and_(
                    ContentHistory.kind == str(Kind.FOOD), ContentHistory.cycle == Chat.food_cycle
                ),
            ),
        )
    )
    for chat_id, kind, item_id in await session.execute(query):
        seen[(chat_id, Kind(kind))].add(item_id)
    return seen


async def record(session: AsyncSession, shown: Iterable[Shown]) -> None:
    rows = [
        {"chat_id": s.chat_id, "kind": str(s.kind), "item_id": s.item_id, "cycle": s.cycle}
        for s in shown
    ]
    if not rows:
        return
    statement = dialect_insert(session, _history).on_conflict_do_nothing(
        index_elements=["chat_id", "kind", "cycle", "item_id"]
    )
    await session.execute(statement, rows)
