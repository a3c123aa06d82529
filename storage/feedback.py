"""/ask's records for the content team: answers served, 👍/👎 votes, unanswered questions.

Votes and questions belong to a chat (deleted with it by /forget), so they are kept only
for chats that exist: someone who never sent /start leaves no trace. Served counts carry
no chat and are always kept. Unanswered questions are the person's own words (they may
mention their health), so they are also kept for a limited time only (the bot's
QUESTION_RETENTION): older ones go whenever a question is stored, and periodically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import Chat, FaqFeedback, FaqServed, UnansweredQuestion

KEEP_UNANSWERED = 500
# Telegram messages are at most 4,096 characters; nothing longer is ever stored.
MAX_QUESTION = 4096


class Vote(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    UNKNOWN_CHAT = "unknown_chat"


@dataclass(frozen=True)
class EntryFeedback:
    faq_id: str
    served: int
    helpful: int
    unhelpful: int


def record_served(session: Session, counts: Mapping[str, int]) -> None:
    """Count more showings of each FAQ entry (id -> times) in one statement, atomically on
    both backends. Sorted, so two processes adding to the same rows lock them in the same
    order on PostgreSQL and cannot deadlock."""
    if not counts:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(FaqServed).values(
        [{"faq_id": faq_id, "count": times} for faq_id, times in sorted(counts.items())]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[FaqServed.faq_id],
            set_={"count": FaqServed.count + statement.excluded["count"]},
        )
    )


async def record_vote(
    session: AsyncSession, chat_id: int, message_id: int, faq_id: str, helpful: bool
) -> Vote:
    """Store the first vote on one answer message; later presses change nothing."""
    if await session.get(Chat, chat_id) is None:
        return Vote.UNKNOWN_CHAT
    try:
        async with session.begin_nested():
            session.add(
                FaqFeedback(chat_id=chat_id, message_id=message_id, faq_id=faq_id, helpful=helpful)
            )
    except IntegrityError:
        return Vote.ALREADY
    return Vote.RECORDED


def record_unanswered(
    session: Session,
    chat_id: int,
    text: str,
    score: float,
    *,
    keep: int = KEEP_UNANSWERED,
    retention: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Keep a question the bot could not answer; only the newest `keep` are kept overall,
    and none older than `retention` (a zero retention keeps none at all)."""
    if retention is not None and retention <= dt.timedelta(0):
        return False
    if session.get(Chat, chat_id) is None:
        return False
    now = now or dt.datetime.now(dt.UTC)
    session.add(
        UnansweredQuestion(chat_id=chat_id, text=text[:MAX_QUESTION], score=score, created_at=now)
    )
    session.flush()
    if retention is not None:
        purge_unanswered(session, now - retention)
    newest = select(UnansweredQuestion.id).order_by(UnansweredQuestion.id.desc()).limit(keep)
    cutoff = session.scalar(select(func.min(newest.subquery().c.id)))
    if cutoff is not None:
        session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.id < cutoff))
    return True


def purge_unanswered(session: Session, older_than: dt.datetime) -> int:
    """Delete the unanswered questions asked before `older_than`; returns how many."""
    result = session.execute(
        delete(UnansweredQuestion).where(UnansweredQuestion.created_at < older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def feedback_by_entry(session: AsyncSession) -> list[EntryFeedback]:
    """Served and vote counts for every entry that was served or voted on, by id."""
    served_rows = await session.execute(select(FaqServed.faq_id, FaqServed.count))
    served = {str(faq_id): int(count) for faq_id, count in served_rows}
    votes = await session.execute(
        select(FaqFeedback.faq_id, FaqFeedback.helpful, func.count()).group_by(
            FaqFeedback.faq_id, FaqFeedback.helpful
        )
    )
    helpful: dict[str, int] = {}
    unhelpful: dict[str, int] = {}
    for faq_id, is_helpful, count in votes:
        (helpful if is_helpful else unhelpful)[faq_id] = int(count)
    ids = sorted(set(served) | set(helpful) | set(unhelpful))
    return [
        EntryFeedback(i, int(served.get(i, 0)), helpful.get(i, 0), unhelpful.get(i, 0)) for i in ids
    ]


async def recent_unanswered(
    session: AsyncSession, limit: int = KEEP_UNANSWERED
) -> list[UnansweredQuestion]:
    """The newest unanswered questions first."""
    rows = await session.scalars(
        select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(limit)
    )
    return list(rows)
