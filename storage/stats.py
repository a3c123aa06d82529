"""Read-only figures for operators: /stats and the /metrics gauges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chat, Delivery, FaqFeedback, FaqServed, UnansweredQuestion


@dataclass(frozen=True)
class Overview:
    by_status: dict[str, int]
    paused: int
    deliveries_today: dict[str, int]
    top_questions: list[tuple[str, int]]
    unanswered_total: int
    unanswered_recent: list[str]
    helpful: int
    not_helpful: int
    least_helpful: list[tuple[str, int]]

    @property
    def subscribers(self) -> int:
        return sum(self.by_status.values())


async def chats_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Chat.status, func.count()).group_by(Chat.status))
    return {status: int(count) for status, count in rows.all()}


async def overview(session: AsyncSession, now: dt.datetime, *, top: int = 5) -> Overview:
    """Everything /stats shows; "today" is the UTC day of `now`."""
    day_start = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    paused = await session.scalar(
        select(func.count())
        .select_from(Chat)
        .where(
            Chat.status == "active",
            or_(Chat.paused_indefinitely.is_(True), Chat.paused_until > now),
        )
    )
    deliveries = await session.execute(
        select(Delivery.status, func.count())
        .where(
            # Scheduled rows (tips, foods, quizzes, tips sent again); broadcasts apart.
            Delivery.broadcast_id.is_(None),
            or_(
                Delivery.sent_at >= day_start,
                and_(Delivery.sent_at.is_(None), Delivery.due_at >= day_start),
            ),
        )
        .group_by(Delivery.status)
    )
    served = await session.execute(
        select(FaqServed.faq_id, FaqServed.count)
        .order_by(FaqServed.count.desc(), FaqServed.faq_id)
        .limit(top)
    )
    unanswered_total = await session.scalar(select(func.count()).select_from(UnansweredQuestion))
    recent = await session.scalars(
        select(UnansweredQuestion.text)
        .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
        .limit(top)
    )
    votes = await session.execute(
        select(FaqFeedback.helpful, func.count()).group_by(FaqFeedback.helpful)
    )
    by_vote = {bool(helpful): int(count) for helpful, count in votes.all()}
    down = await session.execute(
        select(FaqFeedback.faq_id, func.count().label("n"))
        .where(FaqFeedback.helpful.is_(False))
        .group_by(FaqFeedback.faq_id)
        .order_by(func.count().desc(), FaqFeedback.faq_id)
        .limit(3)
    )
    return Overview(
        by_status=await chats_by_status(session),
        paused=int(paused or 0),
        deliveries_today={status: int(n) for status, n in deliveries.all()},
        top_questions=[(faq_id, int(n)) for faq_id, n in served.all()],
        unanswered_total=int(unanswered_total or 0),
        unanswered_recent=list(recent),
        helpful=by_vote.get(True, 0),
        not_helpful=by_vote.get(False, 0),
        least_helpful=[(faq_id, int(n)) for faq_id, n in down.all()],
    )
