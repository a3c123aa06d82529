"""Everything stored about one chat, gathered for /mydata: its row and every row of every
table that refers to it.

The tables are found from the schema (every foreign key to chats.id), so a table added
later is exported without anyone remembering to add it here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Broadcast, Chat, Delivery
from storage.preferences import preferences_of

# Ids and bookkeeping the person did not give us and that mean nothing to them.
_INTERNAL = ("claimed_until", "claimed_by", "menu_message_id", "awaiting_user_id")
# Rows naming a person rather than a chat (table, column): in a private chat the person's
# user id is the chat's id.
_BY_PERSON: list[tuple[Table, str]] = [
    (Base.metadata.tables[Broadcast.__tablename__], "created_by")
]


def chat_tables() -> list[tuple[Table, Column[Any]]]:
    """Every table with a column referring to chats.id, with that column, in schema order."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column is Chat.__table__.c.id for key in column.foreign_keys):
                found.append((table, column))
    return found


@dataclass(frozen=True)
class ChatData:
    """A chat's stored data: its row, counts for the summary, and every other row."""

    chat: dict[str, Any]
    counts: dict[str, int]
    # Table name -> its rows about this chat, each with all its columns.
    rows: dict[str, list[dict[str, Any]]]

    @property
    def questions(self) -> list[dict[str, Any]]:
        return self.rows.get("unanswered_questions", [])

    def as_json(self) -> dict[str, Any]:
        return {"chat": self.chat, "history_counts": self.counts, **self.rows}


async def export(session: AsyncSession, chat_id: int) -> ChatData | None:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        return None
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, column in chat_tables():
        rows[table.name] = await _rows(session, table, column == chat_id)
    for table, name in _BY_PERSON:
        if chat_id > 0:  # a private chat: the chat id is the person's user id
            rows[table.name] = await _rows(session, table, table.c[name] == chat_id)
    by_kind = await session.execute(
        select(Delivery.kind, func.count())
        .where(Delivery.chat_id == chat_id, Delivery.status == "sent")
        .group_by(Delivery.kind)
    )
    counts = {
        **{f"{kind}_sent": int(count) for kind, count in by_kind},
        "deliveries_recorded": len(rows.get("deliveries", [])),
        "items_shown": len(rows.get("content_history", [])),
        "answer_ratings": len(rows.get("faq_feedback", [])),
        "unanswered_questions": len(rows.get("unanswered_questions", [])),
        "intake_log_entries": len(rows.get("intake_log", [])),
    }
    return ChatData(chat=_chat_json(chat), counts=counts, rows=rows)


async def _rows(session: AsyncSession, table: Table, where: Any) -> list[dict[str, Any]]:
    order = list(table.primary_key.columns)
    result = await session.execute(select(table).where(where).order_by(*order))
    return [{key: _json(value) for key, value in row.items()} for row in result.mappings()]


def _chat_json(chat: Chat) -> dict[str, Any]:
    preferences = preferences_of(chat).model_dump(mode="json")
    state = {
        column.key: _json(getattr(chat, column.key))
        for column in Chat.__table__.columns
        if column.key not in preferences and column.key not in _INTERNAL
    }
    return {**state, "preferences": preferences}


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value
