"""Everything stored about one chat, gathered for /mydata."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Chat,
    ContentHistory,
    Delivery,
    FaqFeedback,
    IntakeEntry,
    UnansweredQuestion,
)
from storage.preferences import preferences_of

# Ids and bookkeeping the person did not give us and that mean nothing to them.
_INTERNAL = ("claimed_until", "claimed_by", "menu_message_id", "awaiting_user_id")


@dataclass(frozen=True)
class ChatData:
    """A chat's stored data: its row, counts of its history and its own words."""

    chat: dict[str, Any]
    counts: dict[str, int]
    questions: list[dict[str, Any]]
    intake: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "chat": self.chat,
            "history_counts": self.counts,
            "unanswered_questions": self.questions,
            "intake_log": self.intake,
        }


async def export(session: AsyncSession, chat_id: int) -> ChatData | None:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        return None
    by_kind = await session.execute(
        select(Delivery.kind, func.count())
        .where(Delivery.chat_id == chat_id, Delivery.status == "sent")
        .group_by(Delivery.kind)
    )
    counts = {
        **{f"{kind}_sent": int(count) for kind, count in by_kind},
        "deliveries_recorded": await _count(session, Delivery, chat_id),
        "items_shown": await _count(session, ContentHistory, chat_id),
        "answer_ratings": await _count(session, FaqFeedback, chat_id),
        "unanswered_questions": await _count(session, UnansweredQuestion, chat_id),
        "intake_log_entries": await _count(session, IntakeEntry, chat_id),
    }
    questions = await session.execute(
        select(UnansweredQuestion.text, UnansweredQuestion.created_at)
        .where(UnansweredQuestion.chat_id == chat_id)
        .order_by(UnansweredQuestion.id)
    )
    intake = await session.execute(
        select(IntakeEntry.local_date, IntakeEntry.food_id, IntakeEntry.servings, IntakeEntry.mg)
        .where(IntakeEntry.chat_id == chat_id)
        .order_by(IntakeEntry.id)
    )
    return ChatData(
        chat=_chat_json(chat),
        counts=counts,
        questions=[{"text": text, "asked_at": _json(at)} for text, at in questions],
        intake=[
            {"date": _json(day), "food": food, "servings": servings, "mg": mg}
            for day, food, servings, mg in intake
        ],
    )


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


async def _count(session: AsyncSession, table: Any, chat_id: int, *where: Any) -> int:
    query = select(func.count()).select_from(table).where(table.chat_id == chat_id, *where)
    return int(await session.scalar(query) or 0)
